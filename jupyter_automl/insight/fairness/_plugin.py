"""The fairness-aware search: a SearchPlugin that adds a disparity objective and a mitigation.

``AutoML(fairness={"sensitive_features": ["sex"], "constraint": "demographic_parity"})`` builds
this plugin. Every trial then has a second objective, the disparity of its out-of-fold decisions
between the groups (minimised), next to the metric. For binary tasks each trial also draws
``plugin.tolerance``: ``"none"`` (the model as it is) or how far apart the groups' rates may be
after group-specific thresholds (``ThresholdClassifier``, fit on held-out rows inside each
fold). Optuna keeps the Pareto front of (metric, disparity); ``choose`` picks the most accurate
trial whose disparity is at most ``max_disparity``.

A thresholded model needs the sensitive columns at predict time, so they must be columns the
model reads: this is checked when the search starts.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ...exceptions import InputError, SearchWarning
from ...search import SearchPlugin
from ._estimators import SensitiveGroups, ThresholdClassifier
from ._fairness import user_stacklevel

TOLERANCES = ("none", 0.0, 0.01, 0.02, 0.05, 0.1, 0.2)
STRICT_ONLY = ("none", 0.0)  # equalized odds cannot be relaxed in fairlearn
DEFAULT_TOLERANCE = 0.02
CONSTRAINTS = {
    "demographic_parity": "demographic_parity_difference",
    "equalized_odds": "equalized_odds_difference",
    "bounded_group_loss": "mae_difference",  # regression
}
KEYS = ("sensitive_features", "constraint", "max_disparity", "min_group_size", "postprocess")
DEFAULTS = {"constraint": "demographic_parity", "max_disparity": 0.05, "min_group_size": 30,
            "postprocess": True}
DECISION_METRICS = ("accuracy", "balanced_accuracy", "f1")

MSG_NOT_DICT = ("The 'fairness' parameter of AutoML must be None or a dict such as "
                "{{'sensitive_features': ['sex'], 'constraint': 'demographic_parity'}}. Got {got!r}.")
MSG_KEYS = "Unknown key(s) {unknown} in fairness=...; the keys are {keys}."
MSG_NO_COLUMNS = "fairness needs 'sensitive_features': the column name(s) whose groups to compare."
MSG_MISSING = "fairness names sensitive column(s) {missing} that X does not have. Columns: {columns}."
MSG_CONSTRAINT = ("fairness constraint {got!r} does not fit a {task} task; use one of {valid}.")
MSG_NOT_USED = ("The fairness-aware search puts group-specific thresholds on the model, so the model "
                "must read the sensitive column(s) {cols}, but they are left out of the features "
                "({why}). Set postprocess=False in fairness=... to only measure the disparity.")
MSG_SCORE_METRIC = ("With fairness post-processing the models output decisions, so the metric "
                    "{metric!r} compares decisions rather than scores. For a meaningful trade-off "
                    "pass metric='accuracy' (or 'balanced_accuracy', 'f1') to AutoML.")


class FairnessSearchWarning(SearchWarning):
    """The fairness-aware search was set up in a way that weakens its results."""


def fairness_plugin(fairness: Any, problem: Any, X_full: pd.DataFrame) -> FairnessPlugin:
    """The SearchPlugin of ``AutoML(fairness=...)`` for ``problem`` and the training frame.

    Parameters
    ----------
    fairness : dict
        ``sensitive_features`` (str or list of str, columns of X); ``constraint``
        ("demographic_parity" or "equalized_odds"; "bounded_group_loss" for regression, the
        spread of the groups' MAE); ``max_disparity`` (default 0.05: the default model is the
        best one at or under it); ``min_group_size`` (default 30: smaller groups do not count in
        the disparity); ``postprocess`` (default True: trials may add group thresholds).
    problem : Problem
    X_full : DataFrame
        The training rows with every column (sensitive columns that are not features too).

    Examples
    --------
    >>> from jupyter_automl.datasets import load_demo
    >>> from jupyter_automl.problem import analyze
    >>> X, y, _ = load_demo("german_credit")
    >>> problem, X_clean, _ = analyze(X, y, metric="accuracy", check_leakage=False)
    >>> plugin = fairness_plugin({"sensitive_features": "personal_status"}, problem, X_clean)
    >>> plugin.objective_names
    ('demographic_parity_difference',)
    """
    settings = _settings(getattr(fairness, "value", fairness))
    columns = settings["sensitive_features"]
    missing = [c for c in columns if c not in X_full.columns]
    if missing:
        raise InputError(MSG_MISSING.format(missing=missing, columns=list(X_full.columns)[:30]))
    task = "regression" if not problem.is_classification else (
        "binary" if len(problem.classes) == 2 else "multiclass")
    valid = ["bounded_group_loss"] if task == "regression" else ["demographic_parity", "equalized_odds"]
    if settings["constraint"] not in valid:
        raise InputError(MSG_CONSTRAINT.format(got=settings["constraint"], task=task, valid=valid))
    postprocess = bool(settings["postprocess"]) and task == "binary"
    if postprocess:
        info = {c.name: c for c in problem.columns}
        unused = [c for c in columns if c not in info or not info[c].used]
        if unused:
            why = "; ".join(f"{c}: {info[c].note or info[c].kind}" if c in info else f"{c}: not a feature"
                            for c in unused)
            raise InputError(MSG_NOT_USED.format(cols=unused, why=why))
        if problem.metric.name not in DECISION_METRICS:
            warnings.warn(MSG_SCORE_METRIC.format(metric=problem.metric.name), FairnessSearchWarning,
                          stacklevel=user_stacklevel())
    encoder = SensitiveGroups(columns).fit(X_full)
    codes, labels = pd.factorize(encoder.labels(X_full))
    return FairnessPlugin(
        sensitive_features=columns, constraint=settings["constraint"], task=task,
        group_codes=codes.astype(np.int32), group_labels=list(labels),
        classes=None if problem.classes is None else list(problem.classes),
        positive_class=problem.positive_class, max_disparity=float(settings["max_disparity"]),
        min_group_size=int(settings["min_group_size"]), postprocess=postprocess,
        seed=int(problem.splits.seed) if hasattr(problem.splits, "seed") else 0)


def _settings(fairness: Any) -> dict[str, Any]:
    if not isinstance(fairness, dict):
        raise InputError(MSG_NOT_DICT.format(got=fairness))
    unknown = [k for k in fairness if k not in KEYS]
    if unknown:
        raise InputError(MSG_KEYS.format(unknown=unknown, keys=list(KEYS)))
    columns = fairness.get("sensitive_features")
    columns = [columns] if isinstance(columns, str) else list(columns or [])
    if not columns or not all(isinstance(c, str) for c in columns):
        raise InputError(MSG_NO_COLUMNS)
    return DEFAULTS | dict(fairness) | {"sensitive_features": columns}


class FairnessPlugin(SearchPlugin):
    """Disparity as a second objective, and group thresholds as a searched mitigation.

    Picklable plain data: the group of every training row (integer codes) and the settings.
    """

    def __init__(self, *, sensitive_features: list[str], constraint: str, task: str,
                 group_codes: np.ndarray, group_labels: list[str], classes: list | None,
                 positive_class: Any, max_disparity: float, min_group_size: int,
                 postprocess: bool, seed: int = 0):
        self.sensitive_features = sensitive_features
        self.constraint = constraint
        self.task = task
        self.group_codes = group_codes
        self.group_labels = group_labels
        self.classes = classes
        self.positive_class = positive_class
        self.max_disparity = max_disparity
        self.min_group_size = min_group_size
        self.postprocess = postprocess
        self.seed = seed
        self.objective_names = (CONSTRAINTS[constraint],)
        self.objective_directions = ("minimize",)

    @property
    def tolerances(self) -> tuple:
        return STRICT_ONLY if self.constraint == "equalized_odds" else TOLERANCES

    def suggest(self, trial: Any, params: dict[str, Any]) -> None:
        if self.postprocess:
            trial.suggest_categorical("plugin.tolerance", self.tolerances)

    def default_params(self) -> dict[str, Any]:
        if not self.postprocess:
            return {}
        strict = self.constraint == "equalized_odds"
        return {"plugin.tolerance": 0.0 if strict else DEFAULT_TOLERANCE}

    def wrap(self, model: Any, params: dict[str, Any], problem: Any) -> Any:
        tolerance = params.get("plugin.tolerance", "none")
        if not self.postprocess or tolerance == "none":
            return model
        return ThresholdClassifier(model, sensitive_features=list(self.sensitive_features),
                                   constraint=self.constraint, tolerance=float(tolerance) or None,
                                   positive_class=self.positive_class, random_state=self.seed)

    def evaluate(self, y: np.ndarray, oof_pred: np.ndarray, rows: np.ndarray) -> list[float]:
        groups = self.group_codes[rows]
        return [disparity(self.constraint, y, oof_pred, groups, self.classes, self.positive_class,
                          self.min_group_size)]

    def choose(self, records: list[Any]) -> Any:
        """The best metric among front trials at or under ``max_disparity``; else the fairest."""
        name = self.objective_names[0]
        fair = [r for r in records if r.objectives.get(name, np.inf) <= self.max_disparity]
        if fair:
            return fair[0]  # records come best metric first
        return min(records, key=lambda r: (r.objectives.get(name, np.inf), r.number))

    def describe(self) -> dict[str, Any]:
        return {"plugin": "fairness", "objectives": list(self.objective_names),
                "sensitive_features": list(self.sensitive_features), "constraint": self.constraint,
                "max_disparity": self.max_disparity, "postprocess": self.postprocess,
                "groups": list(self.group_labels)}


def disparity(constraint: str, y: np.ndarray, pred: np.ndarray, groups: np.ndarray,
              classes: list | None, positive_class: Any, min_group_size: int) -> float:
    """Disparity of out-of-fold predictions between groups (coded as integers).

    Decisions are the more likely class. Demographic parity: the spread of the groups' selection
    rates (multiclass: the largest over classes); equalized odds: the larger spread of true and
    false positive rates; bounded group loss (regression): the spread of the groups' MAE. Groups
    with fewer than ``min_group_size`` rows are left out; NaN if fewer than two groups remain.
    """
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    counts = np.bincount(groups, minlength=n_groups)
    keep = counts >= min_group_size
    if keep.sum() < 2:
        return float("nan")
    if classes is None:
        err = np.abs(np.asarray(y, float) - np.asarray(pred, float).ravel())
        return _spread(np.bincount(groups, err, n_groups)[keep] / counts[keep])
    classes_arr = np.asarray(classes, dtype=object)
    labels = classes_arr[np.argmax(np.asarray(pred), axis=1)]
    targets = [positive_class] if len(classes) == 2 else list(classes)
    worst = 0.0
    for c in targets:
        decision = (labels == c).astype(float)
        if constraint == "demographic_parity":
            worst = max(worst, _spread(np.bincount(groups, decision, n_groups)[keep] / counts[keep]))
            continue
        truth = np.asarray(y) == c
        for mask in (truth, ~truth):  # TPR, then FPR
            n = np.bincount(groups, mask.astype(float), n_groups)
            ok = keep & (n > 0)
            rates = np.bincount(groups, decision * mask, n_groups)[ok] / n[ok]
            worst = max(worst, _spread(rates))
    return float(worst)


def _spread(rates: np.ndarray) -> float:
    rates = rates[np.isfinite(rates)]
    return float(rates.max() - rates.min()) if len(rates) >= 2 else 0.0
