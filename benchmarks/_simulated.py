"""Executors that simulate a cluster, to measure the coordinator alone (bench_scale.py).

Both plug into ``AutoML(executor=...)`` through the public ``BaseExecutor`` protocol; the
coordinator, the sampler, the pruner, the study storage and the final-model step are the real
ones. Only the units of work are simulated:

- ``NoOpExecutor``: a unit completes at once (its future is done when submitted), so the search
  runs as fast as the coordinator can ask, dispatch and record;
- ``SleepingExecutor``: ``n_workers`` simulated workers whose units take ``unit_seconds``
  (lognormal spread), completed by one timer thread, so 1,024 workers cost no CPU.

A unit's score is a smooth function of the configuration plus fold noise, so the sampler and
the pruner have something to learn; predictions are the fold's labels blurred (any model will
do for the ensemble step).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import zlib
from concurrent.futures import Future
from typing import Any

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor

from jupyter_automl.search import FoldResult
from jupyter_automl.search.executors import BaseExecutor


def _score(params: dict[str, Any], fold: int, classification: bool) -> float:
    numbers = [float(v) for k, v in sorted(params.items()) if isinstance(v, (int, float))
               and not isinstance(v, bool)]
    family = zlib.crc32(str(params.get("family")).encode()) % 7 / 70.0
    smooth = 0.1 * np.tanh(np.log1p(np.abs(numbers)).sum() / max(len(numbers), 1)) if numbers else 0.0
    noise = (zlib.crc32(f"{sorted(params.items())}{fold}".encode()) % 1000) / 1e5
    return 0.7 + family + smooth + noise if classification else -(1.0 - family - smooth + noise)


class _Simulated(BaseExecutor):
    def start(self, data: Any) -> None:
        self.problem = data.problem
        self.y = np.asarray(data.y)
        self.X = data.X
        self.n_units = 0
        self.busy = 0.0  # simulated worker-seconds of units that completed

    def _result(self, params: dict[str, Any], fold: int, seconds: float) -> FoldResult:
        _, valid = self.problem.splits.folds[fold]
        if self.problem.is_classification:
            k = len(self.problem.classes)
            onehot = (self.y[valid][:, None] == np.asarray(self.problem.classes)[None, :]).astype(np.float32)
            pred = 0.6 * onehot + 0.4 / k
        else:
            pred = self.y[valid].astype(np.float32)
        score = _score(params, fold, self.problem.is_classification)
        return FoldResult(fold, score, seconds, 0.0, pred)

    def submit_refit(self, params: dict[str, Any], deadline: float | None = None,
                     rows: Any = None) -> Future:
        model = DummyClassifier() if self.problem.is_classification else DummyRegressor()
        future: Future = Future()
        future.set_result(model.fit(self.X, self.y))
        return future

    def shutdown(self) -> None:
        pass


class NoOpExecutor(_Simulated):
    """Units that complete at once: the coordinator's own throughput is what is measured."""

    def submit_fold(self, params: dict[str, Any], fold: int, deadline: float | None = None) -> Future:
        self.n_units += 1
        future: Future = Future()
        future.set_result(self._result(params, fold, 0.001))
        return future


class SleepingExecutor(_Simulated):
    """``n_workers`` simulated workers; a unit takes ``unit_seconds`` (lognormal, ``spread``).

    Records each unit's (start, end) so that utilisation can be computed over any window.
    """

    def __init__(self, n_workers: int, unit_seconds: float, spread: float = 0.25, seed: int = 0):
        super().__init__(n_workers)
        self.unit_seconds = unit_seconds
        self.spread = spread
        self.rng = np.random.default_rng(seed)
        self.spans: list[tuple[float, float]] = []
        self._heap: list[tuple[float, int, Future, FoldResult]] = []
        self._ids = itertools.count()
        self._cv = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._complete, daemon=True, name="simulated-workers")
        self._thread.start()

    def submit_fold(self, params: dict[str, Any], fold: int, deadline: float | None = None) -> Future:
        self.n_units += 1
        seconds = float(self.unit_seconds * self.rng.lognormal(-self.spread ** 2 / 2, self.spread))
        now = time.monotonic()
        future: Future = Future()
        future.set_running_or_notify_cancel()
        with self._cv:
            heapq.heappush(self._heap, (now + seconds, next(self._ids), future,
                                        self._result(params, fold, seconds)))
            self.spans.append((now, now + seconds))
            self._cv.notify()
        return future

    def _complete(self) -> None:
        while True:
            with self._cv:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    self._cv.wait(None if not self._heap else max(0.0, self._heap[0][0] - time.monotonic()))
                if self._closed:
                    return
                _, _, future, result = heapq.heappop(self._heap)
            if not future.cancelled():
                future.set_result(result)

    def utilisation(self, t0: float, t1: float) -> float:
        """Share of the ``n_workers`` × (t1 - t0) worker-seconds spent in units (cut units that
        were cancelled at the end count up to when they were dropped)."""
        busy = sum(max(0.0, min(e, t1) - max(s, t0)) for s, e in self.spans)
        return busy / (self.n_workers * (t1 - t0))

    def shutdown(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify()
        self.ended = time.monotonic()
