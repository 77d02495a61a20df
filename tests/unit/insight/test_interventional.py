"""Interventional SHAP in probability space: each (row, background row) game is the exact Shapley
value of the model's margin, brute-forced here over the players, rescaled to probabilities."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from jupyter_automl.insight.explain._interventional import (
    _link_slopes,
    linear_probability_values,
    probability_values,
)

from ._synthetic import categorical_data


def _brute_force(model, x, background, groups, n_groups):
    """Mean over the background of the pair games' Shapley values, in probability space."""
    out = []
    for b in background:
        def margin(S, b=b):
            z = b.copy()
            for g in S:
                z[groups == g] = x[groups == g]
            return np.atleast_1d(model.decision_function(z[None])[0])
        m_x, m_b = margin(range(n_groups)), margin(())
        C = _link_slopes(m_x[None], m_b[None])[0, 0]  # (K, K): margins to probabilities
        phi = np.zeros((n_groups, len(m_x)))
        for i in range(n_groups):
            others = [g for g in range(n_groups) if g != i]
            for k in range(n_groups):
                w = factorial(k) * factorial(n_groups - k - 1) / factorial(n_groups)
                for S in combinations(others, k):
                    phi[i] += w * (margin(S + (i,)) - margin(S))
        out.append(phi @ C.T)
    return np.mean(out, axis=0)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_boosting_values_are_the_exact_pair_games_with_categorical_splits(n_classes):
    X, y = categorical_data(500, n_noise=1)
    if n_classes == 3:
        y = y + (X[:, 2] > 0.5)
    model = HistGradientBoostingClassifier(max_iter=15, max_depth=4, categorical_features=[0],
                                           random_state=0).fit(X, y)
    groups = np.array([0, 1, 2, 2])  # two model inputs forming one player, like a one-hot block
    values, base = probability_values(model, groups, 3, X[:6], X[100:108])
    for i in range(6):
        expected = _brute_force(model, X[i], X[100:108], groups, 3)
        got = values[i, :, 1:] if n_classes == 2 else values[i]
        np.testing.assert_allclose(got, expected, atol=1e-10)
    # additivity: values plus base are the predicted probabilities of every class
    np.testing.assert_allclose(values.sum(axis=1) + base, model.predict_proba(X[:6]), atol=1e-10)
    np.testing.assert_allclose(base, model.predict_proba(X[100:108]).mean(axis=0), atol=1e-10)


def _coalition_margins(model, x, background, groups, n_groups):
    """Margins of every coalition S (bit s of the index: player s from x) against every
    background row, in one call: shape (2 ** n_groups, n_background, n_margins)."""
    n_s = 2 ** n_groups
    Z = np.repeat(background[None], n_s, axis=0)
    for s in range(n_s):
        for g in range(n_groups):
            if s >> g & 1:
                Z[s][:, groups == g] = x[groups == g]
    m = model.decision_function(Z.reshape(-1, Z.shape[2]))
    return m.reshape(n_s, len(background), -1)


def test_boosting_values_hold_for_backgrounds_wider_than_one_word_of_rows():
    """Background rows travel as sets of 64-row words: 150 rows use three words, the last one
    partly; every row's game must still count, compared with a brute force over coalitions."""
    X, y = categorical_data(800, seed=3)
    model = HistGradientBoostingClassifier(max_iter=20, max_depth=5, categorical_features=[0],
                                           random_state=0).fit(X, y)
    groups, n_groups = np.array([0, 1, 2]), 3
    background = X[200:350]
    values, base = probability_values(model, groups, n_groups, X[:4], background)
    for i in range(4):
        m = _coalition_margins(model, X[i], background, groups, n_groups)  # (8, 150, 1)
        slope = _link_slopes(m[-1, :1], m[0])[0, :, 0, 0]  # (150,) secants, margins to probability
        expected = np.zeros(n_groups)
        for g in range(n_groups):
            for s in range(2 ** n_groups):
                if s >> g & 1:
                    continue
                k = bin(s).count("1")
                w = factorial(k) * factorial(n_groups - k - 1) / factorial(n_groups)
                expected[g] += w * np.mean(slope * (m[s | 1 << g, :, 0] - m[s, :, 0]))
        np.testing.assert_allclose(values[i, :, 1], expected, atol=1e-10)
    np.testing.assert_allclose(values.sum(axis=1) + base, model.predict_proba(X[:4]), atol=1e-10)


def test_warm_up_compiles_every_kernel_explain_calls():
    """In a new process (where no test compiled them yet): each kernel has a compiled signature."""
    import subprocess
    import sys

    code = "from jupyter_automl.insight.explain import warm_up; print(warm_up())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "['_sets', '_shap_block', '_rbf_permutation']", out.stderr


def test_the_link_slopes_are_exact_secants_and_integrated_softmax_gradients():
    rng = np.random.default_rng(0)
    m_x, m_b = rng.normal(scale=4, size=(5, 1)), rng.normal(scale=4, size=(3, 1))
    C = _link_slopes(m_x, m_b)[..., 0, 0]
    np.testing.assert_allclose(C * (m_x - m_b.T), expit(m_x) - expit(m_b.T), atol=1e-12)
    m_x, m_b = rng.normal(scale=3, size=(5, 4)), rng.normal(scale=3, size=(3, 4))
    C = _link_slopes(m_x, m_b)
    dm = m_x[:, None] - m_b[None]
    np.testing.assert_allclose(np.einsum("irkj,irj->irk", C, dm),
                               softmax(m_x, axis=1)[:, None] - softmax(m_b, axis=1)[None], atol=1e-12)


def test_logistic_values_are_the_exact_pair_games():
    X, y = make_classification(300, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=1)
    model = LogisticRegression(max_iter=500).fit(X, y)
    groups = np.array([0, 0, 1, 2])
    values, base = linear_probability_values(model, groups, 3, X[:5], X[50:60])
    for i in range(5):
        np.testing.assert_allclose(values[i], _brute_force(model, X[i], X[50:60], groups, 3), atol=1e-10)
    np.testing.assert_allclose(values.sum(axis=1) + base, model.predict_proba(X[:5]), atol=1e-10)
