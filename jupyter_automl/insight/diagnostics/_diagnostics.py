"""Diagnostics of a fitted AutoML on held-out rows: scores and the usual plots.

Classification: confusion matrix, ROC curve and precision-recall curve (one-vs-rest for more
than two classes). Regression: residuals against predictions, and predicted against actual.
Each plot is a small result object holding its data, with ``.plot(ax=None)`` (matplotlib is
imported only then), in the manner of scikit-learn's ``*Display`` classes. No widgets here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from ...exceptions import InputError, NotFittedError
from ...problem import LABEL_METRICS, SECONDARY, resolve_metric, score_at, target_array

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "ConfusionMatrix",
    "Diagnostics",
    "PrecisionRecall",
    "PredictedVsActual",
    "Reliability",
    "Residuals",
    "RocCurve",
    "diagnose",
]

MAX_CURVES = 10  # one-vs-rest curves drawn for at most this many classes
MAX_POINTS = 5000  # scatter plots draw a sample of at most this many rows
N_BINS = 10  # reliability diagram: bins of equal row counts
MSG_LENGTH = "X has {n_x} rows but y has {n_y} values. Pass the held-out rows and their targets."
MSG_EMPTY = "There are no rows to diagnose. Pass held-out rows (X, y) with at least one row."
MSG_NOT_FITTED = "diagnose needs a fitted AutoML: call fit(X, y) (or wait for fit_async) first."


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(4.2, 3.6))
    return ax


@dataclass
class ConfusionMatrix:
    """Counts of (true class, predicted class); rows are true classes, in ``labels`` order."""

    labels: list[Any]
    matrix: np.ndarray

    def plot(self, ax: Axes | None = None) -> Axes:
        ax = _axes(ax)
        m = self.matrix
        share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                ax.text(j, i, f"{m[i, j]}\n{share[i, j]:.0%}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.55 else "black")
        ticks = range(len(self.labels))
        names = [str(v) for v in self.labels]
        ax.set_xticks(ticks, names, rotation=30 if max(map(len, names)) > 6 else 0, ha="right")
        ax.set_yticks(ticks, names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title("Confusion matrix (share of each true class)")
        return ax


@dataclass
class RocCurve:
    """ROC curves: ``curves`` maps a class to ``(fpr, tpr, auc)`` (that class against the rest)."""

    curves: dict[Any, tuple[np.ndarray, np.ndarray, float]]

    def plot(self, ax: Axes | None = None) -> Axes:
        ax = _axes(ax)
        for label, (fpr, tpr, auc) in self.curves.items():
            ax.plot(fpr, tpr, lw=1.6, label=f"{label} (AUC {auc:.3f})")
        ax.plot([0, 1], [0, 1], ls="--", lw=1, color="gray", label="chance")
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.set_title("ROC curve")
        ax.legend(loc="lower right", fontsize=8)
        return ax


@dataclass
class PrecisionRecall:
    """Precision-recall curves: class -> ``(precision, recall, average_precision, prevalence)``."""

    curves: dict[Any, tuple[np.ndarray, np.ndarray, float, float]]

    def plot(self, ax: Axes | None = None) -> Axes:
        ax = _axes(ax)
        for label, (precision, recall, ap, prevalence) in self.curves.items():
            line, = ax.plot(recall, precision, lw=1.6, drawstyle="steps-post",
                            label=f"{label} (AP {ap:.3f})")
            ax.axhline(prevalence, ls=":", lw=1, color=line.get_color())
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_ylim(0, 1.02)
        ax.set_title("Precision-recall (dotted: chance)")
        ax.legend(loc="lower left", fontsize=8)
        return ax


@dataclass
class Residuals:
    """Residuals (actual - predicted) against the predictions."""

    predicted: np.ndarray
    residuals: np.ndarray

    def plot(self, ax: Axes | None = None) -> Axes:
        ax = _axes(ax)
        idx = _sample(len(self.predicted))
        ax.scatter(self.predicted[idx], self.residuals[idx], s=9, alpha=0.6)
        ax.axhline(0, color="gray", lw=1)
        ax.set_xlabel("predicted")
        ax.set_ylabel("actual - predicted")
        ax.set_title("Residuals")
        return ax


@dataclass
class PredictedVsActual:
    """Predictions against the actual values; the diagonal is a perfect model."""

    actual: np.ndarray
    predicted: np.ndarray

    def plot(self, ax: Axes | None = None) -> Axes:
        ax = _axes(ax)
        idx = _sample(len(self.actual))
        ax.scatter(self.actual[idx], self.predicted[idx], s=9, alpha=0.6)
        lo = float(min(self.actual.min(), self.predicted.min()))
        hi = float(max(self.actual.max(), self.predicted.max()))
        ax.plot([lo, hi], [lo, hi], ls="--", color="gray", lw=1)
        ax.set_xlabel("actual")
        ax.set_ylabel("predicted")
        ax.set_title("Predicted vs actual")
        return ax


@dataclass
class Reliability:
    """A reliability diagram: in bins of predicted probability (of ``label``, or of the predicted
    class when there are more than two), the mean prediction against how often it was right."""

    label: Any
    predicted: np.ndarray
    observed: np.ndarray
    counts: np.ndarray
    brier: float  # mean squared error of those probabilities

    def plot(self, ax: Axes | None = None) -> Axes:
        ax = _axes(ax)
        ax.plot([0, 1], [0, 1], ls="--", lw=1, color="gray", label="perfectly calibrated")
        ax.plot(self.predicted, self.observed, marker="o", lw=1.6, ms=4,
                label=f"{self.label} (Brier {self.brier:.3f})")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("predicted probability (mean of the bin)")
        ax.set_ylabel("observed frequency")
        ax.set_title("Reliability diagram")
        ax.legend(loc="upper left", fontsize=8)
        return ax


def reliability(problem: Any, y: np.ndarray, proba: np.ndarray, n_bins: int = N_BINS) -> Reliability | None:
    """The reliability diagram of class probabilities (binary: the positive class; otherwise
    the predicted class's probability against being right); None with too few rows."""
    from sklearn.calibration import calibration_curve

    classes = np.asarray(problem.classes, dtype=object if y.dtype == object else None)
    if problem.task == "binary":
        label = problem.positive_class
        k = int(np.flatnonzero(classes == label)[0])
        truth, p = (y == label).astype(int), proba[:, k]
    else:
        label = "predicted class"
        top = np.argmax(proba, axis=1)
        truth, p = (classes[top] == y).astype(int), proba[np.arange(len(y)), top]
    if len(y) < 2 * n_bins or truth.min() == truth.max():
        return None
    observed, predicted = calibration_curve(truth, p, n_bins=n_bins, strategy="quantile")
    edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
    counts = np.histogram(p, bins=edges)[0]
    return Reliability(label, predicted, observed, counts[counts > 0][:len(predicted)],
                       float(np.mean((p - truth) ** 2)))


def _sample(n: int) -> np.ndarray:
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, MAX_POINTS, replace=False))


