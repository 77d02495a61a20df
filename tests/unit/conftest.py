"""Unit-test fixtures: tiny frames per task and a tiny, deterministic AutoML configuration."""

from __future__ import annotations

import pytest

from jupyter_automl import AutoML

from ._data import FRAMES

# Single-threaded, in memory, fixed seed, one cheap family, no ensembling: a fit takes < 1 s.
TINY = dict(time_budget=None, n_trials=2, seed=0, executor="sync", storage="memory", warm_start=False,
            families=["linear"], ensemble=False, cv=3)


def tiny_automl(**overrides) -> AutoML:
    """An AutoML that runs a deterministic search of a couple of trials in this thread's search."""
    return AutoML(**(TINY | overrides))


@pytest.fixture(params=sorted(FRAMES))
def task_frame(request):
    """(task, X, y) for each task."""
    X, y = FRAMES[request.param]()
    return request.param, X, y


@pytest.fixture
def binary_data():
    return FRAMES["binary"]()


@pytest.fixture
def multiclass_data():
    return FRAMES["multiclass"]()


@pytest.fixture
def regression_data():
    return FRAMES["regression"]()
