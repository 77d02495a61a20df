"""A real Dask LocalCluster (2 worker processes, 1 thread each) as the executor."""

from __future__ import annotations

from collections import Counter

import pytest

from conformance._tiny import TINY, demo
from conformance.executor_suite import ExecutorSuite
from jupyter_automl import AutoML

pytestmark = pytest.mark.integration


class TestDask(ExecutorSuite):
    @pytest.fixture
    def automl_params(self, dask_client):
        return {"executor": "dask", "dask_client": dask_client}


def test_units_run_on_the_cluster_workers(dask_client):
    from distributed import get_task_stream

    X, y = demo()
    automl = AutoML(**(TINY | {"storage": "memory", "executor": "dask", "dask_client": dask_client,
                               "n_trials": 4}))
    with get_task_stream(dask_client) as stream:
        automl.fit(X, y)
    tasks = [t for t in stream.data if t["key"].startswith(("run_fold", "refit"))]
    folds = [t for t in tasks if t["key"].startswith("run_fold")]
    assert len(folds) == 4 * 3  # every fold of every trial ran as a Dask task
    assert len(tasks) == len(folds) + 1  # plus the final refit
    workers = set(dask_client.scheduler_info()["workers"])
    assert {t["worker"] for t in tasks} <= workers
    assert len({t["worker"] for t in folds}) == 2  # both workers took units
    # who ran it: each trial lists the worker of each of its folds, as the scheduler saw them
    board = automl.leaderboard()
    assert (board["n_folds"] == board["workers"].map(len)).all(), board[["trial", "workers"]]
    assert Counter(w for ws in board["workers"] for w in ws) == Counter(t["worker"] for t in folds)


def test_the_executor_uses_every_worker_thread(dask_client):
    from jupyter_automl.search.executors import DaskExecutor

    assert DaskExecutor(dask_client).n_workers == sum(dask_client.nthreads().values()) == 2


def test_nothing_is_left_on_the_cluster(dask_client):
    X, y = demo()
    AutoML(**(TINY | {"storage": "memory", "executor": "dask", "dask_client": dask_client})).fit(X, y)
    assert not any(dask_client.who_has().values())  # scattered data and results are released
