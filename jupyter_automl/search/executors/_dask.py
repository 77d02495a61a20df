"""Runs units on a Dask cluster: the data is scattered once to every worker, units are tasks.

``dask_client`` is a ``distributed.Client`` or a scheduler address (``"tcp://10.0.0.5:8786"``,
then the executor connects, and closes its client at the end). The workers must import the same
jupyter_automl (checked when the search starts). Failures come back as data:

- a worker that dies while running a unit (killed, lost, out of memory): the scheduler runs the
  unit again on another worker, as many times as its ``distributed.scheduler.allowed-failures``
  allows (1 = one retry; Dask's default is 3); then the trial fails with the reason, and the
  worker's nanny replaces the worker;
- a worker that dies holding the only copy of the training data (e.g. it was scattered before
  other workers joined): the data is scattered again and the units that needed it are submitted
  again (up to ``DATA_LOST_RETRIES`` times), instead of failing with a cancelled future;
- no worker left (every nanny restarting its worker at once): the data waits for one to come back
  (``WORKERS_BACK_TIMEOUT``), then ``ExecutorLostError``;
- the scheduler lost: ``ExecutorLostError`` ends the search; the finished trials are stored, the
  running ones failed as ``INTERRUPTED_LOST`` (by the coordinator), and the study can be resumed.
"""

from __future__ import annotations

import pickle
import secrets
import threading
import time
from concurrent.futures import Future, InvalidStateError
from dataclasses import replace
from typing import Any

from ..._compat import cluster_totals
from ..._logging import get_logger
from ..._optional import import_optional
from ..._version import __version__
from ...exceptions import ExecutorLostError, InputError, UnreachableError
from .._objective import FoldResult, TrainingData, refit, run_fold
from ._base import BaseExecutor

_log = get_logger(__name__)
CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler given by its address
WORKERS_REFRESH = 2.0  # seconds between reads of the live worker count
DATA_LOST_RETRIES = 2  # times a unit is submitted again because its training data was lost
WORKERS_BACK_TIMEOUT = 60.0  # seconds to wait for a worker when none is left (restarts take ~5 s)
MSG_DASK_CLIENT = ("The 'dask_client' parameter of AutoML must be a dask.distributed.Client or a "
                   "scheduler address such as 'tcp://10.0.0.5:8786'. Got {got!r} instead.")
MSG_CONNECT = ("Could not connect to the Dask scheduler at {address} within {timeout:g} s: {reason}. "
               "Check the address (tcp://host:8786) and that the scheduler is running and "
               "reachable from this machine.")
MSG_WORKERS_IMPORT = ("The Dask workers cannot run jupyter_automl's units ({reason}). Install the "
                      "same version on every worker: pip install \"jupyter_automl=={version}\" "
                      "(and the packages it needs, e.g. scikit-learn).")
MSG_VERSIONS = ("The Dask workers run jupyter_automl {theirs}, this process {ours}: install the same "
                "version everywhere, or results may differ. Workers: {workers}")
MSG_LOST = ("Lost the connection to the Dask scheduler at {address}: {reason}. The trials that "
            "finished are kept in the study; resume it with the same study_name once the "
            "scheduler is back, or on this machine (executor='threads'). The trials that were "
            "running are recorded as failed (interrupted).")
# what Dask's words for a lost scheduler mean, for MSG_LOST
LOST_REASONS = {"scheduler-connection-lost": "the scheduler stopped or the network to it failed",
                "closed": "the client was closed", "closing": "the client was closed",
                "connecting": "the scheduler stopped answering and the client could not reconnect"}
MSG_NO_WORKERS = ("The Dask cluster at {address} has no worker left, and none came back within "
                  "{timeout:g} s (workers killed, out of memory, or scaled down). The trials that "
                  "finished are kept in the study; resume it with the same study_name once the "
                  "cluster has workers again, or on this machine (executor='threads').")
INTERRUPTED_LOST = ("interrupted: the Dask cluster was lost while it ran (its scheduler or every "
                    "worker)")


def worker_versions() -> dict[str, str]:
    """Run on each worker: the versions that must match the coordinator's."""
    import sklearn

    return {"jupyter_automl": __version__, "scikit-learn": sklearn.__version__}


def run_fold_on_worker(data: TrainingData, params: dict[str, Any], fold: int,
                       deadline: float | None = None) -> FoldResult:
    """``run_fold`` as a Dask task: the result names the worker that ran it (leaderboard
    ``workers``), known for free here and not without asking the scheduler afterwards."""
    from distributed import get_worker

    return replace(run_fold(data, params, fold, deadline), worker=get_worker().address)


