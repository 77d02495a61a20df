"""The exported trees predict exactly what the fitted scikit-learn model predicts."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from jupyter_automl.search.warmstart._trees import TreeEnsemble, export


def test_same_predictions_with_missing_values():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    y = X[:, 0] * 2 + np.sin(X[:, 1]) + rng.normal(scale=0.1, size=400)
    X[rng.random(X.shape) < 0.1] = np.nan  # missing values take the branch learned for them
    model = HistGradientBoostingRegressor(max_iter=40, max_leaf_nodes=15, random_state=0).fit(X, y)
    X_new = rng.normal(size=(200, 5))
    X_new[rng.random(X_new.shape) < 0.2] = np.nan
    np.testing.assert_allclose(TreeEnsemble(export(model)).predict(X_new), model.predict(X_new),
                               rtol=0, atol=1e-12)
