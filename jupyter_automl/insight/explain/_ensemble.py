"""Members of a weighted ensemble explained exactly in the space their weights average.

An ensemble's output is ``sum_k w_k f_k(x)`` in probability space (classification) or prediction
space (regression), so values of each member in that space, weighted, add up to the ensemble's
output. Per member:

- regression: exact TreeSHAP or linear SHAP (``exact_member``), already in prediction space;
- forests (classification): path-dependent TreeSHAP, already in probability space;
- histogram gradient boosting and logistic regression (classification): interventional values
  in probability space against a background sample (``_interventional``);
- the kernel family's RBF expansion (classification): permutation SHAP computed through the
  expansion (``_kernel``), fast enough to take every row;
- anything else (k-NN, SVM, networks): no fast route; the caller explains those members
  together by the generic permutation path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._columns import column_map, is_our_pipeline
from ._explainers import Attribution, exact_member, member_kind

# interventional TreeSHAP walks all background rows at once (``_interventional``): per row, a cost
# per unit of tree work (sum of squared leaf depths) plus a little per background row, measured
INTERVENTIONAL_SECONDS_PER_UNIT = 1.2e-9
INTERVENTIONAL_SECONDS_PER_UNIT_AND_ROW = 3e-12
TREE_SECONDS_PER_UNIT = 3e-9  # path-dependent TreeSHAP per (row x sum of squared leaf depths)
KERNEL_SECONDS_PER_UNIT = 2e-9  # per (permutation step x component), measured
KERNEL_PERMUTATIONS = 1  # antithetic pairs per row and background row
KERNEL_BACKGROUND = 20  # background rows of the kernel permutation (each one a pass of every step)
BOOSTING = ("HistGradientBoostingClassifier",)


class Members:
    """Some members of an ensemble with their original weights: the permutation explainer's model."""

    def __init__(self, pairs: list[tuple[float, Any]]):
        self.weights_ = [w for w, _ in pairs]
        self.estimators_ = [m for _, m in pairs]


def route(pipeline: Any, is_clf: bool, n_classes: int) -> str | None:
    """"exact", "interventional", "kernel" or None (no fast route in the ensemble's space)."""
    from ._kernel import is_rbf_expansion

    kind = member_kind(pipeline)
    if is_clf and kind == "other" and is_our_pipeline(pipeline) and is_rbf_expansion(pipeline.steps[-1][1]):
        kind = "kernel"
    if kind == "other":
        return None
    if not is_clf:
        return "exact"
    est = pipeline.steps[-1][1]
    if len(getattr(est, "classes_", [])) != n_classes:
        return None  # a member that saw fewer classes: the permutation path aligns them
    name = type(est).__name__
    if kind == "kernel":
        return "kernel"
    if kind == "tree":
        return "interventional" if name in BOOSTING else "exact"
    return "interventional" if name == "LogisticRegression" else None


def seconds_per_row(pipeline: Any, how: str, n_background: int) -> float:
    """Rough seconds per explained row of one member (tree work; linear members are ~free)."""
    from ._treeshap import tree_work

    if how == "kernel":
        est = pipeline.steps[-1][1]
        n_inputs = len(column_map(pipeline).groups)
        return (2 * KERNEL_PERMUTATIONS * min(n_background, KERNEL_BACKGROUND) * est.steps[0][1].components_.shape[0]
                * (n_inputs + 1) * KERNEL_SECONDS_PER_UNIT)
    if member_kind(pipeline) != "tree":
        return 0.0
    work = tree_work(pipeline.steps[-1][1])
    if how == "interventional":
        return work * (INTERVENTIONAL_SECONDS_PER_UNIT + n_background * INTERVENTIONAL_SECONDS_PER_UNIT_AND_ROW)
    return work * TREE_SECONDS_PER_UNIT


def member_values(pipeline: Any, how: str, X: pd.DataFrame, columns: list[str], n_classes: int,
                  is_clf: bool, background: pd.DataFrame, rng: np.random.Generator) -> Attribution:
    """Values of one member over ``columns``, in the ensemble's space."""
    if how == "exact":
        return exact_member(pipeline, X, columns, n_classes, is_clf, background)
    from ._interventional import linear_probability_values, probability_values
    from ._kernel import rbf_values

    cmap = column_map(pipeline)
    est = cmap.estimator
    Z, Zb = cmap.transform(X), cmap.transform(background)
    if how == "kernel":
        grouped, base = rbf_values(est, cmap.groups, cmap.n_groups, Z, Zb, KERNEL_PERMUTATIONS, rng)
    else:
        fn = probability_values if member_kind(pipeline) == "tree" else linear_probability_values
        grouped, base = fn(est, cmap.groups, cmap.n_groups, Z, Zb)
    position = {c: i for i, c in enumerate(columns)}
    values = np.zeros((len(X), len(columns), grouped.shape[2]))
    values[:, [position[c] for c in cmap.columns], :] = grouped
    return Attribution(values, base, "probability", "permutation" if how == "kernel" else "interventional")


def combine(parts: list[tuple[float, Attribution]], rest: Attribution | None) -> Attribution:
    """Weighted sum of the exact members' values, plus the permutation part (already weighted)."""
    values = sum(w * a.values for w, a in parts)
    base = sum(w * np.asarray(a.base, dtype=float) for w, a in parts)
    if rest is not None:
        values, base = values + rest.values, base + rest.base
    sampled = rest is not None or any(a.method == "permutation" for _, a in parts)
    method = "ensemble: exact values and permutation" if sampled else "ensemble of exact values"
    return Attribution(values, base, parts[0][1].space, method)

