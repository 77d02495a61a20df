"""Friendly metric names -> a Metric that scores out-of-fold predictions, with its direction.

Classification predictions are always class probabilities (columns in the order of the sorted
classes); labels are their argmax. Regression predictions are numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata
from sklearn import metrics as skm
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from ..exceptions import InputError

FRIENDLY = ("roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1", "average_precision",
            "rmse", "mae", "r2", "mape")
METRIC_LABELS = {"roc_auc": "ROC AUC", "log_loss": "log loss", "accuracy": "accuracy",
                 "balanced_accuracy": "balanced accuracy", "f1": "F1",
                 "average_precision": "average precision", "rmse": "RMSE", "mae": "MAE",
                 "r2": "R²", "mape": "MAPE"}
"""How people read the metric names (the wizard's front-end receives this table too)."""


def metric_label(name: str) -> str:
    """"roc_auc" -> "ROC AUC"; other names as they are."""
    return METRIC_LABELS.get(name, name)

CLASSIFICATION_ONLY = {"roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1", "average_precision"}
REGRESSION_ONLY = {"rmse", "mae", "r2", "mape"}
ALIASES = {"auc": "roc_auc", "logloss": "log_loss", "neg_log_loss": "log_loss", "mse_root": "rmse",
           "neg_root_mean_squared_error": "rmse", "neg_mean_absolute_error": "mae",
           "neg_mean_absolute_percentage_error": "mape"}
DEFAULTS = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
RARE_POSITIVE_SHARE = 0.10  # below this share of positives, "auto" is average precision
RARE_POSITIVE_REASON = ("average precision suits rare positives ({share:.1%} of the rows are "
                        "{positive!r}): it judges how well the model ranks them first, where ROC "
                        "AUC stays high even when most flagged rows are false alarms")
DEFAULT_REASONS = {
    "binary": "ROC AUC ranks how well the model separates the two classes, whatever the threshold",
    "multiclass": "log loss rewards calibrated probabilities over every class",
    "regression": "RMSE is the typical size of an error, in the target's own units",
}

MSG_UNKNOWN = (
    "The 'metric' parameter of AutoML must be 'auto', one of {friendly} or a scikit-learn scorer "
    "name (sklearn.metrics.get_scorer_names()). Got {got!r} instead."
)
MSG_WRONG_TASK = "The metric {metric!r} is for {kind} but the task is {task!r}. Use one of {allowed}."


@dataclass(frozen=True)
class Metric:
    """A metric of out-of-fold predictions: ``score(y_true, pred)`` and its direction.

    Plain data (name, task, classes, positive class), so it pickles to worker processes.
    """

    name: str
    greater_is_better: bool
    task: str
    classes: tuple | None = None
    positive: object = None
    scorer: bool = False  # a scikit-learn scorer name rather than a friendly name

    @property
    def direction(self) -> str:
        return "maximize" if self.greater_is_better else "minimize"

    def score(self, y_true: np.ndarray, pred: np.ndarray) -> float:
        y, p = np.asarray(y_true), np.asarray(pred)
        classes = self.classes_like(y)
        if self.scorer:
            return float(_score_with_scorer(self.name, self.task, classes, self.positive, y, p))
        return float(_score_friendly(self.name, self.task, classes, self.positive, y, p))

    def classes_like(self, y: np.ndarray) -> np.ndarray | None:
        """The classes as an array comparable with ``y`` (object dtype for text labels)."""
        if self.classes is None:
            return None
        return np.asarray(self.classes, dtype=object if y.dtype == object else None)

    def batch_scorer_for(self, y_true: np.ndarray):
        """``preds -> scores`` for fixed ``y_true``: scores a stack of predictions (a first axis
        over candidates) at once, each equal to ``score``. Ensemble selection scores thousands of
        candidate averages; one at a time through scikit-learn's input checks that took seconds
        (log loss on 133 rows: 4 ms a call). Plain numpy for log loss, binary ROC AUC and RMSE."""
        y = np.asarray(y_true)
        if not self.scorer and self.name == "log_loss" and self.classes is not None:
            classes = self.classes_like(y)
            order = np.argsort(classes)
            idx = order[np.searchsorted(classes, y, sorter=order)]
            rows = np.arange(len(y))

            def log_loss(preds: np.ndarray) -> np.ndarray:
                p = np.asarray(preds, dtype=np.float64)
                # as _renorm, but only the true class's column is clipped: clipping the others
                # (below 1e-15) moves the row sums by less than 1e-14, and took 3/4 of the time
                p_true = np.maximum(p[:, rows, idx], 1e-15) / p.sum(axis=2)
                eps = np.finfo(np.float64).eps
                return -np.mean(np.log(np.clip(p_true, eps, 1 - eps)), axis=1)
            return log_loss
        if not self.scorer and self.name == "roc_auc" and self.task == "binary":
            classes = self.classes_like(y)
            column = int(np.flatnonzero(classes == self.positive)[0])
            positive = y == self.positive
            n_pos, n_neg = int(positive.sum()), int((~positive).sum())
            if n_pos and n_neg:
                def roc_auc(preds: np.ndarray) -> np.ndarray:  # Mann-Whitney U: ties count one half
                    ranks = rankdata(np.asarray(preds)[:, :, column], axis=1)
                    return (ranks[:, positive].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
                return roc_auc
        if not self.scorer and self.name == "rmse":
            target = y.astype(np.float64)
            return lambda preds: np.sqrt(np.mean((target - np.asarray(preds, np.float64)) ** 2, axis=1))
        return lambda preds: np.array([self.score(y, p) for p in preds])

    def is_better(self, a: float, b: float | None) -> bool:
        """True when score ``a`` beats ``b`` (``None`` is beaten by anything)."""
        if b is None or np.isnan(b):
            return not np.isnan(a)
        return a > b if self.greater_is_better else a < b

    def worst(self) -> float:
        return -np.inf if self.greater_is_better else np.inf


GREATER_IS_BETTER = {"roc_auc": True, "log_loss": False, "accuracy": True, "balanced_accuracy": True,
                     "f1": True, "average_precision": True, "rmse": False, "mae": False, "r2": True,
                     "mape": False}


def resolve_metric(
    metric: str, task: str, classes: np.ndarray | None, positive_class: object = None,
    positive_share: float | None = None,
) -> tuple[Metric, str]:
    """Return the Metric for ``metric`` ('auto', a friendly name or a scorer name) and why.

    ``positive_share``: the share of rows in the positive class (binary); under
    ``RARE_POSITIVE_SHARE`` the automatic choice is average precision.
    """
    if not isinstance(metric, str):
        raise InputError(MSG_UNKNOWN.format(friendly=list(FRIENDLY), got=metric))
    reason = "chosen by you"
    name = ALIASES.get(metric, metric)
    if name == "auto":
        name, reason = DEFAULTS[task], DEFAULT_REASONS[task]
        if task == "binary" and positive_share is not None and positive_share < RARE_POSITIVE_SHARE:
            name = "average_precision"
            positive = positive_class.item() if isinstance(positive_class, np.generic) else positive_class
            reason = RARE_POSITIVE_REASON.format(share=positive_share, positive=positive)
    is_clf = task in ("binary", "multiclass")
    classes_t = None if classes is None else tuple(classes)
    if name in FRIENDLY:
        if is_clf and name in REGRESSION_ONLY:
            raise InputError(MSG_WRONG_TASK.format(metric=name, kind="regression", task=task,
                                                   allowed=sorted(CLASSIFICATION_ONLY)))
        if not is_clf and name in CLASSIFICATION_ONLY:
            raise InputError(MSG_WRONG_TASK.format(metric=name, kind="classification", task=task,
                                                   allowed=sorted(REGRESSION_ONLY)))
        return Metric(name, GREATER_IS_BETTER[name], task, classes_t, positive_class), reason
    if name in skm.get_scorer_names():
        # scikit-learn scorers are always "greater is better" (error metrics are negated: neg_*)
        return Metric(name, True, task, classes_t, positive_class, scorer=True), reason
    raise InputError(MSG_UNKNOWN.format(friendly=list(FRIENDLY), got=metric))


def _labels(proba: np.ndarray, classes: np.ndarray) -> np.ndarray:
    return classes[np.argmax(proba, axis=1)]


def _renorm(p: np.ndarray) -> np.ndarray:
    """Clip and renormalise probabilities so that rows sum to one exactly (log_loss checks it)."""
    p = np.clip(p, 1e-15, 1.0)
    return p / p.sum(axis=1, keepdims=True)


def _score_friendly(name, task, classes, positive, y, p) -> float:
    if task == "regression":
        if name == "rmse":
            return skm.root_mean_squared_error(y, p)
        if name == "mae":
            return skm.mean_absolute_error(y, p)
        if name == "mape":
            if np.any(np.asarray(y, dtype=float) == 0):
                return float("nan")  # undefined: the relative error of a zero target
            return skm.mean_absolute_percentage_error(y, p)
        return skm.r2_score(y, p)
    pos_idx = int(np.flatnonzero(classes == positive)[0]) if task == "binary" else None
    if name == "roc_auc":
        if task == "binary":
            return skm.roc_auc_score(y == positive, p[:, pos_idx])
        return skm.roc_auc_score(y, _renorm(p), multi_class="ovr", labels=classes)
    if name == "log_loss":
        return skm.log_loss(y, _renorm(p), labels=classes)
    if name == "average_precision":
        if task == "binary":
            return skm.average_precision_score(y == positive, p[:, pos_idx])
        onehot = (y[:, None] == classes[None, :]).astype(int)
        present = onehot.sum(axis=0) > 0  # a fold may lack a rare class
        return skm.average_precision_score(onehot[:, present], p[:, present], average="macro")
    if name == "accuracy":
        return skm.accuracy_score(y, _labels(p, classes))
    if name == "balanced_accuracy":
        return skm.balanced_accuracy_score(y, _labels(p, classes))
    # f1: of the positive class for binary problems, macro-averaged over classes otherwise
    if task == "binary":
        return skm.f1_score(y == positive, p[:, pos_idx] >= 0.5, zero_division=0.0)
    return skm.f1_score(y, _labels(p, classes), average="macro", labels=classes, zero_division=0.0)


class _Precomputed(BaseEstimator):
    """Stands in for a fitted model so that a scikit-learn scorer can score stored predictions."""

    def __init__(self, pred: np.ndarray, classes: np.ndarray | None):
        self.pred = pred
        self.classes = classes

    def fit(self, X, y=None):  # pragma: no cover - never fitted, only scored
        return self

    def predict(self, X):
        if self.classes is None:
            return self.pred
        return _labels(self.pred, self.classes)

    def predict_proba(self, X):
        return self.pred

    def decision_function(self, X):
        return self.pred[:, 1] if self.pred.shape[1] == 2 else self.pred


class _PrecomputedClassifier(ClassifierMixin, _Precomputed):
    @property
    def classes_(self):
        return self.classes


class _PrecomputedRegressor(RegressorMixin, _Precomputed):
    pass


def _score_with_scorer(name: str, task: str, classes, positive, y: np.ndarray, p: np.ndarray) -> float:
    if task == "binary" and positive is not None:
        # scikit-learn's binary scorers assume the positive label is 1 (or True) and fail on text
        # labels ("pos_label is not specified"): score "is it the positive class" instead
        pos_idx = int(np.flatnonzero(classes == positive)[0])
        y, classes = y == positive, np.array([False, True])
        p = np.column_stack([1.0 - p[:, pos_idx], p[:, pos_idx]])
    est = _PrecomputedRegressor(p, None) if task == "regression" else _PrecomputedClassifier(p, classes)
    return skm.get_scorer(name)(est, np.zeros((len(y), 1)), y)
