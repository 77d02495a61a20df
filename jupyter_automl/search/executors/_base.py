"""The Executor protocol: where units of work run.

Lifecycle: ``start(data)`` once (ships the data to the workers), then any number of
``submit_fold``/``submit_refit`` calls from the coordinator thread, then ``shutdown``.
Futures are ``concurrent.futures.Future``; a fold future never raises, errors come back inside
its ``FoldResult``. Implementations must be safe to call from one coordinator thread; they need
not be safe for several callers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from concurrent.futures import Future
from typing import Any

from .._objective import FoldResult, TrainingData


class BaseExecutor(ABC):
    """Runs folds and refits somewhere (this thread, threads, processes, a cluster)."""

    #: True when a unit over ``unit_timeout`` is killed; otherwise the limit is checked afterwards.
    hard_limits: bool = False

    def __init__(self, n_workers: int = 1, unit_timeout: float | None = None,
                 memory_limit_mb: int | None = None):
        self.n_workers = max(1, int(n_workers))
        self.unit_timeout = unit_timeout
        self.memory_limit_mb = memory_limit_mb

    @abstractmethod
    def start(self, data: TrainingData) -> None:
        """Make ``data`` available to every worker."""

    @abstractmethod
    def submit_fold(self, params: dict[str, Any], fold: int,
                    deadline: float | None = None) -> Future[FoldResult]:
        """Fit and score one configuration on one fold; slow fits stop at ``deadline`` (time.time())."""

    @abstractmethod
    def submit_refit(self, params: dict[str, Any], deadline: float | None = None,
                     rows: Any = None) -> Future[Any]:
        """Fit one configuration on all rows (or the row indices ``rows``); the future's result
        is the fitted Pipeline."""

    def cancel(self, future: Future) -> bool:
        """Drop a unit whose trial has ended; True when it no longer holds a worker slot. Here only
        a unit that has not started: one running on this machine cannot be interrupted."""
        return future.cancel()

    @abstractmethod
    def shutdown(self) -> None:
        """Release the workers without waiting for running units (their results are dropped)."""

    @property
    def refit_blas_threads(self) -> int | None:
        """BLAS threads a refit runs with (exported scripts use the same): None for the default."""
        return None

    @property
    def single_thread_units(self) -> bool:
        """Limit each unit to one OpenMP thread when several run side by side on this machine."""
        return self.n_workers > 1
