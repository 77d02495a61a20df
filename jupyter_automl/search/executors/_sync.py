"""Runs each unit at once in the calling thread: deterministic, for tests and JupyterLite."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from .._objective import FoldResult, TrainingData, refit, run_fold
from ._base import BaseExecutor


def _done(fn, *args) -> Future:
    future: Future = Future()
    try:
        future.set_result(fn(*args))
    except Exception as exc:
        future.set_exception(exc)
    return future


class SyncExecutor(BaseExecutor):
    """One unit at a time, in the coordinator thread."""

    def __init__(self, unit_timeout: float | None = None, memory_limit_mb: int | None = None):
        super().__init__(1, unit_timeout, memory_limit_mb)

    def start(self, data: TrainingData) -> None:
        self._data = data

    def submit_fold(self, params: dict[str, Any], fold: int,
                    deadline: float | None = None) -> Future[FoldResult]:
        return _done(run_fold, self._data, params, fold, deadline)

    def submit_refit(self, params: dict[str, Any], deadline: float | None = None,
                     rows: Any = None) -> Future[Any]:
        return _done(refit, self._data, params, deadline, rows)

    def shutdown(self) -> None:
        self._data = None
