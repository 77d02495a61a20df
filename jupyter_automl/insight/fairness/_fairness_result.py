"""FairnessResult: per-group metrics and disparities, with plots (a Display-like result)."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from ...exceptions import InputError
from .. import _displays

MAIN_METRIC = {"classification": "selection_rate", "regression": "mae"}
RATE_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy")
MSG_METRIC = "{metric!r} is not a metric of this result. Metrics are: {metrics}."


class FairnessResult:
    """How a model's decisions and errors differ across sensitive groups.

    Attributes
    ----------
    by_group : DataFrame
        One row per group (the intersections when there are several sensitive features), one
        column per metric, plus ``small_group`` (fewer rows than ``min_group_size``).
        Classification: count, positives, selection_rate, true_positive_rate,
        false_positive_rate, accuracy, balanced_accuracy (multiclass: the rates per class, as
        ``selection_rate[<class>]``). A group's TPR (FPR) counts in the equalized-odds spread only
        when it has at least 10 positives (negatives).
        Regression: count, mae, rmse, mean_prediction, mean_target.
    overall : Series
        The same metrics over all rows.
    disparities : dict
        Classification: demographic_parity_difference and _ratio, equalized_odds_difference and
        _ratio, worst_group and best_group (by accuracy). Regression: mae/rmse/mean_prediction
        differences and ratios, worst and best group (by MAE). Computed over groups with at least
        ``min_group_size`` rows.
    marginal : dict of DataFrame
        With several sensitive features: the groups of each feature alone.
    small_groups : list of str
    notes : list of str
    metric_frame : fairlearn.metrics.MetricFrame
        The underlying MetricFrame (the positive class's, for binary tasks).
    ax_, figure_ : matplotlib Axes and Figure of the last plot.
    """

    def __init__(self, *, by_group: pd.DataFrame, overall: pd.Series, disparities: dict[str, Any],
                 marginal: dict[str, pd.DataFrame], sensitive_features: list[str],
                 small_groups: list[str], notes: list[str], task: str, positive_class: Any,
                 min_group_size: int, metric_frame: Any, seconds: float):
        self.by_group = by_group
        self.overall = overall
        self.disparities = disparities
        self.marginal = marginal
        self.sensitive_features = sensitive_features
        self.small_groups = small_groups
        self.notes = notes
        self.task = task
        self.positive_class = positive_class
        self.min_group_size = min_group_size
        self.metric_frame = metric_frame
        self.seconds = seconds

    @property
    def metrics(self) -> list[str]:
        return [c for c in self.by_group.columns if c != "small_group"]

    def table(self) -> pd.DataFrame:
        """``by_group`` with an "overall" row first, for display."""
        overall = self.overall.reindex(self.metrics).to_frame().T
        overall.index = pd.Index(["overall"]) if self.by_group.index.nlevels == 1 else \
            pd.MultiIndex.from_tuples([("overall",) * self.by_group.index.nlevels],
                                      names=self.by_group.index.names)
        overall["small_group"] = False
        table = pd.concat([overall, self.by_group])
        ints = {c: int for c in table.columns if c == "count" or c.startswith("positives")}
        return table.astype(ints | {"small_group": bool})

    def _metric(self, metric: str | None) -> str:
        metric = metric or self._default_metric()
        if metric not in self.metrics:
            raise InputError(MSG_METRIC.format(metric=metric, metrics=self.metrics))
        return metric

    def _default_metric(self) -> str:
        main = MAIN_METRIC[self.task]
        if main in self.by_group.columns:
            return main
        return next(c for c in self.metrics if c.startswith("selection_rate"))

    # -- plots ----------------------------------------------------------------------------------

    def plot(self, metric: str | None = None, *, ax: Any = None) -> FairnessResult:
        """One metric per group (default: selection rate, or MAE for regression), overall dashed."""
        self.ax_ = _displays.group_bars(self, self._metric(metric), ax)
        self.figure_ = self.ax_.figure
        return self

    def plot_by_group(self, metrics: list[str] | None = None, *, ax: Any = None) -> FairnessResult:
        """Several metrics side by side for each group."""
        if metrics is None:
            metrics = ([m for m in RATE_METRICS if m in self.by_group.columns]
                       if self.task == "classification" else ["mae", "rmse"])
            if not metrics:  # multiclass
                metrics = [m for m in self.metrics if m.startswith("selection_rate")][:4] + ["accuracy"]
        metrics = [self._metric(m) for m in metrics]
        self.ax_ = _displays.grouped_bars(self, metrics, ax)
        self.figure_ = self.ax_.figure
        return self

    def plot_disparities(self, *, ax: Any = None) -> FairnessResult:
        """The disparity measures: differences (0 is parity) as bars."""
        self.ax_ = _displays.disparity_bars(self, ax)
        self.figure_ = self.ax_.figure
        return self

    # -- display --------------------------------------------------------------------------------

    def __repr__(self) -> str:
        key = "demographic_parity_difference" if self.task == "classification" else "mae_difference"
        value = self.disparities.get(key, np.nan)
        return (f"FairnessResult({len(self.by_group)} groups of {self.sensitive_features}, "
                f"{key}={value:.3f})")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(_fmt(v))}</td></tr>"
            for k, v in self.disparities.items())
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (f"<div><b>Fairness</b> across {html.escape(', '.join(self.sensitive_features))}"
                f"{self.table().to_html(float_format=lambda v: f'{v:.3f}')}"
                f"<table><tr><th>disparity</th><th>value</th></tr>{rows}</table>"
                f"{'<ul>' + notes + '</ul>' if notes else ''}</div>")


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, (float, np.floating)) else str(v)
