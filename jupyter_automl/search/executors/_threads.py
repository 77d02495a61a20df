"""Runs units in a pool of threads of this process (the default).

scikit-learn's fits release the GIL in their heavy loops, so threads use every core without
copying the data. A running thread cannot be killed: the per-unit time limit is checked when
the unit ends, and units left running at the end of a search finish in the background.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from threadpoolctl import threadpool_limits

from .._objective import FoldResult, TrainingData, refit, run_fold
from ._base import BaseExecutor


class ThreadExecutor(BaseExecutor):
    """``n_workers`` threads; each unit limited to one OpenMP thread when there are several."""

    def start(self, data: TrainingData) -> None:
        self._data = data
        self._pool = ThreadPoolExecutor(self.n_workers, thread_name_prefix="jupyter_automl-worker")
        self._refit_pool: ThreadPoolExecutor | None = None
        # BLAS thread pools are process-wide: with several units side by side, multi-threaded BLAS
        # oversubscribes the cores and slows every fit down by several times. One thread also
        # whatever n_jobs is, so results do not depend on it (BLAS sums differ in the last digit
        # with the thread count). Restored at shutdown.
        self._blas_limit = threadpool_limits(1, user_api="blas")

    def submit_fold(self, params: dict[str, Any], fold: int,
                    deadline: float | None = None) -> Future[FoldResult]:
        return self._pool.submit(run_fold, self._data, params, fold, deadline)

    def submit_refit(self, params: dict[str, Any], deadline: float | None = None,
                     rows: Any = None) -> Future[Any]:
        # refits get their own threads: they must not queue behind folds still running from the
        # search (a running thread cannot be cancelled)
        if self._refit_pool is None:
            self._refit_pool = ThreadPoolExecutor(self.n_workers, thread_name_prefix="jupyter_automl-refit")
        return self._refit_pool.submit(refit, self._data, params, deadline, rows)

    @property
    def refit_blas_threads(self) -> int | None:
        return 1 if self.n_workers > 1 else None

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._refit_pool is not None:
            self._refit_pool.shutdown(wait=False, cancel_futures=True)
        self._blas_limit.restore_original_limits()
