"""The executor suite on the local executors: synchronous, threads and processes.
Dask: tests/integration/test_dask.py."""

from __future__ import annotations

import pytest

from .executor_suite import ExecutorSuite


class TestSync(ExecutorSuite):
    @pytest.fixture
    def automl_params(self):
        return {"executor": "sync"}


@pytest.mark.integration
class TestThreads(ExecutorSuite):
    @pytest.fixture
    def automl_params(self):
        return {"executor": "threads", "n_jobs": 2}


@pytest.mark.integration
class TestProcesses(ExecutorSuite):
    @pytest.fixture
    def automl_params(self):
        return {"executor": "processes", "n_jobs": 2}