@dataclass
class Diagnostics:
    """Scores and plots of a model on ``n_rows`` held-out rows.

    Attributes
    ----------
    task : str
    metric : str
        The metric the search optimised (its score is ``scores[metric]``).
    scores : dict
        Metric name -> value on the rows (the search metric first).
    directions : dict
        Metric name -> "maximize" or "minimize".
    plots : dict
        Name -> plot result (``confusion_matrix``, ``roc``, ``precision_recall`` or
        ``residuals``, ``predicted_vs_actual``), each with ``.plot(ax=None)``.
    """

    task: str
    metric: str
    n_rows: int
    scores: dict[str, float]
    directions: dict[str, str]
    plots: dict[str, Any] = field(default_factory=dict)

    def plot(self) -> Figure:
        """Every plot side by side in one figure."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(self.plots), figsize=(4.4 * len(self.plots), 3.8),
                                 squeeze=False)
        for ax, result in zip(axes[0], self.plots.values(), strict=False):
            result.plot(ax=ax)
        fig.tight_layout()
        return fig


def diagnose(automl: Any, X: Any, y: Any) -> Diagnostics:
    """Score a fitted AutoML on held-out rows and build its diagnostic plots.

    Parameters
    ----------
    automl : AutoML
        Fitted.
    X : DataFrame
        Rows the model has not been trained on, with the columns seen in fit.
    y : array-like
        Their targets.

    Returns
    -------
    Diagnostics

    Examples
    --------
    >>> from sklearn.model_selection import train_test_split
    >>> from jupyter_automl import AutoML
    >>> from jupyter_automl.datasets import load_demo
    >>> X, y, _ = load_demo("breast_cancer")
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    >>> automl = AutoML(time_budget=None, n_trials=2, families=["linear"], storage="memory",
    ...                 n_jobs=1).fit(X_tr, y_tr)
    >>> d = diagnose(automl, X_te, y_te)
    >>> list(d.plots), d.metric, d.scores["roc_auc"] > 0.9
    (['confusion_matrix', 'roc', 'precision_recall', 'reliability'], 'roc_auc', True)
    """
    if not hasattr(automl, "best_pipeline_"):
        raise NotFittedError(MSG_NOT_FITTED)
    y_true = target_array(y)
    if len(y_true) != len(X):
        raise InputError(MSG_LENGTH.format(n_x=len(X), n_y=len(y_true)))
    if len(y_true) == 0:
        raise InputError(MSG_EMPTY)
    problem = automl.problem_
    search_metric = problem.metric
    names = SECONDARY[problem.task]
    # a model deciding at a tuned threshold is judged on the labels it gives
    threshold = getattr(getattr(automl, "search_", None), "threshold", None)
    if problem.is_classification:
        pred = automl.predict_proba(X)
    else:
        pred = np.asarray(automl.predict(X), dtype=float)
        y_true = y_true.astype(float)
    scores, directions = {}, {}
    for name in (search_metric.name, *[n for n in names if n != search_metric.name]):
        metric = search_metric if name == search_metric.name else resolve_metric(
            name, problem.task, problem.classes, problem.positive_class)[0]
        try:
            at_threshold = threshold is not None and (name in LABEL_METRICS or name == search_metric.name)
            scores[name] = float(score_at(y_true, pred, metric, threshold) if at_threshold
                                 else metric.score(y_true, pred))
        except ValueError:  # e.g. ROC AUC when the rows hold a single class
            scores[name] = float("nan")
        directions[name] = metric.direction
    plots = (_classification_plots(problem, y_true, pred, automl.predict(X))
             if problem.is_classification else _regression_plots(y_true, pred))
    return Diagnostics(task=problem.task, metric=search_metric.name, n_rows=len(y_true),
                       scores=scores, directions=directions, plots=plots)


def _confusion(y: np.ndarray, labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Counts of (true class, predicted class), in the order of ``classes``. By hand: scikit-learn's
    refuses labels it cannot type, such as integers in an object array (the digits demo)."""
    true = pd.Categorical(list(y), categories=list(classes)).codes
    predicted = pd.Categorical(list(labels), categories=list(classes)).codes
    known = (true >= 0) & (predicted >= 0)
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(matrix, (true[known], predicted[known]), 1)
    return matrix


