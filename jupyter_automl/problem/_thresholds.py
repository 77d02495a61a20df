"""Decision thresholds for binary metrics that judge hard labels (F1, accuracy, balanced accuracy,
precision...): a model's probabilities are turned into labels at the threshold that scores best
on out-of-fold predictions, instead of at 0.5.

With rare positives a model's probabilities seldom pass 0.5, so F1 at 0.5 undersells a model
that ranks the positives well. The search scores a trial's folds with thresholds tuned on the
*other* folds (cross-fitted, so the score is not optimistic), and the final model keeps the
threshold tuned on all its out-of-fold predictions.
"""

from __future__ import annotations

import numpy as np

from ._metrics import Metric

LABEL_METRICS = {"accuracy", "balanced_accuracy", "f1"}
# scikit-learn scorers that score labels (predict), so a threshold changes them
LABEL_SCORERS = {"accuracy", "balanced_accuracy", "f1", "precision", "recall", "jaccard",
                 "matthews_corrcoef", "top_k_accuracy"}
MAX_CANDIDATES = 512  # thresholds tried (quantiles of the probabilities on large data)


def needs_threshold(metric: Metric) -> bool:
    """Whether ``metric`` judges labels of a binary task, so that a tuned threshold can help."""
    if metric.task != "binary":
        return False
    if metric.scorer:
        return metric.name.split("_")[0] in {s.split("_")[0] for s in LABEL_SCORERS} \
            and not metric.name.startswith(("neg_", "roc_", "average_precision"))
    return metric.name in LABEL_METRICS


def positive_column(metric: Metric, y: np.ndarray) -> int:
    return int(np.flatnonzero(metric.classes_like(y) == metric.positive)[0])


def labels_at(pred: np.ndarray, column: int, threshold: float) -> np.ndarray:
    """Probabilities made hard at ``threshold``: 1 for the positive class's column where its
    probability reaches the threshold, else 1 for the other column (what the metric then reads)."""
    positive = pred[:, column] >= threshold
    out = np.zeros_like(pred, dtype=float)
    out[:, column] = positive
    out[:, 1 - column] = ~positive
    return out


def score_at(y: np.ndarray, pred: np.ndarray, metric: Metric, threshold: float) -> float:
    """The metric of ``pred`` with labels decided at ``threshold``."""
    return metric.score(y, labels_at(np.asarray(pred), positive_column(metric, np.asarray(y)), threshold))


def best_threshold(y: np.ndarray, pred: np.ndarray, metric: Metric) -> tuple[float, float]:
    """(threshold, score): the threshold on the positive class's probability that scores best."""
    y, pred = np.asarray(y), np.asarray(pred, dtype=float)
    column = positive_column(metric, y)
    p = pred[:, column]
    candidates = _candidates(p)
    if not metric.scorer and metric.name in LABEL_METRICS:
        scores = _scores_at(y == metric.positive, p, candidates, metric.name)
    else:
        scores = np.array([metric.score(y, labels_at(pred, column, t)) for t in candidates])
    scores = np.where(np.isnan(scores), -np.inf, scores)
    best = int(np.argmax(scores))
    return float(candidates[best]), float(scores[best])


def cross_fitted_scores(y: np.ndarray, oof: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
                        metric: Metric) -> list[float]:
    """Each fold's score at the threshold that is best on the other folds' out-of-fold rows.

    With a single holdout fold, its rows are halved: each half is scored at the threshold best
    on the other half, and the fold's score is the mean of the two.
    """
    y, oof = np.asarray(y), np.asarray(oof)
    valid_rows = [valid for _, valid in folds]
    if len(valid_rows) == 1:
        rows = np.random.default_rng(0).permutation(valid_rows[0])
        halves = [(None, rows[: len(rows) // 2]), (None, rows[len(rows) // 2:])]
        return [float(np.mean(cross_fitted_scores(y, oof, halves, metric)))]
    out = []
    for k, valid in enumerate(valid_rows):
        others = np.concatenate([v for j, v in enumerate(valid_rows) if j != k]) \
            if len(valid_rows) > 1 else valid
        threshold, _ = best_threshold(y[others], oof[others], metric)
        out.append(score_at(y[valid], oof[valid], metric, threshold))
    return out


def _candidates(p: np.ndarray) -> np.ndarray:
    """Midpoints between distinct probabilities (quantiles of them on large data), plus 0.5."""
    values = np.unique(p)
    if len(values) > MAX_CANDIDATES:
        values = np.unique(np.quantile(p, np.linspace(0, 1, MAX_CANDIDATES)))
    mids = (values[:-1] + values[1:]) / 2 if len(values) > 1 else values
    return np.unique(np.concatenate([mids, [0.5], values[:1]]))


def _scores_at(positive: np.ndarray, p: np.ndarray, thresholds: np.ndarray, name: str) -> np.ndarray:
    """The friendly label metric at every threshold at once, from cumulative counts."""
    order = np.argsort(-p, kind="stable")
    p_sorted, pos_sorted = p[order], positive[order]
    n, n_pos = len(p), int(positive.sum())
    n_neg = n - n_pos
    # predicted positive at threshold t: the rows with p >= t, a prefix of the sorted order
    k = np.searchsorted(-p_sorted, -thresholds, side="right")
    tp = np.concatenate([[0], np.cumsum(pos_sorted)])[k]
    fp = k - tp
    tn = n_neg - fp
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "f1":
            return np.where(tp > 0, 2 * tp / (k + n_pos), 0.0)
        if name == "accuracy":
            return (tp + tn) / n
        tpr = tp / n_pos if n_pos else np.zeros_like(tp, dtype=float)
        tnr = tn / n_neg if n_neg else np.zeros_like(tn, dtype=float)
        return (tpr + tnr) / 2


class TunedMetric:
    """A binary label metric judged at each prediction's best threshold (for choosing among
    candidates, e.g. ensemble weights, that will all get a tuned threshold). Metric-like: the
    ensemble selection reads ``batch_scorer_for``, ``is_better`` and ``greater_is_better``."""

    def __init__(self, metric: Metric):
        self.metric = metric
        self.name = metric.name
        self.greater_is_better = metric.greater_is_better

    def score(self, y: np.ndarray, pred: np.ndarray) -> float:
        return best_threshold(y, pred, self.metric)[1]

    def batch_scorer_for(self, y: np.ndarray):
        return lambda preds: np.array([self.score(y, p) for p in preds])

    def is_better(self, a: float, b: float | None) -> bool:
        return self.metric.is_better(a, b)
