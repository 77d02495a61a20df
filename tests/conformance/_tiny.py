"""Small real data and a tiny, seeded search configuration shared by the suites."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_automl.datasets import load_demo

TINY = dict(time_budget=None, n_trials=2, seed=0, families=["linear"], ensemble=False, cv=3,
            warm_start=False)  # the fixed defaults first: warm start has its own tests


def demo(n: int = 150) -> tuple[pd.DataFrame, pd.Series]:
    """The first ``n`` rows of the breast cancer demo (binary, 30 numeric columns)."""
    X, y, _ = load_demo("breast_cancer")
    return X.iloc[:n], y.iloc[:n]


def twelve_rows() -> tuple[pd.DataFrame, pd.Series]:
    """Data on which k-NN's default (10 neighbours) fails with 2 folds of 6 training rows."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=12), "b": rng.normal(size=12)}), pd.Series([0, 1] * 6)
