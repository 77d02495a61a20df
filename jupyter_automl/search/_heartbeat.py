"""Heartbeats: several processes can share a study on a database server.

Each process records, every ``INTERVAL`` seconds, a heartbeat for the trials it is running (in
Optuna's heartbeat table). A RUNNING trial whose heartbeat is older than ``GRACE`` seconds
belongs to a process that died (a killed kernel, a lost machine): any process sharing the study
fails it then (its reason: ``INTERRUPTED``) and enqueues its configuration once more
(``RetryFailedTrialCallback``), so the interrupted work is redone by whoever runs next. A process
that starts while another one runs therefore leaves the other's trials alone, which the
single-process rule "every RUNNING trial is an orphan" could not.

Optuna's own heartbeat runs only inside ``Study.optimize``; the coordinator asks and tells, so
the thread is here.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import optuna
from optuna.storages import RDBStorage, fail_stale_trials

from .._logging import get_logger

if TYPE_CHECKING:
    from ._batch_writes import BatchWriter

_log = get_logger(__name__)
INTERVAL = 5  # seconds between heartbeats
GRACE = 60  # seconds without a heartbeat before a running trial counts as interrupted


def heartbeat_rdb(url: str, **engine: object) -> RDBStorage:
    """An RDBStorage whose trials can be kept alive and found stale (see the module doc)."""
    try:  # Optuna 4.9 renamed the callback and its argument
        from optuna.storages import RetryHeartbeatStaleTrialCallback

        retry = {"heartbeat_stale_trial_callback": RetryHeartbeatStaleTrialCallback(max_retry=1)}
    except ImportError:
        from optuna.storages import RetryFailedTrialCallback

        retry = {"failed_trial_callback": RetryFailedTrialCallback(max_retry=1)}
    return RDBStorage(url, heartbeat_interval=INTERVAL, grace_period=GRACE,
                      engine_kwargs=dict(engine), **retry)


class Heartbeats:
    """A daemon thread recording heartbeats for this process's running trials.

    It runs while there are such trials and stops by itself when there are none left.
    """

    def __init__(self, rdb: RDBStorage, batches: BatchWriter | None = None):
        self.rdb = rdb
        self.batches = batches  # beats every live trial in one statement (else one transaction each)
        self._live: set[int] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.studies: set[str] = set()  # names of the studies checked for interrupted trials

    def add(self, trial_id: int, beaten: bool = False) -> None:
        """Keep ``trial_id`` alive; ``beaten``: its first heartbeat is already recorded."""
        if not beaten:
            self._beat(trial_id)  # at once: a trial without any heartbeat is never found stale
        with self._lock:
            self._live.add(trial_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="jupyter_automl-heartbeat")
                self._thread.start()

    def discard(self, trial_id: int) -> None:
        with self._lock:
            self._live.discard(trial_id)

    def stop(self) -> None:
        """No more heartbeats: trials still running here (a failed search) become interrupted."""
        with self._lock:
            self._live.clear()
            self.studies.clear()

    def _beat(self, trial_id: int) -> None:
        try:
            self.rdb.record_heartbeat(trial_id)
        except Exception as exc:  # the server is down: the next beat (or the grace) covers it
            _log.debug("heartbeat of trial id %d not recorded: %s", trial_id, exc)

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(INTERVAL):
            with self._lock:
                live = list(self._live)
                if not live:
                    self._thread = None
                    return
            if self.batches is not None:  # a thousand running trials: one statement, not 1,000
                try:
                    self.batches.beat(live)
                except Exception as exc:  # the server is down: the next beat (or the grace) covers it
                    _log.debug("heartbeats not recorded: %s", exc)
            else:
                for trial_id in live:
                    self._beat(trial_id)
            for name in list(self.studies):  # a process that died while this one runs
                fail_interrupted(name, self.rdb)


def fail_interrupted(study_name: str, rdb: RDBStorage) -> None:
    """Fail the study's running trials whose process stopped beating (then retried once)."""
    try:
        fail_stale_trials(optuna.load_study(study_name=study_name, storage=rdb))
    except Exception as exc:  # never fatal: they are tried again at the next start
        cause = exc.__cause__ or exc  # Optuna's wrapper says little; its cause says what
        _log.warning("could not check %s for interrupted trials: %s", study_name,
                     str(cause).strip().splitlines()[0] if str(cause).strip() else repr(cause))
