"""A fitted histogram-boosting regressor as plain arrays, and its prediction in numpy.

The shipped meta-model is stored this way so that a search starts without fitting it (the fit
takes about a second, a fifth of a 5 s budget) and without pickle: ``export`` reads the trees
of a fitted ``HistGradientBoostingRegressor`` (numeric features only) into flat arrays, and
``TreeEnsemble`` walks them. scikit-learn keeps the trees in private attributes
(``_predictors``, ``_baseline_prediction``); only ``export`` touches them, offline or at a refit,
and a unit test checks that ``TreeEnsemble`` predicts exactly what the fitted model predicts,
so a change upstream fails a test instead of shipping wrong numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FIELDS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")


def export(model: Any) -> dict[str, np.ndarray]:
    """The trees of a fitted ``HistGradientBoostingRegressor`` as flat arrays (node ids global)."""
    parts: dict[str, list[np.ndarray]] = {f: [] for f in FIELDS}
    roots, offset = [], 0
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        if np.any(nodes["is_categorical"]):
            raise ValueError("categorical splits are not supported by TreeEnsemble")
        roots.append(offset)
        parts["feature"].append(nodes["feature_idx"].astype(np.int32))
        parts["threshold"].append(nodes["num_threshold"].astype(np.float64))
        parts["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
        parts["left"].append(nodes["left"].astype(np.int32) + offset)
        parts["right"].append(nodes["right"].astype(np.int32) + offset)
        parts["is_leaf"].append(nodes["is_leaf"].astype(bool))
        parts["value"].append(nodes["value"].astype(np.float64))
        offset += len(nodes)
    out = {f: np.concatenate(v) for f, v in parts.items()}
    out["roots"] = np.array(roots, dtype=np.int32)
    out["baseline"] = np.array([float(np.ravel(model._baseline_prediction)[0])])
    out["n_features"] = np.array([model.n_features_in_], dtype=np.int32)
    return out


class TreeEnsemble:
    """Predicts like the exported regressor: baseline plus the leaf value of every tree.

    Examples
    --------
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> X = np.arange(40.0).reshape(20, 2); y = X[:, 0] > 15
    >>> model = HistGradientBoostingRegressor(max_iter=5, min_samples_leaf=2).fit(X, y)
    >>> bool(np.allclose(TreeEnsemble(export(model)).predict(X), model.predict(X)))
    True
    """

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = {k: np.asarray(v) for k, v in arrays.items()}

    def predict(self, X: np.ndarray) -> np.ndarray:
        a = self.arrays
        X = np.asarray(X, dtype=float)
        rows = np.arange(len(X))
        out = np.full(len(X), float(a["baseline"][0]))
        for root in a["roots"]:
            node = np.full(len(X), root)
            while True:
                leaf = a["is_leaf"][node]
                if leaf.all():
                    break
                x = X[rows, a["feature"][node]]
                go_left = np.where(np.isnan(x), a["missing_left"][node], x <= a["threshold"][node])
                node = np.where(leaf, node, np.where(go_left, a["left"][node], a["right"][node]))
            out += a["value"][node]
        return out
