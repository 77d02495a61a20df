"""``mitigate``: make a fitted model fairer, and show the cost and the gain (before/after).

- ``method="threshold"``: post-processing with group-specific thresholds (fairlearn's
  ThresholdOptimizer). Cheap, works on any classifier, but the model then NEEDS THE SENSITIVE
  COLUMNS AT PREDICT TIME.
- ``method="reductions"``: the model is refit under the constraint (fairlearn's
  ExponentiatedGradient), up to ``max_iter`` times with reweighted rows. Costly; the model
  must take sample weights; predictions do not need the sensitive columns.
"""

from __future__ import annotations

import html
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import FixedThresholdClassifier

from ...exceptions import InputError
from .. import _displays
from .._threads import few_threads
from ._estimators import ReductionClassifier, ThresholdClassifier, check_constraint
from ._fairness import fairness, user_stacklevel

METHODS = ("threshold", "reductions")
CONSTRAINT_METRICS = {
    "demographic_parity": ("demographic_parity_difference", ["selection_rate"]),
    "equalized_odds": ("equalized_odds_difference", ["true_positive_rate", "false_positive_rate"]),
    "true_positive_rate_parity": ("equalized_odds_difference", ["true_positive_rate"]),
    "false_positive_rate_parity": ("equalized_odds_difference", ["false_positive_rate"]),
}
COMPARED = ("accuracy", "balanced_accuracy", "selection_rate", "true_positive_rate",
            "false_positive_rate")
DISPARITIES = ("demographic_parity_difference", "equalized_odds_difference")

MSG_METHOD = "method must be one of {valid}. Got {got!r} instead."
MSG_NAMES = ("Mitigation needs sensitive_features as column names of X (the mitigated model reads "
             "them from X). Got {got} instead.")
NOTE_SAME_ROWS = ("Before and after are measured on the rows the mitigation was fit on; pass "
                  "X_test and y_test (rows kept aside) for an honest comparison.")
NOTE_TUNED_THRESHOLD = ("The model's decision threshold (tuned for its metric) is replaced by the "
                        "mitigation's own thresholds.")
NOTE_GROUP_THRESHOLDS = ("The model's own group thresholds (from the fairness-aware search) are "
                         "replaced by the mitigation's.")
NOTE_THRESHOLD = ("The mitigated model needs the column(s) {cols} in X at predict time: its "
                  "thresholds depend on the group.")
NOTE_SAME_DECISIONS = ("The mitigated model makes the same decisions as the model on these {n} rows, "
                       "so nothing changes.")
NOTE_ALREADY_MET = (" The fairness-aware search had already set group thresholds for a small "
                    "disparity; a different constraint or the reductions method may still move it.")
NOTE_ENSEMBLE = ("The reductions method refits one model many times; the ensemble's main member "
                 "(trial weight {w:.2f}) was used.")


def mitigate(model: Any, X: pd.DataFrame, y: Any, *, sensitive_features: str | list[str],
             method: str = "threshold", constraint: str = "demographic_parity",
             X_test: pd.DataFrame | None = None, y_test: Any = None, refit: bool = True,
             tolerance: float | None = None, max_iter: int = 10, eps: float = 0.02,
             problem: Any = None, random_state: int = 0) -> MitigationResult:
    """Mitigate the unfairness of a binary classifier; compare before and after.

    Parameters
    ----------
    model : AutoML or fitted classifier
    X, y : DataFrame and labels
        Rows to fit the mitigation on: the training rows when ``refit`` (the model's
        configuration is refit), or rows the model has not seen when ``refit=False``
        (threshold method only: the fitted model is kept and only thresholds are learnt).
    sensitive_features : str or list of str
        Column names of ``X``.
    method : {"threshold", "reductions"}, default="threshold"
    constraint : str, default="demographic_parity"
        "demographic_parity", "equalized_odds", "true_positive_rate_parity" or
        "false_positive_rate_parity".
    X_test, y_test : optional
        Rows kept aside, to measure before and after.
    refit : bool, default=True
    tolerance : float, optional
        Threshold method: allowed difference of the constrained rates (not for equalized odds).
    max_iter, eps : int and float
        Reductions method: refits at most, and the allowed constraint violation.
    problem : Problem, optional
        Taken from an AutoML; gives the positive class.
    random_state : int, default=0

    Returns
    -------
    MitigationResult
        ``model`` (a ThresholdClassifier or ReductionClassifier), ``before``, ``after``
        (FairnessResult), ``comparison`` (DataFrame) and plots.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.pipeline import make_pipeline
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=600), "group": rng.choice(["a", "b"], 600)})
    >>> y = (X["x"] + (X["group"] == "a") + rng.normal(size=600) > 0.5).astype(int)
    >>> model = make_pipeline(make_column_transformer(("passthrough", ["x"])), LogisticRegression())
    >>> result = mitigate(model.fit(X, y), X, y, sensitive_features="group")
    >>> bool(result.comparison.loc["demographic_parity_difference", "after"] < 0.1)
    True
    """
    t0 = time.perf_counter()
    if method not in METHODS:
        raise InputError(MSG_METHOD.format(valid=list(METHODS), got=method))
    check_constraint(constraint)
    names = [sensitive_features] if isinstance(sensitive_features, str) else sensitive_features
    if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
        raise InputError(MSG_NAMES.format(got=type(sensitive_features).__name__))
    names = list(names)
    if hasattr(model, "best_pipeline_"):
        problem = model.problem_ if problem is None else problem
        estimator = model.best_pipeline_
    else:
        estimator = model
    positive = getattr(problem, "positive_class", None)
    notes: list[str] = []
    original = estimator  # "before" is the model as it is, its own thresholds included
    if isinstance(estimator, FixedThresholdClassifier):  # the mitigation sets its own thresholds
        estimator = getattr(estimator, "estimator_", estimator.estimator)  # ours wrap a fitted one
        notes.append(NOTE_TUNED_THRESHOLD)
    if isinstance(estimator, ThresholdClassifier):  # a fairness-aware search's thresholds: replaced,
        estimator = estimator.estimator_  # not stacked under a second set of thresholds
        notes.append(NOTE_GROUP_THRESHOLDS)
    if method == "threshold":
        base = _unfitted(estimator) if refit else estimator
        mitigated = ThresholdClassifier(base, sensitive_features=names, constraint=constraint,
                                        tolerance=tolerance, prefit=not refit,
                                        positive_class=positive, random_state=random_state)
        notes.append(NOTE_THRESHOLD.format(cols=names))
    else:
        base, note = _single_model(estimator)
        if note:
            notes.append(note)
        mitigated = ReductionClassifier(base, sensitive_features=names, constraint=constraint,
                                        eps=eps, max_iter=max_iter, positive_class=positive,
                                        random_state=random_state)
    with few_threads(len(X)):
        mitigated.fit(X, y)
    if X_test is None:
        X_test, y_test = X, y
        notes.append(NOTE_SAME_ROWS)
    with warnings.catch_warnings(record=True) as caught:  # the small-group warning, once
        warnings.simplefilter("always")
        before = fairness(original, X_test, y_test, sensitive_features=names, problem=problem)
        after = fairness(mitigated, X_test, y_test, sensitive_features=names, problem=problem)
    if _same_decisions(original, mitigated, X_test):  # say so, or "0 change" everywhere puzzles
        notes.append(NOTE_SAME_DECISIONS.format(n=len(X_test))
                     + (NOTE_ALREADY_MET if NOTE_GROUP_THRESHOLDS in notes else ""))
    for w in caught[:1]:
        notes.append(str(w.message))  # also in the result, for views that do not show warnings
        warnings.warn(w.message, w.category, stacklevel=user_stacklevel())
    return MitigationResult(model=mitigated, method=method, constraint=constraint, before=before,
                            after=after, notes=notes, seconds=time.perf_counter() - t0)


