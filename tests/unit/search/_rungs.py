"""A small search on row rungs: the size rules scaled down so that 2,000 rows count as large
(rungs of 178, 534 and 1,600 training rows), run in this thread."""

from __future__ import annotations

import pytest

from jupyter_automl.problem import _splits

from .._data import binary_frame
from ..conftest import tiny_automl


def row_rung_search(n_trials: int, families: list[str]):
    """A fitted AutoML on 2,000 rows with row rungs (random sampler, ensembles allowed)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_splits, "SMALL_ROWS", 500)
        mp.setattr(_splits, "LARGE_ROWS", 1_000)
        mp.setattr(_splits, "MIN_RUNG_ROWS", 100)
        X, y = binary_frame(2_000)
        return tiny_automl(cv="auto", n_trials=n_trials, families=families, sampler="random",
                           ensemble=True).fit(X, y)
