"""Batched permutation SHAP: exact on additive models, converges to exact Shapley values."""

from __future__ import annotations

import time
from itertools import combinations
from math import factorial

import numpy as np

from jupyter_automl.insight.explain._permutation import permutation_values


def _gather(data):
    """f over row indices: column c of masked row i comes from data[R[i, c], c]."""
    cols = np.arange(data.shape[1])
    return lambda fn: (lambda R: fn(data[R.astype(int), cols]))


def test_one_permutation_is_exact_for_an_additive_model():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(30, 4))
    w = np.array([1.0, -2.0, 0.5, 0.0])
    f = _gather(data)(lambda Z: (Z @ w)[:, None])
    values, base, done = permutation_values(f, 10, 20, 4, 1, np.random.default_rng(1))
    assert done == 10
    expected = (data[:10] - data[10:].mean(axis=0)) * w
    np.testing.assert_allclose(values[:, :, 0], expected, atol=1e-12)
    np.testing.assert_allclose(base, [data[10:] @ w][0].mean(), atol=1e-12)


def _exact_interventional(fn, x, background):
    """Brute-force Shapley values of v(S) = mean over background rows of f(x on S, background
    elsewhere): the game of SHAP's ExactExplainer with an Independent masker."""
    m = len(x)

    def v(subset):
        Z = background.copy()
        Z[:, list(subset)] = x[list(subset)]
        return fn(Z).mean(axis=0)

    phi = np.zeros((m,) + np.shape(v(())))
    for i in range(m):
        others = [j for j in range(m) if j != i]
        for k in range(m):
            for subset in combinations(others, k):
                w = factorial(k) * factorial(m - k - 1) / factorial(m)
                phi[i] += w * (v(subset + (i,)) - v(subset))
    return phi, v(())


def test_values_converge_to_exact_shapley_values_with_interactions():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(25, 4))
    fn = lambda Z: np.column_stack([Z[:, 0] * Z[:, 1] + np.sin(Z[:, 2]) + Z[:, 3] ** 2, Z[:, 0]])  # noqa: E731
    f = _gather(data)(fn)
    values, base, _ = permutation_values(f, 5, 20, 4, 300, np.random.default_rng(2))
    for i in range(5):
        exact, exact_base = _exact_interventional(fn, data[i], data[5:])
        np.testing.assert_allclose(base, exact_base, atol=1e-10)
        np.testing.assert_allclose(values[i], exact, atol=0.05)
    # every pass adds up exactly, whatever the number of permutations
    np.testing.assert_allclose(values.sum(axis=1) + base, fn(data[:5]), atol=1e-10)


def test_deadline_stops_after_a_block_with_the_rows_done():
    data = np.random.default_rng(0).normal(size=(230, 3))

    def slow(Z):
        time.sleep(0.02)
        return Z.sum(axis=1)[:, None]

    f = _gather(data)(slow)
    values, _, done = permutation_values(f, 200, 30, 3, 1, np.random.default_rng(0),
                                         deadline=time.perf_counter(), max_rows_per_call=240)
    assert done == 1 and values.shape == (1, 3, 1)  # 240 evaluations = one row per call