def _same_decisions(before: Any, after: Any, X: pd.DataFrame) -> bool:
    try:
        return bool(np.array_equal(np.asarray(before.predict(X)), np.asarray(after.predict(X))))
    except Exception:  # noqa: BLE001 - only a note depends on it
        return False


def _unfitted(estimator: Any) -> Any:
    """A clone to refit; an ensemble of already-fitted members refits its members too."""
    est = clone(estimator)
    if getattr(est, "prefit", False):
        est.set_params(prefit=False)
    return est


def _single_model(estimator: Any) -> tuple[Any, str]:
    if hasattr(estimator, "estimators_") and hasattr(estimator, "weights_"):
        i = int(np.argmax(estimator.weights_))
        return clone(estimator.estimators_[i]), NOTE_ENSEMBLE.format(w=estimator.weights_[i])
    return clone(estimator), ""


class MitigationResult:
    """A mitigated model and how it compares with the original (a Display-like result).

    Attributes
    ----------
    model : ThresholdClassifier or ReductionClassifier
        A scikit-learn classifier. ``model.requires_sensitive_features`` says whether it needs
        the sensitive columns in ``X`` at predict time (threshold method: yes).
    method, constraint : str
    before, after : FairnessResult
    comparison : DataFrame
        Overall metrics and disparities, before, after and the change.
    notes : list of str
    ax_, figure_ : the last plot's Axes and Figure.
    """

    def __init__(self, *, model: Any, method: str, constraint: str, before: Any, after: Any,
                 notes: list[str], seconds: float):
        self.model = model
        self.method = method
        self.constraint = constraint
        self.before = before
        self.after = after
        self.notes = notes
        self.seconds = seconds

    @property
    def comparison(self) -> pd.DataFrame:
        rows = {}
        for name in COMPARED:
            if name in self.before.overall.index:
                rows[name] = (self.before.overall[name], self.after.overall[name])
        for name in DISPARITIES:
            rows[name] = (self.before.disparities.get(name, np.nan),
                          self.after.disparities.get(name, np.nan))
        frame = pd.DataFrame(rows, index=["before", "after"]).T.astype(float)
        frame["change"] = frame["after"] - frame["before"]
        return frame

    def plot(self, *, ax: Any = None) -> MitigationResult:
        """The constrained rate per group, before and after."""
        metrics = CONSTRAINT_METRICS[self.constraint][1]
        self.ax_ = _displays.before_after_groups(self.before, self.after, metrics, ax)
        self.figure_ = self.ax_.figure
        return self

    def plot_comparison(self, *, ax: Any = None) -> MitigationResult:
        """Accuracy and disparities, before and after."""
        self.ax_ = _displays.before_after_overall(self.comparison, ax)
        self.figure_ = self.ax_.figure
        return self

    def __repr__(self) -> str:
        c = self.comparison
        key = CONSTRAINT_METRICS[self.constraint][0]
        return (f"MitigationResult({self.method}, {self.constraint}: accuracy "
                f"{c.loc['accuracy', 'before']:.3f} -> {c.loc['accuracy', 'after']:.3f}, {key} "
                f"{c.loc[key, 'before']:.3f} -> {c.loc[key, 'after']:.3f})")

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (f"<div><b>Mitigation</b> ({html.escape(self.method)}, "
                f"{html.escape(self.constraint)})"
                f"{self.comparison.to_html(float_format=lambda v: f'{v:.3f}')}"
                f"{'<ul>' + notes + '</ul>' if notes else ''}</div>")