def connect_dask(address: str, timeout: float | None = None) -> Any:
    """A ``distributed.Client`` on the scheduler at ``address``; a clear ``UnreachableError`` if
    it cannot be reached within ``timeout`` seconds (default ``CONNECT_TIMEOUT``)."""
    distributed = import_optional("distributed")
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    if not isinstance(address, str) or not address.strip():
        raise InputError(MSG_DASK_CLIENT.format(got=address))
    try:
        return distributed.Client(address.strip(), timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreachableError(MSG_CONNECT.format(address=address, timeout=timeout, reason=reason)) from exc


def dask_cluster_info(client: Any) -> dict[str, Any]:
    """What a person wants to know about a cluster: address, workers, threads, memory, dashboard."""
    info = client.scheduler_info(n_workers=0)
    try:
        dashboard = client.dashboard_link if info.get("services", {}).get("dashboard") else None
    except Exception:  # no dashboard (started without bokeh, or disabled)
        dashboard = None
    n_workers, n_threads, memory = cluster_totals(info)
    return {"address": client.scheduler.address, "n_workers": n_workers, "n_threads": n_threads,
            "memory_gb": round(memory / 1e9, 1), "dashboard_link": dashboard}


class DaskExecutor(BaseExecutor):
    """Submits units to a Dask cluster (see the module doc).

    Units run in the workers' threads; one thread per core gives predictable timings. The
    number of units in flight follows the cluster's thread count as workers come and go.
    """

    def __init__(self, client: Any, unit_timeout: float | None = None):
        distributed = import_optional("distributed")
        self._owns_client = isinstance(client, str)
        if self._owns_client:
            client = connect_dask(client)
        elif not isinstance(client, distributed.Client):
            raise InputError(MSG_DASK_CLIENT.format(got=client))
        self.client = client
        self._address = getattr(client.scheduler, "address", "?")
        self._n_workers_at = 0.0
        self._scatter_lock = threading.Lock()  # the coordinator and Dask's callback thread scatter
        self._closing = False  # set by shutdown: cancelled units are not submitted again
        self._no_workers_error: ExecutorLostError | None = None  # set when no worker came back
        super().__init__(1, unit_timeout)
        try:
            self._check_workers()
        except BaseException:
            self._close_client()
            raise
        self.n_units = 0
        self.unit_bytes = 0  # pickled arguments of every unit submitted (bytes per unit: / n_units)
        self.data_bytes = 0  # the training data, sent once to each worker

    # -- the live worker count --------------------------------------------------------------

    @property
    def n_workers(self) -> int:
        """Threads of the cluster's workers (read again every ``WORKERS_REFRESH`` seconds)."""
        now = time.monotonic()
        if now - self._n_workers_at >= WORKERS_REFRESH and self.client.status == "running":
            self._n_workers_at = now
            try:
                info = self.client.scheduler_info(n_workers=0)
                self._n_workers = max(1, cluster_totals(info)[1])
            except Exception:  # the scheduler is unreachable: the next submit says so
                pass
        return self._n_workers

    @n_workers.setter
    def n_workers(self, value: int) -> None:
        self._n_workers = max(1, int(value))

    def _check_workers(self) -> None:
        try:
            found = self.client.run(worker_versions)
        except Exception as exc:  # ModuleNotFoundError on a worker, pickling errors...
            reason = f"{type(exc).__name__}: {exc}"
            raise InputError(MSG_WORKERS_IMPORT.format(reason=reason[:300], version=__version__)) from exc
        ours = worker_versions()
        odd = {w: v for w, v in found.items() if v != ours}
        if odd:
            theirs = sorted({v["jupyter_automl"] for v in odd.values()})
            _log.warning(MSG_VERSIONS.format(theirs=", ".join(theirs), ours=ours["jupyter_automl"],
                                             workers=", ".join(sorted(odd))[:300]))

    # -- units ------------------------------------------------------------------------------

    def start(self, data: TrainingData) -> None:
        # our future -> its Dask task now (a retry replaces it); a future leaves when it resolves
        # or is cancelled, so the values are the tasks still out
        self._task_of: dict[Future, Any] = {}
        self.data_bytes = len(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        self._scatter(data)

    def _scatter(self, data: TrainingData) -> None:
        # broadcast: every worker gets the data once now; a worker that joins later fetches it
        # from a peer with its first unit
        self._training = data
        if self._no_workers_error is not None:
            # a wait already gave up: another caller (a unit resubmitted from Dask's callback
            # thread, then the coordinator) must not wait the whole timeout again
            raise self._no_workers_error
        deadline = time.monotonic() + WORKERS_BACK_TIMEOUT
        while True:
            try:
                # every worker may be restarting (their nannies killed them for memory): Dask's
                # scatter then fails at once with "No valid workers found"
                self.client.wait_for_workers(1, timeout=max(0.1, deadline - time.monotonic()))
                [self._data] = self.client.scatter([data], broadcast=True, hash=False)
                return
            except TimeoutError as exc:  # no worker, or the last one left before the scatter
                if time.monotonic() >= deadline:
                    self._no_workers_error = ExecutorLostError(MSG_NO_WORKERS.format(
                        address=self._address, timeout=WORKERS_BACK_TIMEOUT))
                    raise self._no_workers_error from exc

    def _data_lost(self) -> bool:
        return self._data.status in ("lost", "cancelled", "error")

    def _rescatter_if_lost(self) -> None:
        with self._scatter_lock:
            if self._data_lost():
                # every worker that held the data died: send it again
                _log.warning("the training data was lost on the cluster; scattering it again")
                self._scatter(self._training)

    def _check_alive(self) -> None:
        if self.client.status != "running":
            raise self._lost(self.client.status)
        self._rescatter_if_lost()

    def _key(self, kind: str, params: dict[str, Any]) -> str:
        # the dashboard groups tasks by this prefix: "run_fold-gradient_boosting"
        return f"{kind}-{params.get('family', 'unit')}-{secrets.token_hex(8)}"

    def submit_fold(self, params: dict[str, Any], fold: int,
                    deadline: float | None = None) -> Future[FoldResult]:
        self._check_alive()
        self.n_units += 1
        key = self._key("run_fold", params)
        # what one unit sends: the data travels as its key only (scattered once in ``start``)
        self.unit_bytes += len(pickle.dumps((run_fold_on_worker, self._data.key, params, fold,
                                             deadline, key)))
        return self._wrap(lambda: self.client.submit(run_fold_on_worker, self._data, params, fold,
                                                     deadline, pure=False,
                                                     key=self._key("run_fold", params)), fold)

    def submit_refit(self, params: dict[str, Any], deadline: float | None = None,
                     rows: Any = None) -> Future[Any]:
        self._check_alive()
        return self._wrap(lambda: self.client.submit(refit, self._data, params, deadline, rows,
                                                     pure=False, key=self._key("refit", params)), None)

    def _wrap(self, submit: Any, fold: int | None) -> Future:
        """A future of this process for the Dask task ``submit()`` makes; the task is submitted
        again (with the data scattered again) when it was cancelled because its data was lost."""
        future: Future = Future()
        future.set_running_or_notify_cancel()
        t0, since = time.monotonic(), time.time()  # since: Dask's events are stamped with time()
        retries = [DATA_LOST_RETRIES]
        sent_with: list[str] = []  # the key of the training data each submission used

        def launch() -> None:
            sent_with.append(self._data.key)
            task = submit()
            self._task_of[future] = task
            task.add_done_callback(done)

        def done(f: Any) -> None:  # runs on Dask's callback thread
            if future.done():  # cancelled by ``cancel``: the trial has ended
                return
            self._task_of.pop(future, None)
            try:
                future.set_result(f.result())
            except BaseException as exc:  # noqa: BLE001 - cancelled, killed or lost on the cluster
                if self._resubmit_after_data_loss(exc, retries, launch, sent_with[-1]):
                    return
                try:
                    lost = self._data_lost() or sent_with[-1] != self._data.key
                    failure = self._failure(exc, since, len(sent_with) if lost else 0)
                except Exception:  # never leave the coordinator waiting on a future nobody sets
                    failure = (f"the Dask task failed: {type(exc).__name__}: {exc}"[:300],
                               type(exc).__name__)
                if isinstance(failure, ExecutorLostError):
                    future.set_exception(failure)
                elif fold is None:
                    future.set_exception(RuntimeError(f"refit failed: {failure[0]}"))
                else:
                    reason, kind = failure
                    future.set_result(FoldResult(fold, None, time.monotonic() - t0, 0.0, None, reason, kind))

        launch()
        return future

    def cancel(self, future: Future) -> bool:
        """Cancel the Dask task of a fold whose trial has ended (one that went over the memory
        limit would otherwise be retried, taking down more workers); the future resolves as a
        failed fold, ignored by the coordinator. A task already running finishes in its thread."""
        task = self._task_of.pop(future, None)
        if task is None:
            return False
        try:
            future.set_result(FoldResult(-1, None, 0.0, 0.0, None, "cancelled: its trial ended",
                                         "Cancelled"))
        except InvalidStateError:  # it finished meanwhile, on Dask's callback thread
            return False
        try:
            self.client.cancel([task])
        except Exception:  # the scheduler is gone: shutdown cleans up what it can
            _log.debug("could not cancel a Dask task", exc_info=True)
        return True

    def _resubmit_after_data_loss(self, exc: BaseException, retries: list[int], launch: Any,
                                  data_key: str) -> bool:
        """Submit a unit again when it was cancelled because the worker(s) holding the training
        data died (scattered data has no lineage: the scheduler cannot recompute it)."""
        distributed = import_optional("distributed")
        # lost now, or lost and already scattered again for another unit cancelled at the same time
        lost = self._data_lost() or data_key != self._data.key
        if not (isinstance(exc, distributed.client.FutureCancelledError) and retries[0] > 0
                and not self._closing and self.client.status == "running" and lost):
            return False
        retries[0] -= 1
        try:
            self._rescatter_if_lost()
            launch()
        except Exception:  # the cluster is going away: report the original failure
            _log.debug("could not submit a unit again after its data was lost", exc_info=True)
            return False
        _log.warning("a unit was cancelled because its training data was lost with a worker; "
                     "submitted it again")
        return True

    def _failure(self, exc: BaseException, since: float = 0.0,
                 data_lost_tries: int = 0) -> ExecutorLostError | tuple[str, str]:
        """What a failed task means: ExecutorLostError, or the (reason, kind) the trial fails with.

        ``data_lost_tries``: the task was cancelled, that many times, because the workers holding
        the training data died (submitted at ``since``, a ``time.time()``)."""
        distributed = import_optional("distributed")
        cancelled_reason = getattr(exc, "reason", None)
        if self.client.status != "running" or cancelled_reason == "scheduler-connection-lost":
            return self._lost(cancelled_reason or self.client.status)
        if isinstance(exc, distributed.KilledWorker):
            address = getattr(exc.last_worker, "address", "?")
            tries = exc.allowed_failures + 1
            memory = self._memory_restarts(address=address)
            if memory:
                return (f"ran out of memory: the Dask worker {address} running it used "
                        f"{memory[-1] / 1e6:.0f} MB, over its memory limit, and its nanny "
                        f"restarted it; tried on {tries} worker(s)", "MemoryError")
            return (f"the Dask worker running it died ({tries} worker(s) tried: killed, lost or "
                    "out of memory; see the workers' logs)", "WorkerDied")
        if data_lost_tries and isinstance(exc, distributed.client.FutureCancelledError):
            # a unit over the memory limit takes down each worker it runs on, and with the last
            # one the data: Dask then cancels it instead of raising KilledWorker
            memory = self._memory_restarts(since=since)
            if memory:
                return (f"ran out of memory: Dask workers went over their memory limit "
                        f"{len(memory)} time(s) while it ran (up to {max(memory) / 1e6:.0f} MB) "
                        f"and their nannies restarted them, losing its data; tried "
                        f"{data_lost_tries} times", "MemoryError")
            return (f"the Dask workers holding its data died while it ran ({data_lost_tries} "
                    "tries: killed, lost or out of memory; see the workers' logs)", "WorkerDied")
        reason = f"{type(exc).__name__}: {exc}".strip()
        return f"the Dask task failed: {reason[:300]}", type(exc).__name__

    def _lost(self, why: str) -> ExecutorLostError:
        reason = LOST_REASONS.get(why, f"the Dask client is {why}")
        return ExecutorLostError(MSG_LOST.format(address=self._address, reason=reason))

    def _memory_restarts(self, address: str | None = None, since: float = 0.0) -> list[float]:
        """The memory (bytes) at which nannies restarted their workers (worker ``address`` only,
        when given) from ``since`` (``time.time()``) on, oldest first."""
        try:
            events = self.client.get_events("worker-restart-memory")
        except Exception:
            return []
        return [float(msg.get("rss", 0)) for stamp, msg in events
                if stamp >= since and address in (None, msg.get("worker"))]

    def _close_client(self) -> None:
        if self._owns_client:
            try:
                self.client.close(timeout=5)
            except Exception:
                pass

    def shutdown(self) -> None:
        self._closing = True
        try:
            if self.client.status == "running" and hasattr(self, "_data"):
                tasks = list(dict(self._task_of).values())  # a copy: callbacks change the map
                if tasks:
                    self.client.cancel(tasks)
                key = self._data.key
                self.client.cancel([self._data])
                # cancelling is asynchronous: wait (briefly) until the workers dropped the data,
                # so a finished fit leaves nothing behind on a shared cluster
                deadline = time.monotonic() + 2.0
                while self.client.who_has().get(key) and time.monotonic() < deadline:
                    time.sleep(0.05)
        except Exception:  # the scheduler is gone: nothing is left to clean up
            _log.debug("could not clean up the Dask cluster", exc_info=True)
        finally:
            self._close_client()
