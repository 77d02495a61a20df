"""The SHAP paths: exact tree and linear values, and a sampled model-agnostic explainer.

Every path returns ``Attribution``: values of shape (n_rows, n_columns, n_outputs) over the
ORIGINAL columns the model reads, base values per output, and the output space.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ._columns import ColumnMap, column_map, is_our_pipeline
from ._permutation import MAX_ROWS_PER_CALL, permutation_values

LINEAR = ("LogisticRegression", "Ridge", "ElasticNet", "Lasso", "LinearRegression", "RidgeClassifier")


@dataclass
class Attribution:
    values: np.ndarray  # (n_rows, n_columns, n_outputs)
    base: np.ndarray  # (n_outputs,)
    space: str  # "log-odds", "logit", "probability" or "prediction"
    method: str


def member_kind(pipeline: Any) -> str:
    """"tree", "linear" or "other": which exact path, if any, fits this pipeline's model."""
    from ._treeshap import is_tree_model  # numba: imported when a model is explained

    if not is_our_pipeline(pipeline):
        return "other"
    est = pipeline.steps[-1][1]
    if is_tree_model(est):
        return "tree"
    if type(est).__name__ in LINEAR and hasattr(est, "coef_"):
        return "linear"
    return "other"


def output_space(pipeline: Any, is_classification: bool, n_classes: int) -> str:
    """The space the exact path's values add up in, for one member."""
    if not is_classification:
        return "prediction"
    est = pipeline.steps[-1][1]
    if type(est).__name__.startswith(("RandomForest", "ExtraTrees")):
        return "probability"
    return "log-odds" if n_classes == 2 else "logit"


def _align(cmap: ColumnMap, columns: list[str]) -> np.ndarray:
    position = {c: i for i, c in enumerate(columns)}
    return np.asarray([position[c] for c in cmap.columns], dtype=np.intp)


def _as_classes(values: np.ndarray, base: np.ndarray, n_classes: int, space: str):
    """Binary raw scores come as one output (log-odds of classes_[1]): make it one per class."""
    if n_classes == 2 and space == "log-odds" and values.shape[2] == 1:
        return np.concatenate([-values, values], axis=2), np.concatenate([-base, base])
    return values, base


def exact_member(pipeline: Any, X: pd.DataFrame, columns: list[str], n_classes: int,
                 is_classification: bool, background: pd.DataFrame) -> Attribution:
    """Exact values of one pipeline (tree or linear) on the rows of ``X``, over ``columns``."""
    cmap = column_map(pipeline)
    est = cmap.estimator
    Z = cmap.transform(X)
    space = output_space(pipeline, is_classification, n_classes)
    if member_kind(pipeline) == "tree":
        from ._treeshap import TreeModel

        model = TreeModel(est, cmap.groups, cmap.n_groups)
        grouped, base = model.shap_values(Z), model.base
        method = "tree"
    else:
        import shap

        Zb = cmap.transform(background)
        explainer = shap.LinearExplainer(est, shap.maskers.Independent(Zb, max_samples=len(Zb)))
        result = explainer(Z, silent=True)
        raw = np.asarray(result.values, dtype=float)
        raw = raw[:, :, None] if raw.ndim == 2 else raw
        grouped = cmap.fold(raw)
        base = np.atleast_1d(np.asarray(explainer.expected_value, dtype=float))
        method = "linear"
    values = np.zeros((len(X), len(columns), grouped.shape[2]))
    values[:, _align(cmap, columns), :] = grouped
    values, base = _as_classes(values, base, n_classes, space)
    return Attribution(values, base, space, method)


# -- model-agnostic: permutation SHAP over whole original columns ------------------------------


class GatheredModel:
    """The model as a function of row indices: ``R[i, c]`` says from which row column c comes.

    The data to explain and the background are stacked once; a masked row is then assembled by
    gathering. For our pipelines the gathering happens on the transformed matrix (the
    preprocessing is column by column, so this is exact and skips the per-call pandas cost);
    other models get a gathered DataFrame.
    """

    def __init__(self, model: Any, stacked: pd.DataFrame, columns: list[str],
                 classes: np.ndarray | None):
        self.columns = columns
        self.classes = classes
        self.parts = []  # (weight, predict function on gathered input, block builder)
        members = (list(zip(model.weights_, model.estimators_, strict=True)) if hasattr(model, "estimators_")
                   and hasattr(model, "weights_") else [(1.0, model)])
        for weight, member in members:
            if is_our_pipeline(member):
                cmap = column_map(member)
                T = cmap.transform(stacked)
                source = _align(cmap, columns)[cmap.groups]
                self.parts.append((float(weight), cmap.estimator, T, source))
            else:
                self.parts.append((float(weight), member, stacked, None))

    def __call__(self, R: np.ndarray) -> np.ndarray:
        idx = np.asarray(R, dtype=np.intp)
        total = None
        for weight, est, T, source in self.parts:
            if source is not None:
                inputs = T[idx[:, source], np.arange(T.shape[1])]
            else:
                inputs = pd.DataFrame({c: T[c].to_numpy()[idx[:, j]] for j, c in enumerate(self.columns)})
            out = weight * self._predict(est, inputs)
            total = out if total is None else total + out
        return total

    def _predict(self, est: Any, inputs: Any) -> np.ndarray:
        if self.classes is None:
            return np.asarray(est.predict(inputs), dtype=float)
        proba = np.asarray(est.predict_proba(inputs), dtype=float)
        own = np.asarray(est.classes_)
        if len(own) == len(self.classes) and np.all(own == self.classes):
            return proba
        out = np.zeros((len(proba), len(self.classes)))
        out[:, np.searchsorted(self.classes, own)] = proba
        return out


def permutation(model: Any, X: pd.DataFrame, background: pd.DataFrame, columns: list[str],
                classes: np.ndarray | None, n_permutations: int, rng: np.random.Generator,
                deadline: float | None = None,
                max_rows_per_call: int = MAX_ROWS_PER_CALL) -> tuple[Attribution, int]:
    """Permutation SHAP of ``model`` on ``X`` against ``background``, one player per column.

    Returns the attribution of the first ``n_done`` rows (all unless ``deadline`` passed) and
    ``n_done``.
    """
    stacked = pd.concat([X[columns], background[columns]], ignore_index=True)
    f = GatheredModel(model, stacked, columns, classes)
    # one thread per call: OpenMP predict on a few thousand rows only adds contention
    with threadpool_limits(1):
        values, base, n_done = permutation_values(
            lambda R: f(R).reshape(len(R), -1), len(X), len(background), len(columns),
            n_permutations, rng, deadline, max_rows_per_call)
    space = "probability" if classes is not None else "prediction"
    return Attribution(values, base, space, "permutation"), n_done
