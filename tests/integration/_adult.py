"""A random sample of the adult demo, shared by the integration tests on real data."""

from __future__ import annotations

import numpy as np
import pytest

from jupyter_automl.datasets import load_demo

# a random sample of adult meets countries the model has not seen: expected, and noted
IGNORE_UNSEEN_COUNTRIES = pytest.mark.filterwarnings(
    "ignore:Column 'native-country' has:jupyter_automl.exceptions.DataWarning")


def adult_sample(n_rows: int, seed: int):
    """``n_rows`` rows of adult drawn without replacement, index reset: X, y and the demo's info."""
    X, y, info = load_demo("adult")
    rows = np.random.default_rng(seed).choice(len(X), n_rows, replace=False)
    return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True), info
