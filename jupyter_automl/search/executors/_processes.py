"""Runs units in worker processes: isolation, hard per-unit time limits and memory limits.

Each worker receives the data once, then runs units sent over a pipe. A unit that runs past
``unit_timeout`` gets its worker killed (and replaced); a worker over ``memory_limit_mb`` fails
its unit with a MemoryError. Both come back as failed folds, so the search goes on.
Workers are started with "spawn", which is safe in a kernel that runs threads.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import pickle
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from ..._logging import get_logger
from .._objective import FoldResult, TrainingData, describe_error, refit, run_fold
from ._base import BaseExecutor

_log = get_logger(__name__)
_POLL = 0.05
_READY = "ready"  # a worker's first message: its imports are done and it holds the data
MAX_START_FAILURES = 3


def _limit_memory(limit_mb: int) -> None:
    import resource

    # the limit is on top of what the worker already mapped after its imports
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[0])
    current = pages * os.sysconf("SC_PAGE_SIZE")
    limit = current + limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(conn: Connection, memory_limit_mb: int | None, single_thread: bool) -> None:
    import warnings

    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore")
    if single_thread:
        threadpool_limits(1)
    data: TrainingData = pickle.loads(conn.recv_bytes())
    if memory_limit_mb:
        _limit_memory(memory_limit_mb)
    # the manager starts a unit's clock only now: a spawned worker spends seconds importing
    conn.send(_READY)
    while True:
        msg = conn.recv()
        if msg is None:
            return
        task_id, kind, args = msg
        try:
            result = run_fold(data, *args) if kind == "fold" else refit(data, *args)
            payload = (task_id, True, result)
        except BaseException as exc:  # noqa: BLE001 - reported to the coordinator, never lost
            payload = (task_id, False, describe_error(exc))
        try:
            conn.send(payload)
        except MemoryError:
            conn.send((task_id, False, ("ran out of memory", "MemoryError")))


@dataclass
class _Task:
    id: int
    kind: str  # "fold" or "refit"
    args: tuple
    future: Future
    fold: int = -1


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: _Task | None = None
    started: float = 0.0
    ready: bool = field(default=False)


class ProcessExecutor(BaseExecutor):
    """``n_workers`` processes that can be killed when a unit runs too long."""

    hard_limits = True

    def start(self, data: TrainingData) -> None:
        self._ctx = mp.get_context("spawn")
        self._payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        self._pending: deque[_Task] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._closed = False
        self._start_failures = 0
        self._broken: str | None = None
        self._workers = [self._spawn() for _ in range(self.n_workers)]
        self._manager = threading.Thread(target=self._manage, name="jupyter_automl-processes", daemon=True)
        self._manager.start()

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, daemon=True,
                                    args=(child, self.memory_limit_mb, self.single_thread_units))
        process.start()
        child.close()
        parent.send_bytes(self._payload)
        return _Worker(process, parent)

    def _submit(self, kind: str, args: tuple, fold: int = -1) -> Future:
        future: Future = Future()
        task = _Task(next(self._ids), kind, args, future, fold)
        if self._broken:
            future.set_running_or_notify_cancel()
            self._fail(task, self._broken, "WorkerDied")
            return future
        with self._lock:
            self._pending.append(task)
        return future

    def submit_fold(self, params: dict[str, Any], fold: int,
                    deadline: float | None = None) -> Future[FoldResult]:
        return self._submit("fold", (params, fold, deadline), fold)

    def submit_refit(self, params: dict[str, Any], deadline: float | None = None,
                     rows: Any = None) -> Future[Any]:
        return self._submit("refit", (params, deadline, rows))

    @property
    def refit_blas_threads(self) -> int | None:
        return 1

    # -- the manager thread: assigns tasks, collects results, enforces limits ------------------

    def _manage(self) -> None:
        while not self._closed:
            self._assign()
            busy = [w for w in self._workers if w.task is not None or not w.ready]
            if not busy:
                time.sleep(_POLL)
                continue
            for conn in wait([w.conn for w in busy], timeout=_POLL):
                worker = next(w for w in busy if w.conn is conn)
                if worker.ready:
                    self._collect(worker)
                else:
                    self._mark_ready(worker)
            self._enforce_limits()

    def _assign(self) -> None:
        with self._lock:
            for worker in self._workers:
                if worker.ready and worker.task is None and self._pending:
                    task = self._pending.popleft()
                    if task.future.set_running_or_notify_cancel():
                        worker.task, worker.started = task, time.monotonic()
                        worker.conn.send((task.id, task.kind, task.args))

    def _mark_ready(self, worker: _Worker) -> None:
        try:
            worker.ready = worker.conn.recv() == _READY
        except (EOFError, OSError):  # died while starting; _enforce_limits replaces it
            return
        self._start_failures = 0

    def _on_start_failure(self, worker: _Worker) -> None:
        """Replace a worker that died before it was ready; give up after a few in a row."""
        code = worker.process.exitcode
        self._start_failures += 1
        _log.warning("a worker process died while starting (exit code %s)", code)
        if self._start_failures < MAX_START_FAILURES:
            self._replace(worker)
            return
        # without working processes no unit can run: fail them instead of waiting forever
        self._broken = (f"worker processes cannot start (exit code {code}, "
                        f"{self._start_failures} times in a row)")
        with self._lock:
            pending, self._pending = list(self._pending), deque()
        for task in pending:
            if task.future.set_running_or_notify_cancel():
                self._fail(task, self._broken, "WorkerDied")

    def _collect(self, worker: _Worker) -> None:
        task = worker.task
        try:
            task_id, ok, result = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=1)  # reap it, so that its exit code is known
            code = worker.process.exitcode
            self._fail(task, f"the worker process died (exit code {code}); "
                             "it may have run out of memory", "WorkerDied")
            self._replace(worker)
            return
        worker.task = None
        if ok:
            task.future.set_result(result)
        else:
            self._fail(task, *result)

    def _enforce_limits(self) -> None:
        now = time.monotonic()
        for worker in self._workers:
            task = worker.task
            if task is None:
                if not worker.ready and not worker.process.is_alive():
                    self._on_start_failure(worker)
                continue
            if self.unit_timeout and now - worker.started > self.unit_timeout:
                self._fail(task, f"stopped after {self.unit_timeout:g} s, the time limit of one fit",
                           "TimeoutError", elapsed=now - worker.started)
                self._replace(worker)
            elif not worker.process.is_alive():
                self._fail(task, f"the worker process died (exit code {worker.process.exitcode})",
                           "WorkerDied")
                self._replace(worker)

    def _fail(self, task: _Task, reason: str, kind: str, elapsed: float = 0.0) -> None:
        if task.future.done():
            return
        if task.kind == "fold":
            task.future.set_result(FoldResult(task.fold, None, elapsed, 0.0, None, reason, kind))
        else:
            task.future.set_exception(RuntimeError(f"refit failed: {reason}"))

    def _replace(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        index = self._workers.index(worker)
        if not self._closed:
            self._workers[index] = self._spawn()

    def shutdown(self) -> None:
        if not hasattr(self, "_workers"):  # start() failed before any worker existed
            return
        self._closed = True
        with self._lock:
            for task in self._pending:
                task.future.cancel()
            self._pending.clear()
        for worker in self._workers:
            try:
                if worker.task is None:
                    worker.conn.send(None)
            except OSError:
                pass
            if worker.task is not None:
                worker.process.kill()
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
