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


def test_a_unit_of_an_ended_trial_is_cancelled_on_the_cluster(dask_client):
    from _hog import SlowPlugin
    from distributed import get_task_stream

    from jupyter_automl.problem import analyze
    from jupyter_automl.search import TrainingData
    from jupyter_automl.search.executors import DaskExecutor
    from jupyter_automl.search.space import SearchSpace

    X, y = demo(300)
    problem, X, y = analyze(X, y, check_leakage=False, cv=3)
    data = TrainingData(X, y.to_numpy(), problem, seed=0, plugin=SlowPlugin(3.0))
    params = SearchSpace(problem, ["linear"]).default_configs()[0]
    executor = DaskExecutor(dask_client)
    executor.start(data)
    try:
        with get_task_stream(dask_client) as stream:
            running = [executor.submit_fold(params, fold) for fold in (0, 1)]  # both workers busy
            queued = executor.submit_fold(params, 2)
            assert executor.cancel(queued)  # its trial ended: it frees its slot at once...
            assert queued.done() and queued.result().error == "cancelled: its trial ended"
            assert all(f.result(timeout=120).ok for f in running)
            assert not executor.cancel(running[0])  # a finished unit has nothing to cancel
        ran = [t for t in stream.data if t["key"].startswith("run_fold")]
        assert len(ran) == 2  # ...and never runs on the cluster
    finally:
        executor.shutdown()
