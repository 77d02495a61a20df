"""Both meta-model forms on a synthetic case whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

from jupyter_automl.search.warmstart import DirectModel, PairwiseModel


def _synthetic(n_datasets=80, seed=0):
    """Four configurations; which one is best depends on meta-feature 0 (and feature 1 is
    a pure difficulty offset that the pairwise form should ignore)."""
    rng = np.random.default_rng(seed)
    F = rng.uniform(-1, 1, size=(n_datasets, 2))
    C = np.array([[1, 0, 0.1], [1, 0, 0.9], [0, 1, -1.0], [0, 1, -1.0]], dtype=float)
    C[3, 2] = 0.5
    d = np.repeat(np.arange(n_datasets), 4)
    c = np.tile(np.arange(4), n_datasets)

    def truth(f):
        # config 0 strong when f0 > 0, config 2 strong when f0 < 0, config 1 middling, 3 weak
        return np.array([0.5 + 0.5 * f[0], 0.6, 0.5 - 0.5 * f[0], 0.2]) * (0.7 + 0.3 * f[1])
    y = np.concatenate([truth(f) for f in F])
    return F, C, d, c, y, truth


@pytest.mark.parametrize("model_class", [DirectModel, PairwiseModel])
def test_ranks_a_known_case(model_class):
    F, C, d, c, y, truth = _synthetic()
    model = model_class(max_iter=100).fit(F, C, d, c, y)
    for f0 in (0.9, -0.9):
        f = np.array([f0, 0.0])
        assert model.rank(f, C)[0] == (0 if f0 > 0 else 2)
        assert model.rank(f, C)[-1] == (2 if f0 > 0 else 0)
        assert kendalltau(model.predict(f, C), truth(f)).statistic > 0.6


def test_pairwise_scores_are_antisymmetric_means():
    F, C, d, c, y, _ = _synthetic()
    model = PairwiseModel(max_iter=50).fit(F, C, d, c, y)
    s = model.predict(np.array([0.5, 0.0]), C)
    assert s.sum() == pytest.approx(0.0, abs=1e-9)  # advantages over each other cancel out


def test_fits_are_deterministic():
    F, C, d, c, y, _ = _synthetic()
    a = PairwiseModel(seed=1, max_iter=30).fit(F, C, d, c, y).predict(F[0], C)
    b = PairwiseModel(seed=1, max_iter=30).fit(F, C, d, c, y).predict(F[0], C)
    np.testing.assert_array_equal(a, b)
