"""Members of a weighted ensemble explained exactly in the space their weights average.

An ensemble's output is ``sum_k w_k f_k(x)`` in probability space (classification) or prediction
space (regression), so values of each member in that space, weighted, add up to the ensemble's
output. Per member:

- regression: exact TreeSHAP or linear SHAP (``exact_member``), already in prediction space;
- forests (classification): path-dependent TreeSHAP, already in probability space;
- histogram gradient boosting and logistic regression (classification): interventional values
  in probability space against a background sample (``_interventional``);
- anything else (k-NN, SVM, kernels, networks): no exact route; the caller explains those
  members together by permutation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._columns import column_map
from ._explainers import Attribution, exact_member, member_kind

INTERVENTIONAL_SECONDS_PER_UNIT = 1.5e-10  # per (row x background row x sum of squared leaf depths)
TREE_SECONDS_PER_UNIT = 3e-9  # path-dependent TreeSHAP per (row x sum of squared leaf depths)
BOOSTING = ("HistGradientBoostingClassifier",)


class Members:
    """Some members of an ensemble with their original weights: the permutation explainer's model."""

    def __init__(self, pairs: list[tuple[float, Any]]):
        self.weights_ = [w for w, _ in pairs]
        self.estimators_ = [m for _, m in pairs]


def route(pipeline: Any, is_clf: bool, n_classes: int) -> str | None:
    """"exact", "interventional" or None (no exact route in the ensemble's space)."""
    kind = member_kind(pipeline)
    if kind == "other":
        return None
    if not is_clf:
        return "exact"
    est = pipeline.steps[-1][1]
    if len(getattr(est, "classes_", [])) != n_classes:
        return None  # a member that saw fewer classes: the permutation path aligns them
    name = type(est).__name__
    if kind == "tree":
        return "interventional" if name in BOOSTING else "exact"
    return "interventional" if name == "LogisticRegression" else None


def seconds_per_row(pipeline: Any, how: str, n_background: int) -> float:
    """Rough seconds per explained row of one member (tree work; linear members are ~free)."""
    from ._treeshap import tree_work

    if member_kind(pipeline) != "tree":
        return 0.0
    work = tree_work(pipeline.steps[-1][1])
    if how == "interventional":
        return work * n_background * INTERVENTIONAL_SECONDS_PER_UNIT
    return work * TREE_SECONDS_PER_UNIT


def member_values(pipeline: Any, how: str, X: pd.DataFrame, columns: list[str], n_classes: int,
                  is_clf: bool, background: pd.DataFrame) -> Attribution:
    """Values of one member over ``columns``, in the ensemble's space."""
    if how == "exact":
        return exact_member(pipeline, X, columns, n_classes, is_clf, background)
    from ._interventional import linear_probability_values, probability_values

    cmap = column_map(pipeline)
    est = cmap.estimator
    fn = probability_values if member_kind(pipeline) == "tree" else linear_probability_values
    grouped, base = fn(est, cmap.groups, cmap.n_groups, cmap.transform(X), cmap.transform(background))
    position = {c: i for i, c in enumerate(columns)}
    values = np.zeros((len(X), len(columns), grouped.shape[2]))
    values[:, [position[c] for c in cmap.columns], :] = grouped
    return Attribution(values, base, "probability", "interventional")


def combine(parts: list[tuple[float, Attribution]], rest: Attribution | None) -> Attribution:
    """Weighted sum of the exact members' values, plus the permutation part (already weighted)."""
    values = sum(w * a.values for w, a in parts)
    base = sum(w * np.asarray(a.base, dtype=float) for w, a in parts)
    if rest is not None:
        values, base = values + rest.values, base + rest.base
        method = "ensemble: exact values and permutation"
    else:
        method = "ensemble of exact values"
    return Attribution(values, base, parts[0][1].space, method)

