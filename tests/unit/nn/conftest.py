"""Tiny tables in the networks' input contract: category codes first, then numbers."""

from __future__ import annotations

import numpy as np
import pytest


def easy_classification(n: int = 120, seed: int = 0):
    """Two numbers and one 3-category column; the class is the sign of a mix of them."""
    rng = np.random.default_rng(seed)
    cat = rng.integers(1, 4, size=n)
    num = rng.normal(size=(n, 2))
    y = np.where(num[:, 0] + num[:, 1] + (cat == 2) > 0.5, "yes", "no")
    return np.column_stack([cat, num]), y


@pytest.fixture
def clf_data():
    return easy_classification()


@pytest.fixture
def reg_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 3))
    return X, 1e6 * (X[:, 0] - 0.5 * X[:, 1]) + 3e9


SMALL = {"blocks": [{"width": 16}, {"width": 16}], "training": {"lr": 1e-2, "batch_size": 32}}
