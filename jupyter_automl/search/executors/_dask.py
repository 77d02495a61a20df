"""Runs units on a Dask cluster: the data is scattered once to every worker."""

from __future__ import annotations

import time
from concurrent.futures import Future
from typing import Any

from ..._optional import import_optional
from .._objective import FoldResult, TrainingData, refit, run_fold
from ._base import BaseExecutor


class DaskExecutor(BaseExecutor):
    """Submits units to ``client`` (a ``dask.distributed.Client``).

    The workers must be able to import jupyter_automl. Units run in the workers' threads;
    limit each Dask worker to one thread per core for predictable timings.
    """

    def __init__(self, client: Any, unit_timeout: float | None = None):
        import_optional("distributed")
        n_workers = sum(client.nthreads().values()) or 1
        super().__init__(n_workers, unit_timeout)
        self.client = client

    def start(self, data: TrainingData) -> None:
        [self._data] = self.client.scatter([data], broadcast=True)
        self._futures: set = set()

    def _wrap(self, dask_future: Any) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()
        self._futures.add(dask_future)

        def done(f: Any) -> None:
            self._futures.discard(f)
            if future.done():
                return
            try:
                future.set_result(f.result())
            except Exception as exc:  # cancelled or lost on the cluster
                future.set_exception(exc)

        dask_future.add_done_callback(done)
        return future

    def submit_fold(self, params: dict[str, Any], fold: int,
                    deadline: float | None = None) -> Future[FoldResult]:
        return self._wrap(self.client.submit(run_fold, self._data, params, fold, deadline, pure=False))

    def submit_refit(self, params: dict[str, Any], deadline: float | None = None) -> Future[Any]:
        return self._wrap(self.client.submit(refit, self._data, params, deadline, pure=False))

    def shutdown(self) -> None:
        if self._futures:
            self.client.cancel(list(self._futures))
        key = self._data.key
        self.client.cancel([self._data])
        # cancelling is asynchronous: wait (briefly) until the workers dropped the training data,
        # so a finished fit leaves nothing behind on a shared cluster
        deadline = time.monotonic() + 2.0
        while self.client.who_has().get(key) and time.monotonic() < deadline:
            time.sleep(0.05)
