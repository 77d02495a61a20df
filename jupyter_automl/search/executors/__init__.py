"""Executors: one protocol (BaseExecutor), run units in this thread, threads, processes or Dask."""

from __future__ import annotations

import os
from typing import Any

from ...exceptions import InputError
from ._base import BaseExecutor
from ._dask import INTERRUPTED_LOST, DaskExecutor, connect_dask, dask_cluster_info
from ._processes import ProcessExecutor
from ._sync import SyncExecutor
from ._threads import ThreadExecutor

__all__ = ["INTERRUPTED_LOST", "BaseExecutor", "DaskExecutor", "ProcessExecutor", "SyncExecutor", "ThreadExecutor",
           "connect_dask", "dask_cluster_info", "make_executor", "resolve_n_jobs"]

EXECUTORS = ("threads", "processes", "dask", "sync")
MSG_EXECUTOR = ("The 'executor' parameter of AutoML must be one of {valid} or a BaseExecutor. "
                "Got {got!r} instead.")
MSG_DASK_CLIENT = ("executor='dask' needs a cluster: AutoML(executor='dask', "
                   "dask_client=dask.distributed.Client(...)) or dask_client='tcp://host:8786' "
                   "(the scheduler's address).")
MSG_N_JOBS = "The 'n_jobs' parameter of AutoML must be -1 or a positive int. Got {got!r} instead."


def resolve_n_jobs(n_jobs: object) -> int:
    """-1 means every core; other negative values count back from it as in joblib."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise InputError(MSG_N_JOBS.format(got=n_jobs))
    cores = os.cpu_count() or 1
    return max(1, cores + 1 + n_jobs) if n_jobs < 0 else n_jobs


def make_executor(executor: object, n_jobs: object, *, dask_client: Any = None,
                  unit_timeout: float | None = None, memory_limit_mb: int | None = None) -> BaseExecutor:
    """Build the executor an AutoML was configured with."""
    if isinstance(executor, BaseExecutor):
        return executor
    n = resolve_n_jobs(n_jobs)
    if executor == "threads":
        return ThreadExecutor(n, unit_timeout, memory_limit_mb)
    if executor == "processes":
        return ProcessExecutor(n, unit_timeout, memory_limit_mb)
    if executor == "sync":
        return SyncExecutor(unit_timeout, memory_limit_mb)
    if executor == "dask":
        if dask_client is None:
            raise InputError(MSG_DASK_CLIENT)
        return DaskExecutor(dask_client, unit_timeout)
    raise InputError(MSG_EXECUTOR.format(valid=list(EXECUTORS), got=executor))
