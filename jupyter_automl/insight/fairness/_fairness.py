"""Fairness checks: per-group metrics with fairlearn's MetricFrame, disparities, small groups.

Classification: count, positives (rows of the positive class), selection rate, true and false
positive rates, accuracy and balanced accuracy per group; disparities are demographic parity (selection rates) and equalized odds
(TPR and FPR). Multiclass: the rates are one-vs-rest per class, and each disparity is the largest
over the classes. Regression: count, MAE, RMSE, mean prediction and mean target per group.

With several sensitive features the groups are their intersections (e.g. race x sex); the
groups of each feature alone are in ``result.marginal``.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ...exceptions import DataWarning, InputError
from .._threads import few_threads
from ._fairness_result import FairnessResult
from ._groups import sensitive_frame

MIN_GROUP_SIZE = 30
MIN_CLASS_ROWS = 10  # positives (negatives) a group needs for its TPR (FPR) to count in a spread

MSG_SMALL = ("{n} group(s) have fewer than {k} rows, too few to trust their rates: {groups}. "
             "They are shown but left out of the disparities.")
MSG_LENGTHS = "y has {ny} values but X has {nx} rows."
MSG_ONE_GROUP = ("Only one group ({group!r}) of {features} has at least {k} rows: there is nothing to "
                 "compare. Check the sensitive feature, or lower min_group_size.")


class SmallGroupWarning(DataWarning):
    """A sensitive group has too few rows for its metrics to be trusted."""


def user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside jupyter_automl."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("jupyter_automl"):
        frame, level = frame.f_back, level + 1
    return level


# -- metrics: NaN where undefined (fairlearn's rates are 0 for a group without the class) --------
# Each takes sample_weight: the rows are compressed to their distinct (group, truth, prediction)
# combinations with counts as weights before they reach the MetricFrame, which evaluates every
# metric group by group in Python (about 1 s per 100,000 rows and metrics on adult otherwise).


def _w(y_true, sample_weight) -> np.ndarray:
    return np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, dtype=float)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else np.nan


def _count(y_true, y_pred, sample_weight=None) -> float:
    return float(_w(y_true, sample_weight).sum())


def _selection_rate(y_true, y_pred, sample_weight=None) -> float:
    w = _w(y_true, sample_weight)
    return _ratio(np.sum(w * np.asarray(y_pred, float)), w.sum())


def _tpr(y_true, y_pred, sample_weight=None) -> float:
    w = _w(y_true, sample_weight) * (np.asarray(y_true) == 1)
    return _ratio(np.sum(w * np.asarray(y_pred, float)), w.sum())


def _fpr(y_true, y_pred, sample_weight=None) -> float:
    w = _w(y_true, sample_weight) * (np.asarray(y_true) == 0)
    return _ratio(np.sum(w * np.asarray(y_pred, float)), w.sum())


def _accuracy(y_true, y_pred, sample_weight=None) -> float:
    w = _w(y_true, sample_weight)
    return _ratio(np.sum(w * (np.asarray(y_true) == np.asarray(y_pred))), w.sum())


def _balanced_accuracy(y_true, y_pred, sample_weight=None) -> float:
    y_true, y_pred, w = np.asarray(y_true), np.asarray(y_pred), _w(y_true, sample_weight)
    recalls = [_ratio(np.sum(w * (y_true == c) * (y_pred == c)), np.sum(w * (y_true == c)))
               for c in np.unique(y_true)]
    return float(np.mean(recalls)) if recalls else np.nan


def _mae(y_true, y_pred, sample_weight=None) -> float:
    return float(np.average(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float)),
                            weights=sample_weight))


def _rmse(y_true, y_pred, sample_weight=None) -> float:
    return float(np.sqrt(np.average((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2,
                                    weights=sample_weight)))


def _mean_prediction(y_true, y_pred, sample_weight=None) -> float:
    return float(np.average(np.asarray(y_pred, float), weights=sample_weight))


def _mean_target(y_true, y_pred, sample_weight=None) -> float:
    return float(np.average(np.asarray(y_true, float), weights=sample_weight))


def _positives(y_true, y_pred, sample_weight=None) -> float:
    return float(np.sum(_w(y_true, sample_weight) * (np.asarray(y_true) == 1)))


BINARY_METRICS = {"count": _count, "positives": _positives, "selection_rate": _selection_rate,
                  "true_positive_rate": _tpr, "false_positive_rate": _fpr, "accuracy": _accuracy,
                  "balanced_accuracy": _balanced_accuracy}
REGRESSION_METRICS = {"count": _count, "mae": _mae, "rmse": _rmse,
                      "mean_prediction": _mean_prediction, "mean_target": _mean_target}


def fairness(model: Any, X: pd.DataFrame, y: Any, *, sensitive_features: Any, problem: Any = None,
             min_group_size: int = MIN_GROUP_SIZE) -> FairnessResult:
    """Compare the model's errors and decisions across the groups of ``sensitive_features``.

    Parameters
    ----------
    model : AutoML or fitted estimator
        Anything with ``predict`` on ``X``.
    X : DataFrame
    y : array-like
        True labels or values.
    sensitive_features : str, list of str, Series, DataFrame or array
        Column name(s) of ``X``, or one value per row. Several features: intersectional groups.
    problem : Problem, optional
        Taken from the AutoML; gives the task and the positive class.
    min_group_size : int, default=30
        Groups with fewer rows are flagged (``SmallGroupWarning``) and left out of the disparities.

    Returns
    -------
    FairnessResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.dummy import DummyClassifier
    >>> X = pd.DataFrame({"sex": ["f", "m"] * 50, "x": np.arange(100)})
    >>> y = np.array([0, 1] * 50)
    >>> model = DummyClassifier(strategy="constant", constant=1).fit(X, y)
    >>> result = fairness(model, X, y, sensitive_features="sex")
    >>> float(result.disparities["demographic_parity_difference"])
    0.0
    """
    t0 = time.perf_counter()
    if hasattr(model, "best_pipeline_") and problem is None:
        problem = model.problem_
    y_true = np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y)
    if not isinstance(X, pd.DataFrame):
        raise InputError(f"X must be a pandas DataFrame. Got {type(X).__name__} instead.")
    if len(y_true) != len(X):
        raise InputError(MSG_LENGTHS.format(ny=len(y_true), nx=len(X)))
    groups, notes = sensitive_frame(sensitive_features, X, len(X))
    with few_threads(len(X)):
        y_pred = np.asarray(model.predict(X))
    return fairness_report(y_true, y_pred, groups, problem=problem, min_group_size=min_group_size,
                           notes=notes, t0=t0)


def fairness_report(y_true: np.ndarray, y_pred: np.ndarray, groups: pd.DataFrame, *,
                    problem: Any = None, min_group_size: int = MIN_GROUP_SIZE,
                    notes: list[str] | None = None, t0: float | None = None) -> FairnessResult:
    """The FairnessResult of predictions ``y_pred`` against ``y_true`` for group labels ``groups``."""
    t0 = time.perf_counter() if t0 is None else t0
    notes = list(notes or [])
    is_clf = problem.is_classification if problem is not None else not _is_numeric_target(y_true)
    if is_clf:
        classes = np.asarray(problem.classes) if problem is not None else np.unique(y_true)
        positive = getattr(problem, "positive_class", None)
        if len(classes) == 2:
            positive_label = classes[1] if positive is None else positive
            targets = [positive_label]
        else:
            positive_label, targets = None, list(classes)
        frames = {c: metric_frame(BINARY_METRICS, _is(y_true, c), _is(y_pred, c), groups)
                  for c in targets}
    else:
        positive_label, targets, frames = None, [], {}
    main = _metric_frame(y_true, y_pred, groups, is_clf, targets, positive_label, frames)
    by_group = _frame(main.by_group)
    small = by_group.index[by_group["count"] < min_group_size]
    trusted = by_group.index[by_group["count"] >= min_group_size]
    if len(small):
        labels = [_label(g) for g in small[:10]]
        message = MSG_SMALL.format(n=len(small), k=min_group_size, groups=labels)
        notes.append(message)
        warnings.warn(message, SmallGroupWarning, stacklevel=user_stacklevel())
    disparities = _disparities(frames, by_group, is_clf, trusted, list(groups.columns),
                               min_group_size)
    marginal = {}
    if groups.shape[1] > 1:
        for name in groups.columns:
            marginal[name] = _frame(_metric_frame(y_true, y_pred, groups[[name]], is_clf,
                                                  list(frames), positive_label).by_group)
    overall = main.overall if isinstance(main.overall, pd.Series) else pd.Series(main.overall)
    by_group["small_group"] = by_group["count"] < min_group_size
    return FairnessResult(
        by_group=by_group, overall=overall.astype(float), disparities=disparities,
        marginal=marginal, sensitive_features=list(groups.columns),
        small_groups=[_label(g) for g in small], notes=notes, task="classification" if is_clf
        else "regression", positive_class=positive_label, min_group_size=min_group_size,
        metric_frame=main, seconds=time.perf_counter() - t0)


def metric_frame(metrics: dict, y_true, y_pred, groups: pd.DataFrame, compress: bool = True) -> Any:
    """fairlearn's MetricFrame of ``metrics``; with ``compress``, on the distinct
    (group, truth, prediction) rows weighted by their counts (same result, far fewer rows)."""
    from fairlearn.metrics import MetricFrame

    if not compress:
        return MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    names = list(groups.columns)
    rows = groups.reset_index(drop=True).assign(__y_true=np.asarray(y_true), __y_pred=np.asarray(y_pred))
    counts = rows.groupby(list(rows.columns), sort=False, observed=True).size().reset_index()
    weights = counts[0].to_numpy(dtype=float)
    return MetricFrame(metrics=metrics, y_true=counts["__y_true"].to_numpy(),
                       y_pred=counts["__y_pred"].to_numpy(), sensitive_features=counts[names],
                       sample_params={k: {"sample_weight": weights} for k in metrics})


def _metric_frame(y_true, y_pred, groups, is_clf, targets, positive_label, frames=None) -> Any:
    """The MetricFrame (or multiclass view) of one set of groups."""
    if not is_clf:
        return metric_frame(REGRESSION_METRICS, np.asarray(y_true, float),
                            np.asarray(y_pred, float), groups, compress=False)
    if frames is None:
        frames = {c: metric_frame(BINARY_METRICS, _is(y_true, c), _is(y_pred, c), groups)
                  for c in targets}
    if positive_label is not None:
        return frames[positive_label]
    return _multiclass_view(frames, y_true, y_pred, groups)


def _is_numeric_target(y: np.ndarray) -> bool:
    return y.dtype.kind in "fc" or (y.dtype.kind in "iu" and len(np.unique(y)) > 20)


def _is(values: np.ndarray, cls: Any) -> np.ndarray:
    v = np.asarray(values)
    return (v == cls) | (v.astype(str) == str(cls)) if v.dtype == object else v == cls


def _frame(by_group: Any) -> pd.DataFrame:
    frame = by_group if isinstance(by_group, pd.DataFrame) else by_group.to_frame()
    frame = frame.astype(float)
    if "count" in frame.columns:
        # MetricFrame lists every combination of several sensitive features; the empty ones
        # (no row) have no metrics at all
        frame = frame[frame["count"].notna() & (frame["count"] > 0)]
    for column in frame.columns:
        if column == "count" or column.startswith("positives"):
            frame[column] = frame[column].astype(int)
    return frame


def _label(group: Any) -> str:
    return " & ".join(map(str, group)) if isinstance(group, tuple) else str(group)


def _multiclass_view(frames: dict, y_true, y_pred, groups) -> Any:
    """One MetricFrame-like view for multiclass: count and accuracy, rates of each class."""
    base = metric_frame({"count": _count, "accuracy": _accuracy,
                         "balanced_accuracy": _balanced_accuracy},
                        np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str), groups)
    by_group = base.by_group.copy()
    overall = base.overall.copy()
    for cls, frame in frames.items():
        for metric in ("positives", "selection_rate", "true_positive_rate", "false_positive_rate"):
            by_group[f"{metric}[{cls}]"] = frame.by_group[metric]
            overall[f"{metric}[{cls}]"] = frame.overall[metric]
    return _View(by_group, overall)


class _View:
    def __init__(self, by_group: pd.DataFrame, overall: pd.Series):
        self.by_group = by_group
        self.overall = overall


def _spread(values: pd.Series) -> tuple[float, float]:
    v = values.dropna()
    if len(v) < 2:
        return np.nan, np.nan
    hi, lo = float(v.max()), float(v.min())
    return hi - lo, (lo / hi if hi > 0 else np.nan)


def _disparities(frames: dict, by_group: pd.DataFrame, is_clf: bool, trusted: pd.Index,
                 features: list[str], min_group_size: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if len(trusted) < 2:
        out["note"] = MSG_ONE_GROUP.format(group=_label(trusted[0]) if len(trusted) else None,
                                           features=features, k=min_group_size)
    if is_clf:
        dpd, dpr, eod, eor = [], [], [], []
        for frame in frames.values():
            g = frame.by_group.loc[trusted]
            d, r = _spread(g["selection_rate"])
            dpd.append(d)
            dpr.append(r)
            # a rate of a handful of positives (or negatives) says little: such groups are left
            # out of that rate's spread, as small groups are left out of all of them
            enough_pos = g["positives"] >= MIN_CLASS_ROWS
            enough_neg = (g["count"] - g["positives"]) >= MIN_CLASS_ROWS
            tpr_d, tpr_r = _spread(g.loc[enough_pos, "true_positive_rate"])
            fpr_d, fpr_r = _spread(g.loc[enough_neg, "false_positive_rate"])
            eod.append(np.nanmax([tpr_d, fpr_d]) if not np.isnan([tpr_d, fpr_d]).all() else np.nan)
            eor.append(np.nanmin([tpr_r, fpr_r]) if not np.isnan([tpr_r, fpr_r]).all() else np.nan)
        out["demographic_parity_difference"] = _worst(dpd, max)
        out["demographic_parity_ratio"] = _worst(dpr, min)
        out["equalized_odds_difference"] = _worst(eod, max)
        out["equalized_odds_ratio"] = _worst(eor, min)
        out.update(_extremes(by_group.loc[trusted, "accuracy"], "accuracy", higher_is_better=True))
    else:
        g = by_group.loc[trusted]
        out["mae_difference"], out["mae_ratio"] = _spread(g["mae"])
        out["rmse_difference"], out["rmse_ratio"] = _spread(g["rmse"])
        out["mean_prediction_difference"], out["mean_prediction_ratio"] = _spread(g["mean_prediction"])
        out.update(_extremes(g["mae"], "mae", higher_is_better=False))
    return out


def _worst(values: list[float], pick) -> float:
    v = [x for x in values if not np.isnan(x)]
    return float(pick(v)) if v else np.nan


def _extremes(values: pd.Series, name: str, higher_is_better: bool) -> dict[str, Any]:
    v = values.dropna()
    if v.empty:
        return {"worst_group": None, "best_group": None, "worst_group_" + name: np.nan,
                "best_group_" + name: np.nan}
    worst = v.idxmin() if higher_is_better else v.idxmax()
    best = v.idxmax() if higher_is_better else v.idxmin()
    return {"worst_group": _label(worst), "best_group": _label(best),
            f"worst_group_{name}": float(v[worst]), f"best_group_{name}": float(v[best])}
