"""Tiny, seeded data for unit tests: a few dozen rows, so a sync search takes well under a second."""

from __future__ import annotations

import numpy as np
import pandas as pd


def binary_frame(n: int = 80, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """A number that carries the signal, a noisy number and a 3-level category; target 0/1."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    X = pd.DataFrame({
        "signal": signal,
        "noise": rng.normal(size=n),
        "colour": rng.choice(["red", "green", "blue"], n),
    })
    y = pd.Series((signal + rng.normal(scale=1.0, size=n) > 0).astype(int), name="label")
    return X, y


def multiclass_frame(n: int = 90, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Three classes with text labels, separable by two numbers."""
    rng = np.random.default_rng(seed)
    centre = rng.integers(0, 3, n)
    X = pd.DataFrame({
        "a": centre + rng.normal(scale=0.7, size=n),
        "b": -centre + rng.normal(scale=0.7, size=n),
        "shop": rng.choice(["north", "south"], n),
    })
    y = pd.Series(np.array(["cat", "dog", "fox"])[centre], name="animal")
    return X, y


def regression_frame(n: int = 80, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """A linear target with noise, plus a category that shifts it."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "size": rng.uniform(20, 200, n),
        "rooms": rng.integers(1, 6, n).astype(float),
        "area": rng.choice(["centre", "suburb"], n),
    })
    y = pd.Series(3.0 * X["size"] + 10.0 * X["rooms"] + np.where(X["area"] == "centre", 50.0, 0.0)
                  + rng.normal(scale=20.0, size=n), name="price")
    return X, y


FRAMES = {"binary": binary_frame, "multiclass": multiclass_frame, "regression": regression_frame}