def _classification_plots(problem: Any, y: np.ndarray, proba: np.ndarray,
                          labels: np.ndarray) -> dict[str, Any]:
    classes = np.asarray(problem.classes, dtype=object if y.dtype == object else None)
    matrix = _confusion(y, labels, classes)
    plots: dict[str, Any] = {"confusion_matrix": ConfusionMatrix(list(classes), matrix)}
    if problem.task == "binary":
        targets = [problem.positive_class]
    else:
        targets = list(classes[:MAX_CURVES])
    roc, pr = {}, {}
    for label in targets:
        k = int(np.flatnonzero(classes == label)[0])
        truth = y == label
        if truth.all() or not truth.any():
            continue  # a curve needs both outcomes among the rows
        fpr, tpr, _ = skm.roc_curve(truth, proba[:, k])
        roc[label] = (fpr, tpr, float(skm.auc(fpr, tpr)))
        precision, recall, _ = skm.precision_recall_curve(truth, proba[:, k])
        pr[label] = (precision, recall, float(skm.average_precision_score(truth, proba[:, k])),
                     float(truth.mean()))
    if roc:
        plots["roc"] = RocCurve(roc)
        plots["precision_recall"] = PrecisionRecall(pr)
    calibration = reliability(problem, y, proba)
    if calibration is not None:
        plots["reliability"] = calibration
    return plots


def _regression_plots(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    return {"residuals": Residuals(pred, y - pred), "predicted_vs_actual": PredictedVsActual(y, pred)}
