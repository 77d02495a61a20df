"""Our path-dependent TreeSHAP: equal to SHAP's where SHAP is right, exact where it is not.

SHAP misreads the categorical splits of HistGradientBoosting (shap/shap#3436); the reference
there is a brute-force Shapley value of the same path-dependent game, over grouped players.
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pytest
import shap
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)

from jupyter_automl.insight.explain._treeshap import TreeModel, forest_trees, tree_shap, tree_work

from ._synthetic import categorical_data


def _numeric(n=400, seed=0):
    X, y = make_classification(n, 5, n_informative=3, random_state=seed)
    X[np.random.default_rng(seed).random(X.shape) < 0.1] = np.nan  # missing values go one way
    return X, y


@pytest.mark.parametrize("model", [
    HistGradientBoostingClassifier(max_iter=30, random_state=0),
    RandomForestClassifier(20, max_depth=6, random_state=0),
])
def test_same_values_as_shap_on_numeric_trees(model):
    X, y = _numeric()
    if isinstance(model, RandomForestClassifier):
        X = np.nan_to_num(X)
    model.fit(X, y)
    ours = TreeModel(model, np.arange(X.shape[1]), X.shape[1])
    values = ours.shap_values(X[:100])
    theirs = np.asarray(shap.TreeExplainer(model).shap_values(X[:100]))
    theirs = theirs[:, :, None] if theirs.ndim == 2 else theirs
    np.testing.assert_allclose(values, theirs, atol=1e-10)


def test_multiclass_and_regression_outputs_add_up_to_the_raw_predictions():
    X, y = make_classification(300, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=1)
    clf = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    model = TreeModel(clf, np.arange(4), 4)
    values = model.shap_values(X[:50])
    assert values.shape == (50, 4, 3)
    np.testing.assert_allclose(values.sum(axis=1) + model.base, clf.decision_function(X[:50]), atol=1e-9)

    Xr, yr = make_regression(300, 4, random_state=0)
    for reg in (HistGradientBoostingRegressor(max_iter=20), ExtraTreesRegressor(10, max_depth=5, random_state=0)):
        reg.fit(Xr, yr)
        model = TreeModel(reg, np.arange(4), 4)
        np.testing.assert_allclose(model.shap_values(Xr[:30]).sum(axis=1)[:, 0] + model.base[0],
                                   reg.predict(Xr[:30]), rtol=1e-9, atol=1e-6)


def test_shap_is_wrong_on_categorical_splits_and_we_add_up():
    X, y = categorical_data(600)
    model = HistGradientBoostingClassifier(max_iter=30, categorical_features=[0], random_state=0).fit(X, y)
    ours = TreeModel(model, np.arange(3), 3)
    values = ours.shap_values(X[:200])[:, :, 0]
    raw = model.decision_function(X[:200])
    np.testing.assert_allclose(values.sum(axis=1) + ours.base[0], raw, atol=1e-9)
    explainer = shap.TreeExplainer(model)
    theirs = explainer.shap_values(X[:200])
    assert np.abs(theirs.sum(axis=1) + explainer.expected_value - raw).max() > 0.1  # shap/shap#3436


def _path_value(trees, hot, subset):
    """E[f | x_S] of the path-dependent game: follow x on splits of S, average by cover elsewhere."""
    def walk(node):
        if trees.left[node] < 0:
            return trees.value[node]
        if trees.group[node] in subset:
            return walk(trees.left[node] if hot[node] else trees.right[node])
        left, right = trees.left[node], trees.right[node]
        return (trees.cover[left] * walk(left) + trees.cover[right] * walk(right)) / trees.cover[node]
    return sum(walk(root) for root in trees.roots)


def _brute_force_shapley(trees, hot, n_groups):
    phi = np.zeros(n_groups)
    players = range(n_groups)
    for i in players:
        others = [p for p in players if p != i]
        for k in range(len(others) + 1):
            weight = factorial(k) * factorial(n_groups - k - 1) / factorial(n_groups)
            for subset in combinations(others, k):
                phi[i] += weight * (_path_value(trees, hot, set(subset) | {i}) - _path_value(trees, hot, set(subset)))
    return phi


def test_grouped_players_match_brute_force_shapley_with_categorical_splits():
    X, y = categorical_data(300)
    X = np.column_stack([X, X[:, 1] ** 2])  # a 4th column that belongs with column 1
    model = HistGradientBoostingClassifier(max_iter=8, max_leaf_nodes=6, categorical_features=[0],
                                           random_state=0).fit(X, y)
    groups = np.array([0, 1, 2, 1])  # columns 1 and 3 are one player, as one-hot columns are
    ours = TreeModel(model, groups, 3)
    rows = X[:12]
    values = ours.shap_values(rows)[:, :, 0]
    hot = ours.hot_left(rows, 0)
    for i in range(len(rows)):
        np.testing.assert_allclose(values[i], _brute_force_shapley(ours.trees[0], hot[i], 3), atol=1e-10)


def test_forest_flattening_and_work_estimate():
    X, y = _numeric()
    model = RandomForestClassifier(5, max_depth=4, random_state=0).fit(np.nan_to_num(X), y)
    trees = forest_trees(model, 1, np.arange(X.shape[1]))
    assert len(trees.roots) == 5
    assert tree_work(model) == pytest.approx(2 * trees.work)  # two outputs (classes)
    hot = np.ones((1, len(trees.left)), dtype=bool)
    assert tree_shap(trees, hot, X.shape[1]).shape == (1, X.shape[1])
