"""Every usual metric of one set of out-of-fold predictions, beside the one the search optimises.

A trial is judged on one metric, but people compare models on several: the leaderboard shows
these for every trial and can rank by any of them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import sklearn

from ._metrics import GREATER_IS_BETTER, Metric

SECONDARY = {
    "binary": ("roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1", "average_precision"),
    "multiclass": ("roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1", "average_precision"),
    "regression": ("rmse", "mae", "r2", "mape"),
}
"""The metrics every trial records, per task."""

MAX_ROWS = 200_000  # larger tables are scored on a fixed random sample of this many rows


def metric_direction(name: str) -> str | None:
    """"maximize" or "minimize" for a secondary metric's name, None for other names."""
    if name not in GREATER_IS_BETTER:
        return None
    return "maximize" if GREATER_IS_BETTER[name] else "minimize"


def secondary_scores(y: np.ndarray, pred: np.ndarray, metric: Metric) -> dict[str, float]:
    """``{name: score}`` for the task's usual metrics (NaN where one is undefined, e.g. MAPE with
    a zero target, or ROC AUC on a single class). Binary label metrics are at threshold 0.5."""
    y, pred = np.asarray(y), np.asarray(pred)
    if len(y) > MAX_ROWS:
        keep = np.random.default_rng(0).choice(len(y), MAX_ROWS, replace=False)
        y, pred = y[keep], pred[keep]
    y, metric = _as_codes(y, metric)
    out = {}
    # the metrics' arguments are fixed here, so their checks are skipped: a quarter of the time
    # the coordinator spends on a finished trial's metrics (benchmarks/bench_coordinator.py)
    with sklearn.config_context(skip_parameter_validation=True):
        for name in SECONDARY[metric.task]:
            try:
                out[name] = float(_score(name, y, pred, metric))
            except ValueError:  # e.g. one class only in these rows
                out[name] = float("nan")
    return out


def _as_codes(y: np.ndarray, metric: Metric) -> tuple[np.ndarray, Metric]:
    """Class labels as their positions in ``metric.classes`` (the same scores): scikit-learn's
    metrics sort and compare the labels several times each, and text labels make that Python
    work: 0.3 s for six metrics on 100,000 rows, with the GIL held while folds run."""
    if metric.classes is None or metric.task == "regression":
        return y, metric
    classes = metric.classes_like(y)
    codes = pd.Index(classes).get_indexer(y)
    if np.any(codes < 0):  # a label outside the classes: leave it to the metrics to refuse
        return y, metric
    positive = None if metric.positive is None else int(np.flatnonzero(classes == metric.positive)[0])
    return codes, replace(metric, classes=tuple(range(len(classes))), positive=positive)


def _score(name: str, y: np.ndarray, pred: np.ndarray, metric: Metric) -> float:
    return Metric(name, GREATER_IS_BETTER[name], metric.task, metric.classes, metric.positive).score(y, pred)
