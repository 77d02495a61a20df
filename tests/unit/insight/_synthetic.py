"""Synthetic data shared by the tree-explanation tests."""

from __future__ import annotations

import numpy as np


def categorical_data(n: int, seed: int = 0, n_noise: int = 0):
    """A binary target driven by a 6-valued category (5% missing) and its interaction with x1.

    Columns: the category, x1, x2 (no effect), then ``n_noise`` more columns of noise.
    """
    rng = np.random.default_rng(seed)
    cat = rng.integers(0, 6, n).astype(float)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    logit = np.array([-2, 1, 0.5, -1, 2, 0])[cat.astype(int)] + x1 + 0.5 * x1 * (cat > 2)
    y = (logit + rng.normal(size=n) > 0).astype(int)
    X = np.column_stack([cat, x1, x2] + [rng.normal(size=n) for _ in range(n_noise)])
    X[rng.random(n) < 0.05, 0] = np.nan
    return X, y
