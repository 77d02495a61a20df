"""Choosing an executor, and the synchronous executor's contract (the others are integration tests)."""

from __future__ import annotations

import os
from concurrent.futures import Future

import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.problem import analyze
from jupyter_automl.search import FoldResult, TrainingData
from jupyter_automl.search.executors import (
    MSG_DASK_CLIENT,
    MSG_EXECUTOR,
    MSG_N_JOBS,
    BaseExecutor,
    ProcessExecutor,
    SyncExecutor,
    ThreadExecutor,
    make_executor,
    resolve_n_jobs,
)
from jupyter_automl.search.space import SearchSpace

from .._data import binary_frame
from .._messages import filled, template

CORES = os.cpu_count() or 1


@pytest.mark.parametrize(("n_jobs", "expected"), [(1, 1), (3, 3), (-1, CORES), (-2, max(1, CORES - 1)),
                                                  (-100, 1)])
def test_resolve_n_jobs(n_jobs, expected):
    assert resolve_n_jobs(n_jobs) == expected


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2", None, True])
def test_bad_n_jobs(n_jobs):
    with pytest.raises(InputError, match=filled(MSG_N_JOBS, got=n_jobs)):
        resolve_n_jobs(n_jobs)


def test_make_executor():
    assert type(make_executor("threads", 2)) is ThreadExecutor
    assert make_executor("threads", 2).n_workers == 2
    processes = make_executor("processes", 1, unit_timeout=3.0, memory_limit_mb=100)
    assert type(processes) is ProcessExecutor and processes.hard_limits
    assert (processes.unit_timeout, processes.memory_limit_mb) == (3.0, 100)
    assert type(make_executor("sync", 4)) is SyncExecutor and make_executor("sync", 4).n_workers == 1
    mine = SyncExecutor()
    assert make_executor(mine, 1) is mine  # any BaseExecutor is taken as it is
    with pytest.raises(InputError, match=filled(MSG_DASK_CLIENT)):
        make_executor("dask", 1)
    with pytest.raises(InputError, match=template(MSG_EXECUTOR)):
        make_executor("ray", 1)


def test_single_thread_units_when_several_run_side_by_side():
    assert not SyncExecutor().single_thread_units
    assert ThreadExecutor(2).single_thread_units and not ThreadExecutor(1).single_thread_units


def test_sync_executor_runs_units_at_once():
    X, y = binary_frame(60)
    problem, X, y = analyze(X, y, check_leakage=False, cv=2)
    data = TrainingData(X, y.to_numpy(), problem, seed=0)
    params = SearchSpace(problem, ["linear"]).default_configs()[0]
    executor = SyncExecutor()
    assert isinstance(executor, BaseExecutor)
    executor.start(data)
    fold = executor.submit_fold(params, 1)
    assert isinstance(fold, Future) and fold.done()
    assert isinstance(fold.result(), FoldResult) and fold.result().fold == 1
    bad = executor.submit_fold(params | {"linear.C": -1.0}, 0)
    assert bad.done() and not bad.result().ok  # errors are results, not exceptions
    model = executor.submit_refit(params).result()
    assert model.predict(X).shape == (60,)
    failed_refit = executor.submit_refit(params | {"linear.C": -1.0})
    assert isinstance(failed_refit.exception(), ValueError)
    executor.shutdown()
