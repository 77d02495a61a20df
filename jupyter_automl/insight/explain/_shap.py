"""``explain``: SHAP values of a fitted model, in the original column space, within a time bound.

The path is the fastest faithful one for the model:

- **tree** (histogram gradient boosting, random forest, extra trees): exact path-dependent
  TreeSHAP on the transformed matrix, each original column one player (``_treeshap``);
- **linear** (logistic regression, ridge, elastic net): SHAP's ``LinearExplainer`` on the
  transformed matrix, summed back per original column;
- **ensemble**: each member in the space the weights average (probabilities for classification:
  interventional TreeSHAP for boosting, interventional linear SHAP for logistic regression,
  the kernel family's own fast permutation path; ``_ensemble``), combined by weight; members
  with no such route are explained together by permutation;
- **permutation** otherwise (k-NN, SVM, neural networks, mixed ensembles): SHAP's
  ``PermutationExplainer`` masking whole original columns against a background sample.

Time is bounded by ``max_time``: the cost is estimated first, then the background and the rows
are sampled to fit, with a note saying so.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import FixedThresholdClassifier

from ..._logging import get_logger
from ...exceptions import InputError
from ._ensemble import (
    KERNEL_BACKGROUND,
    KERNEL_PERMUTATIONS,
    Members,
    combine,
    member_values,
    route,
    seconds_per_row,
)
from ._explainers import Attribution, exact_member, member_kind, output_space, permutation
from ._explanation import Explanation

_log = get_logger(__name__)

DEFAULT_MAX_TIME = 20.0  # seconds
MAX_BACKGROUND = 100  # rows the permutation explainer integrates over
MIN_BACKGROUND = 20
LINEAR_BACKGROUND = 1000  # rows whose mean the linear explainer centres on
MAX_PERMUTATIONS = 10
TREE_BACKGROUND = 100  # rows interventional TreeSHAP integrates over
EXACT_SHARE = 0.5  # of the time, for the exact members of an ensemble that also needs permutation
TREE_SECONDS_PER_UNIT = 3e-9  # TreeSHAP seconds per (row x sum of squared leaf depths), measured
METHODS = ("auto", "tree", "linear", "permutation")

MSG_METHOD = "The 'method' parameter must be one of {methods}. Got {got!r} instead."
MSG_NOT_FRAME = "X must be a pandas DataFrame with the model's columns. Got {got} instead."
MSG_MISSING = "X is missing {n} column(s) the model uses: {names}. Pass the columns used in fit."
MSG_EMPTY = "X has no rows to explain."
MSG_NO_EXACT = ("method={method!r} does not apply to this model ({model}); use method='auto' or "
                "'permutation'.")
MSG_TARGET = "target_class={got!r} is not a class of the model. Classes are: {classes}."
NOTE_ROWS = ("Explained {k:,} of {n:,} rows, sampled at random (seed {seed}), to stay within "
             "max_time={max_time:g} s; pass a larger max_time to explain more.")
NOTE_BACKGROUND = ("Masked columns take values from {k} background rows{sampled}; values are "
                   "estimates relative to that background.")
NOTE_PERMUTATIONS = ("Model-agnostic permutation SHAP with {p} antithetic permutation(s) per row: "
                     "exact for additive effects, an estimate where columns interact.")
NOTE_THRESHOLD = ("The model decides at a tuned threshold ({threshold:.3g}); the values explain "
                  "its probabilities, which the threshold does not change.")
NOTE_WRAPPED = ("The model is {name} around a scikit-learn pipeline; the explanation is of that "
                "pipeline's scores, before the fairness post-processing.")
NOTE_MIXED = ("The model is a fairness-constrained mix of {n} fits (ReductionClassifier); the "
              "explanation is of its main fit (weight {w:.2f}).")
NOTE_ENSEMBLE = ("Members {names} (weight {w:.2f} in all): exact values of their probabilities "
                 "(interventional SHAP against {k} background rows{sampled}), combined by weight.")
NOTE_FORESTS = ("Members {names} (weight {w:.2f} in all): exact path-dependent TreeSHAP values of "
                "their probabilities (no background rows), combined by weight.")
NOTE_KERNEL = ("Members {names} (weight {w:.2f} in all; RBF kernel expansions): permutation SHAP "
               "with {p} antithetic permutation(s) per row and {k} background rows, computed through "
               "the expansion: exact for additive effects, an estimate where columns interact.")
NOTE_REST = "Members {names} (weight {w:.2f} in all) have no exact explainer; they were explained by:"
NOTE_SLOW_TREES = ("Exact TreeSHAP would take about {t:.0f} s on these trees, so a "
                   "model-agnostic explainer was used instead.")


def explain(model: Any, X: pd.DataFrame, *, problem: Any = None, target_class: Any = None,
            background: pd.DataFrame | None = None, max_time: float = DEFAULT_MAX_TIME,
            method: str = "auto", random_state: int = 0) -> Explanation:
    """SHAP values of ``model`` on the rows of ``X``, one value per original column.

    Parameters
    ----------
    model : AutoML, Pipeline or WeightedEnsemble*
        A fitted AutoML, or a model it built (``automl.best_pipeline_``).
    X : DataFrame
        Rows to explain. Columns the model does not use get the value 0.
    problem : Problem, optional
        Taken from the AutoML when ``model`` is one; gives the task, classes and columns.
    target_class : label, optional
        Class whose output is explained. Default: the positive class (binary), the first class
        (multiclass). Values for every class are kept: ``result.for_class(c)``.
    background : DataFrame, optional
        Rows that masked columns are drawn from (linear and permutation paths). Default: a
        sample of ``X``.
    max_time : float, default=20
        Seconds the explanation may take (roughly). Rows and background are sampled to fit.
    method : {"auto", "tree", "linear", "permutation"}, default="auto"
    random_state : int, default=0
        Seeds the row and background samples and the permutations.

    Returns
    -------
    Explanation
        ``values`` (DataFrame, X's columns), ``base_value``, ``notes`` and plots.

    Examples
    --------
    >>> from jupyter_automl import AutoML
    >>> from jupyter_automl.datasets import load_demo
    >>> X, y, _ = load_demo("breast_cancer")
    >>> automl = AutoML(time_budget=None, n_trials=1, families=["linear"], storage="memory")
    >>> result = explain(automl.fit(X, y), X.head(50))
    >>> result.values.shape, result.method
    ((50, 30), 'linear')
    >>> bool(abs(result.values.sum(axis=1) + result.base_value - result.output_values).max() < 1e-6)
    True
    """
    t0 = time.perf_counter()
    if method not in METHODS:
        raise InputError(MSG_METHOD.format(methods=list(METHODS), got=method))
    if hasattr(model, "best_pipeline_"):
        problem = model.problem_ if problem is None else problem
        model = model.best_pipeline_
    if not isinstance(X, pd.DataFrame):
        raise InputError(MSG_NOT_FRAME.format(got=type(X).__name__))
    if len(X) == 0:
        raise InputError(MSG_EMPTY)
    notes: list[str] = []
    if isinstance(model, FixedThresholdClassifier):
        # a tuned decision threshold changes the labels, not the probabilities explained
        notes.append(NOTE_THRESHOLD.format(threshold=model.threshold))
        model = model.estimator
    inner = getattr(model, "explained_estimator_", None)
    if inner is not None:
        weights = getattr(model, "weights_", None)
        notes.append(NOTE_WRAPPED.format(name=type(model).__name__) if weights is None else
                     NOTE_MIXED.format(n=int((weights > 0).sum()), w=float(weights.max())))
        model = inner
    columns = _model_columns(model, problem)
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise InputError(MSG_MISSING.format(n=len(missing), names=missing[:20]))
    is_clf, classes = _task(model, problem)
    target = _target(target_class, classes, problem)
    rng = np.random.default_rng(random_state)
    budget = max(float(max_time), 0.1)

    members = (list(zip(model.weights_, model.estimators_, strict=True)) if hasattr(model, "estimators_")
               and hasattr(model, "weights_") else [(1.0, model)])
    kinds = [member_kind(m) for _, m in members]
    n_classes = 0 if classes is None else len(classes)
    spaces = {output_space(m, is_clf, n_classes) for _, m in members} if "other" not in kinds else set()
    exact_ok = "other" not in kinds and (len(members) == 1 or spaces in ({"prediction"}, {"probability"}))
    if method in ("tree", "linear") and not (exact_ok and set(kinds) == {method}):
        raise InputError(MSG_NO_EXACT.format(method=method, model=type(model).__name__))

    order = rng.permutation(len(X))
    routes = [route(m, is_clf, n_classes) for _, m in members]
    # an ensemble: each member with an exact route in the averaged space, permutation for the rest
    by_member = method == "auto" and len(members) > 1 and any(routes)
    use_exact = exact_ok and method != "permutation" and not by_member
    if use_exact:
        per_row = _tree_seconds_per_row(members, kinds)
        if method == "auto" and per_row * len(X) > budget and per_row > _permutation_guess(model, X, columns, classes):
            notes.append(NOTE_SLOW_TREES.format(t=per_row * len(X)))
            use_exact = False
    if use_exact:
        n_keep = len(X) if per_row == 0 else int(min(len(X), max(1, budget // per_row)))
        rows = np.sort(order[:n_keep])
        bg = _background(background, X, columns, LINEAR_BACKGROUND, rng)
        attribution = _exact(members, X.iloc[rows], columns, n_classes, is_clf, bg)
        if "linear" in kinds:
            notes.append(f"Linear SHAP centred on the mean of {len(bg)} background rows "
                         f"({'given' if background is not None else 'sampled from X'}).")
    elif by_member:
        rows, attribution = _ensemble_within(members, routes, X, columns, classes, is_clf, background,
                                             budget - (time.perf_counter() - t0), order, rng, notes)
    else:
        rows, attribution = _permutation_within(model, X, columns, classes, background,
                                                budget - (time.perf_counter() - t0), order, rng, notes)
    n_keep = len(rows)
    if n_keep < len(X):
        notes.insert(0, NOTE_ROWS.format(k=n_keep, n=len(X), seed=random_state, max_time=max_time))
    _log.debug("explained %d rows with %s in %.2f s", n_keep, attribution.method,
               time.perf_counter() - t0)
    return Explanation.build(
        attribution=attribution, X=X.iloc[rows], columns=columns, classes=classes,
        target_class=target, target_name=getattr(problem, "target", "prediction"),
        notes=notes, n_rows_requested=len(X), seconds=time.perf_counter() - t0)


def _model_columns(model: Any, problem: Any) -> list[str]:
    if problem is not None:
        return [c.name for c in problem.used_columns]
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        raise InputError("Pass problem= (or an AutoML) so the model's columns are known.")
    return [str(c) for c in names]


def _task(model: Any, problem: Any) -> tuple[bool, np.ndarray | None]:
    if problem is not None:
        return problem.is_classification, (np.asarray(problem.classes) if problem.is_classification else None)
    classes = getattr(model, "classes_", None)
    return classes is not None, None if classes is None else np.asarray(classes)


def _target(target_class: Any, classes: np.ndarray | None, problem: Any) -> Any:
    if classes is None:
        return None
    if target_class is None:
        positive = getattr(problem, "positive_class", None)
        if positive is not None:
            return positive
        return classes[1] if len(classes) == 2 else classes[0]
    matches = [c for c in classes if c == target_class or str(c) == str(target_class)]
    if not matches:
        raise InputError(MSG_TARGET.format(got=target_class, classes=list(classes)))
    return matches[0]


def _background(background: pd.DataFrame | None, X: pd.DataFrame, columns: list[str], k: int,
                rng: np.random.Generator) -> pd.DataFrame:
    source = X if background is None else background
    missing = [c for c in columns if c not in source.columns]
    if missing:
        raise InputError(MSG_MISSING.format(n=len(missing), names=missing[:20]).replace("X is", "background is"))
    if len(source) > k:
        source = source.iloc[np.sort(rng.choice(len(source), k, replace=False))]
    return source[columns]


def _tree_seconds_per_row(members: list, kinds: list[str]) -> float:
    """Estimated TreeSHAP seconds per row (0 when no member is a tree model)."""
    from ._treeshap import tree_work

    work = sum(tree_work(member.steps[-1][1]) for (_, member), kind in zip(members, kinds, strict=True)
               if kind == "tree")
    return work * TREE_SECONDS_PER_UNIT


def _permutation_guess(model: Any, X: pd.DataFrame, columns: list[str], classes: Any) -> float:
    """Rough permutation-explainer seconds per row, with the smallest background."""
    bg = X.iloc[:MIN_BACKGROUND]
    return _seconds_per_model_row(model, X.iloc[:8], bg, columns, classes) * 2 * (
        len(columns) + 1) * MIN_BACKGROUND


def _exact(members: list, X: pd.DataFrame, columns: list[str], n_classes: int, is_clf: bool,
           background: pd.DataFrame) -> Attribution:
    parts = [(w, exact_member(m, X, columns, n_classes, is_clf, background)) for w, m in members]
    if len(parts) == 1:
        return parts[0][1]
    values = sum(w * a.values for w, a in parts)
    base = sum(w * a.base for w, a in parts)
    return Attribution(values, base, parts[0][1].space, "ensemble of exact values")


def _permutation_within(model, X, columns, classes, background, budget, order, rng, notes):
    """Permutation SHAP on as many rows, background rows and permutations as fit ``budget``."""
    t0 = time.perf_counter()
    bg = _background(background, X, columns, MAX_BACKGROUND, rng)
    evals = 2 * (len(columns) + 1)  # model rows per explained row, permutation and background row
    probe = X.iloc[order[:min(len(X), 64)]]
    seconds_per_eval = _seconds_per_model_row(model, probe, bg, columns, classes)
    left = max(budget - (time.perf_counter() - t0), 0.05)
    cost = evals * seconds_per_eval  # per explained row, permutation and background row
    k = len(bg)
    if cost * k * len(X) > left and k > MIN_BACKGROUND:
        k = int(np.clip(left / (cost * len(X)), MIN_BACKGROUND, k))
        bg = bg.iloc[:k]
    n_keep = int(min(len(X), max(1, left // (cost * k))))
    n_perm = int(np.clip(left // (cost * k * n_keep), 1, MAX_PERMUTATIONS))
    # all rows are attempted in random order until the deadline: the estimate above only sets the
    # background and the permutations; the rows done in time are a random sample
    rows = order
    per_call = int(np.clip(0.05 * budget / max(seconds_per_eval, 1e-9), 2_000, 60_000))
    attribution, n_done = permutation(model, X.iloc[rows], bg, columns, classes, n_perm, rng,
                                      deadline=t0 + budget, max_rows_per_call=per_call)
    # rows were taken in random order, so the rows done before the deadline are a random sample
    order_done = np.argsort(rows[:n_done])
    attribution.values = attribution.values[order_done]
    notes.append(NOTE_PERMUTATIONS.format(p=n_perm))
    sampled = " (given)" if background is not None and len(bg) == len(background) else \
        (" sampled from the given background" if background is not None else " sampled from X")
    notes.append(NOTE_BACKGROUND.format(k=len(bg), sampled=sampled))
    return np.sort(rows[:n_done]), attribution


def _seconds_per_model_row(model, probe, bg, columns, classes) -> float:
    """Seconds per row of one model call of the permutation explainer (measured on a probe)."""
    from ._explainers import GatheredModel

    stacked = pd.concat([probe[columns], bg[columns]], ignore_index=True)
    f = GatheredModel(model, stacked, columns, classes)
    n = 2 * (len(columns) + 1) * len(bg)
    R = np.random.default_rng(0).integers(0, len(stacked), size=(min(n, 20_000), len(columns)))
    f(R[:50])  # first call: lazy set-up in some estimators
    t = time.perf_counter()
    f(R)
    return (time.perf_counter() - t) / len(R)


def _ensemble_within(members, routes, X, columns, classes, is_clf, background, budget, order, rng,
                     notes):
    """Exact values of the members that have an exact route, permutation for the rest, by weight.

    The permutation part runs first (it decides which rows fit in time); the exact members are
    then explained on the same rows, with a background small enough for their share of the time.
    """
    t0 = time.perf_counter()
    n_classes = 0 if classes is None else len(classes)
    exact = [(w, m, r) for (w, m), r in zip(members, routes, strict=True) if r]
    others = [(w, m) for (w, m), r in zip(members, routes, strict=True) if not r]
    share = budget * (EXACT_SHARE if others else 1.0)
    source = X if background is None else background
    n_bg = min(TREE_BACKGROUND, len(source))

    def per_row(k: int) -> float:
        return sum(seconds_per_row(m, r, k) for _, m, r in exact)

    while n_bg > MIN_BACKGROUND and per_row(n_bg) * len(X) > share:
        n_bg = max(MIN_BACKGROUND, n_bg // 2)
    wide = _background(background, X, columns, LINEAR_BACKGROUND, rng)
    narrow = wide.iloc[np.sort(rng.choice(len(wide), min(n_bg, len(wide)), replace=False))]
    if others:
        left = budget - (time.perf_counter() - t0) - per_row(len(narrow)) * len(X)
        notes.append(NOTE_REST.format(names=_names(others), w=sum(w for w, _ in others)))
        rows, rest = _permutation_within(Members(others), X, columns, classes, background,
                                         max(left, 0.05), order, rng, notes)
    else:
        cost = per_row(len(narrow))
        n_keep = len(X) if cost == 0 else int(min(len(X), max(1, budget // cost)))
        rows, rest = np.sort(order[:n_keep]), None
    small = narrow.iloc[np.sort(rng.choice(len(narrow), min(KERNEL_BACKGROUND, len(narrow)), replace=False))]
    backgrounds = {"kernel": small, "exact": narrow, "interventional": narrow}
    parts = [(w, member_values(m, r, X.iloc[rows], columns, n_classes, is_clf,
                               wide if member_kind(m) == "linear" else backgrounds[r], rng))
             for w, m, r in exact]
    kernels = [(w, m) for w, m, r in exact if r == "kernel"]
    if kernels:
        notes.append(NOTE_KERNEL.format(names=_names(kernels), w=sum(w for w, _ in kernels),
                                        p=KERNEL_PERMUTATIONS, k=len(small)))
    walked = [(w, m) for w, m, r in exact if r == "interventional"]
    if walked:
        sampled = " given" if background is not None and len(narrow) == len(background) else \
            (" sampled from the given background" if background is not None else " sampled from X")
        notes.insert(0, NOTE_ENSEMBLE.format(names=_names(walked), w=sum(w for w, _ in walked),
                                             sampled=sampled,
                                             k=len(narrow) if any(member_kind(m) == "tree" for _, m in walked)
                                             else len(wide)))
        forests = [(w, m) for w, m, r in exact if r == "exact"]  # classification: forests only
        if forests:
            notes.insert(1, NOTE_FORESTS.format(names=_names(forests), w=sum(w for w, _ in forests)))
    return rows, combine(parts, rest)


def _names(pairs) -> str:
    def name(m) -> str:
        last = m.steps[-1][1] if hasattr(m, "steps") else m
        if hasattr(last, "steps"):  # a model that is itself a pipeline (the kernel family)
            return "+".join(type(s).__name__ for _, s in last.steps)
        return type(last).__name__

    return ", ".join(name(m) for _, m in pairs)
