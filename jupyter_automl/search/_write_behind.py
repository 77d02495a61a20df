"""This process's running trials live in memory first; a writer thread takes them to the database.

On a database each storage call is a round of SQL statements (about 3 ms each through Optuna's
ORM on PostgreSQL; a commit to a SQLite file costs as much): some 22 writes a trial (params, fold
scores, attributes), and at every sampler or pruner call a read of every running trial's rows.
With hundreds of workers the coordinator spent its time there (``benchmarks/bench_coordinator.py``:
busy 99.5 s of a 150 s phase at 256 workers, which were 47 % busy). ``WriteBehindStorage`` takes
that off its thread; ``_storage.open_study`` uses it for every database (the default SQLite file
too), not for memory or journal storage:

- a write to a trial this process runs changes that trial's copy in memory at once and is queued;
  one writer thread sends the queue to the database in order: with a ``BatchWriter``
  (``_batch_writes``) every write queued while the last batch was stored goes in one
  transaction; without, one at a time (each retried through ``RetryingStorage`` while a server
  is away);
- ending a trial waits for that trial's queued writes, then writes its state (with a
  ``BatchWriter``, in the same transaction as its last writes): when ``tell`` returns, the
  finished trial is in the database with every param and attribute, so a process killed at any
  moment loses no finished trial (a running one is found interrupted, as before);
- the trial list is the last one read from the database, at most ``REFRESH`` seconds old (or ten
  times as long as that read took), with this process's trials taken from memory. Other
  processes' trials (optuna-dashboard's view is the database's) are seen that much later.

A write the writer could not make (the database stayed away past the retries) is raised by the
next call that waits for the database: a new trial, a trial's end, or ``flush``.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from collections.abc import Container, Sequence
from datetime import datetime
from typing import Any

from optuna.distributions import BaseDistribution, check_distribution_compatibility
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from .._compat import UPDATE_FINISHED_TRIAL_ERROR
from .._logging import get_logger
from ._batch_writes import ENDS, BatchWriter
from ._retry import error_reason
from ._snapshot import delegate_to_backend

_log = get_logger(__name__)
REFRESH = 1.0  # seconds a read of the study's trial list is used before the database is read again
IDLE = 2.0  # seconds the writer thread waits for work before it ends (a new write starts it again)
MAX_BATCH = 1000  # writes stored in one transaction at most


class WriteBehindStorage(BaseStorage):
    """Wraps a database storage: this process's running trials are written behind (see the module)."""

    def __init__(self, backend: BaseStorage, writes: BaseStorage | None = None,
                 refresh: float = REFRESH, batches: BatchWriter | None = None):
        self.backend = backend
        # where the writer writes: not through Optuna's cache, whose lock a param write holds
        # while the database answers (and every read waits for that lock)
        self.writes = writes if writes is not None else backend
        self.batches = batches  # None: one write (one transaction) at a time
        self.refresh = refresh
        self._lock = threading.Condition()
        self._own: dict[int, FrozenTrial] = {}  # trial id -> this process's trial, newest copy
        self._own_by_study: dict[int, dict[int, FrozenTrial]] = {}  # study id -> trial id -> trial
        self._study_of: dict[int, int] = {}  # own trial id -> study id
        self._numbers: dict[tuple[int, int], int] = {}  # (study id, number) -> own trial id
        self._dists: dict[int, dict[str, BaseDistribution]] = {}  # study id -> a param's first distribution
        self._read: dict[int, tuple[float, list[FrozenTrial]]] = {}  # study id -> (when, trials read)
        self._read_seconds = 0.0  # how long the last read of a trial list took
        self._queue: deque[tuple[int, int, str, tuple]] = deque()  # (seq, trial id, method, args)
        self._queued = 0  # seq of the last write queued
        self._written = 0  # seq of the last write done (or dropped)
        self._last_of: dict[int, int] = {}  # trial id -> seq of its last queued write
        self._error: BaseException | None = None
        self._ended_elsewhere: set[int] = set()  # own trials whose batched end found them ended
        self._writer: threading.Thread | None = None
        self.n_written = 0  # writes the writer thread made (for tests and benchmarks)

    def __getattr__(self, name: str) -> Any:  # e.g. RetryingStorage.heartbeats, url
        if name == "backend":
            raise AttributeError(name)
        return getattr(self.backend, name)

    # -- this process's trials ------------------------------------------------------------------

    def _adopt(self, trial_id: int, study_id: int | None) -> None:
        """``trial_id`` now runs in this process: its copy in memory is the one read and written."""
        if study_id is None:  # not found: its writes go straight to the database, as before
            return
        self._hold(self.backend.get_trial(trial_id), study_id)

    def _hold(self, trial: FrozenTrial, study_id: int) -> None:
        """``trial`` (just created or taken here) is read and written in memory from now on."""
        trial_id = trial._trial_id
        with self._lock:
            self._own[trial_id] = trial
            self._own_by_study.setdefault(study_id, {})[trial_id] = trial
            self._study_of[trial_id] = study_id
            self._numbers[study_id, trial.number] = trial_id

    def _study_holding(self, trial_id: int) -> int | None:
        """The study of a waiting trial this process takes (it was in a trial list read here)."""
        with self._lock:
            for study_id, (_, read) in self._read.items():
                if any(t._trial_id == trial_id for t in read):
                    return study_id
            studies = set(self._read) | set(self._own_by_study)
        return studies.pop() if len(studies) == 1 else None

    def _replace(self, trial: FrozenTrial) -> None:
        """Copy on write: a trial handed out earlier never changes under its reader."""
        trial_id = trial._trial_id
        self._own[trial_id] = trial
        self._own_by_study[self._study_of[trial_id]][trial_id] = trial

    def _write(self, trial_id: int, method: str, *args: Any) -> bool:
        """Apply a write to the copy in memory and queue it; False if the trial is not ours."""
        with self._lock:
            trial = self._own.get(trial_id)
            if trial is None:
                return False
            self.check_trial_is_updatable(trial_id, trial.state)
            trial = copy.copy(trial)
            if method == "set_trial_param":
                name, internal, dist = args
                first = self._dists.setdefault(self._study_of[trial_id], {}).setdefault(name, dist)
                check_distribution_compatibility(first, dist)
                trial.params = {**trial.params, name: dist.to_external_repr(internal)}
                trial.distributions = {**trial.distributions, name: dist}
            elif method == "set_trial_intermediate_value":
                trial.intermediate_values = {**trial.intermediate_values, args[0]: args[1]}
            elif method == "set_trial_user_attr":
                trial.user_attrs = {**trial.user_attrs, args[0]: args[1]}
            else:
                trial.system_attrs = {**trial.system_attrs, args[0]: args[1]}
            self._replace(trial)
            self._enqueue(trial_id, method, args)
        return True

    def _enqueue(self, trial_id: int, method: str, args: tuple) -> None:
        """Queue a write for the writer thread (under the lock)."""
        self._queued += 1
        self._queue.append((self._queued, trial_id, method, (trial_id, *args)))
        self._last_of[trial_id] = self._queued
        self._ensure_writer()
        self._lock.notify_all()

    def _ensure_writer(self) -> None:
        """A writer thread runs while writes are queued (under the lock)."""
        if self._queue and (self._writer is None or not self._writer.is_alive()):
            self._writer = threading.Thread(target=self._write_queue, daemon=True,
                                            name="jupyter_automl-write-behind")
            self._writer.start()

    def _write_queue(self) -> None:
        while True:
            with self._lock:
                if not self._queue and not self._lock.wait_for(lambda: self._queue, IDLE):
                    self._writer = None
                    return
                size = MAX_BATCH if self.batches is not None else 1
                batch = [self._queue.popleft() for _ in range(min(size, len(self._queue)))]
            try:
                self._store(batch)
            except Exception as exc:  # the database stayed away: raised by the next waiting call
                _log.error("could not write a trial to the study: %s", error_reason(exc))
                with self._lock:
                    self._error = self._error or exc
                    self._written = self._queued
                    self._queue.clear()
                    self._lock.notify_all()
                continue
            with self._lock:
                self._written = batch[-1][0]
                self._lock.notify_all()

    def _store(self, batch: list[tuple[int, int, str, tuple]]) -> None:
        """Write a batch of queued writes: in one transaction with a ``BatchWriter``, else one by one."""
        if self.batches is not None:
            ended = self.batches.write([(trial_id, method, args[1:]) for _, trial_id, method, args in batch])
            for trial_id in ended:
                _log.warning("trial id %d was ended elsewhere; its writes are not stored", trial_id)
            with self._lock:  # the end of such a trial is refused to its caller (see _end_in_batch)
                self._ended_elsewhere |= ended & {trial_id for _, trial_id, method, _ in batch if method == ENDS}
            self.n_written += len(batch)
            return
        for _, trial_id, method, args in batch:
            try:
                getattr(self.writes, method)(*args)
                self.n_written += 1
            except UPDATE_FINISHED_TRIAL_ERROR:  # another process ended it (found it interrupted)
                _log.warning("trial id %d was ended elsewhere; its %s is not stored", trial_id, method)

    def flush(self, trial_id: int | None = None) -> None:
        """Wait until the queued writes (of ``trial_id``, or all) are in the database."""
        with self._lock:
            target = self._queued if trial_id is None else self._last_of.get(trial_id, 0)
            while self._written < target and self._error is None:
                self._ensure_writer()  # never waits on a writer that is gone
                self._lock.wait(1.0)
            if self._error is not None:
                raise self._error

    def stale(self, study_id: int | None = None) -> None:
        """The next read of the trial list goes to the database (e.g. before the final model)."""
        with self._lock:
            for sid in [study_id] if study_id is not None else list(self._read):
                self._read[sid] = (0.0, [])

    def _raise_error(self) -> None:
        with self._lock:
            if self._error is not None:
                raise self._error

    # -- writes ---------------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        self._raise_error()
        heartbeats = getattr(self.backend, "heartbeats", None)
        if template_trial is None and self.batches is not None and heartbeats is not None:
            trial = self.batches.start_trial(study_id)  # one transaction, not three and a read
            heartbeats.add(trial._trial_id, beaten=True)
            self._hold(trial, study_id)
            return trial._trial_id
        trial_id = self.backend.create_new_trial(study_id, template_trial)
        if template_trial is None or template_trial.state == TrialState.RUNNING:
            self._adopt(trial_id, study_id)  # read from memory from now on
        else:  # enqueued (waiting), or added whole: seen at the next read
            self.stale(study_id)
        return trial_id

    def set_trial_state_values(self, trial_id: int, state: TrialState,
                               values: Sequence[float] | None = None) -> bool:
        if trial_id not in self._own:
            written = self.backend.set_trial_state_values(trial_id, state, values)
            if written and state == TrialState.RUNNING:  # a waiting trial, taken by this process
                self._adopt(trial_id, self._study_holding(trial_id))
            elif written:  # e.g. an orphan failed at a resume: the next read shows it
                self.stale()
            return written
        if self.batches is not None and state.is_finished():
            written = self._end_in_batch(trial_id, state, values)
        else:
            self.flush(trial_id)
            try:
                written = self.backend.set_trial_state_values(trial_id, state, values)
            except UPDATE_FINISHED_TRIAL_ERROR:  # ended elsewhere meanwhile: keep what the database says
                self._reread(trial_id)
                raise
        if written:
            with self._lock:
                trial = copy.copy(self._own[trial_id])
                trial.state = state
                if values is not None:
                    trial.values = values
                if state.is_finished():
                    trial.datetime_complete = datetime.now()
                self._replace(trial)
        return written

    def _end_in_batch(self, trial_id: int, state: TrialState, values: Sequence[float] | None) -> bool:
        """End one of this process's trials in the writer's next batch, with its last writes."""
        with self._lock:
            self.check_trial_is_updatable(trial_id, self._own[trial_id].state)
            self._enqueue(trial_id, ENDS, (state, values))
        self.flush(trial_id)
        with self._lock:
            refused = trial_id in self._ended_elsewhere
            self._ended_elsewhere.discard(trial_id)
        if refused:
            self._reread(trial_id)
            raise UPDATE_FINISHED_TRIAL_ERROR(f"Trial#{self._own[trial_id].number} has already finished "
                                              "(ended by another process) and can not be updated.")
        heartbeats = getattr(self.backend, "heartbeats", None)
        if heartbeats is not None:  # as RetryingStorage does for the ends it writes
            heartbeats.discard(trial_id)
        return True

    def _reread(self, trial_id: int) -> None:
        """Ended elsewhere: the copy in memory becomes what the database says."""
        trial = self.backend.get_trial(trial_id)
        with self._lock:
            self._replace(trial)

    def set_trial_param(self, trial_id: int, param_name: str, param_value_internal: float,
                        distribution: BaseDistribution) -> None:
        if not self._write(trial_id, "set_trial_param", param_name, param_value_internal, distribution):
            self.backend.set_trial_param(trial_id, param_name, param_value_internal, distribution)

    def set_trial_intermediate_value(self, trial_id: int, step: int, intermediate_value: float) -> None:
        if not self._write(trial_id, "set_trial_intermediate_value", step, intermediate_value):
            self.backend.set_trial_intermediate_value(trial_id, step, intermediate_value)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        if not self._write(trial_id, "set_trial_user_attr", key, value):
            self.backend.set_trial_user_attr(trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        if not self._write(trial_id, "set_trial_system_attr", key, value):
            self.backend.set_trial_system_attr(trial_id, key, value)

    # -- reads ----------------------------------------------------------------------------------

    def get_trial(self, trial_id: int) -> FrozenTrial:
        trial = self._own.get(trial_id)
        return trial if trial is not None else self.backend.get_trial(trial_id)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        trial_id = self._numbers.get((study_id, trial_number))
        if trial_id is not None:
            return trial_id
        return self.backend.get_trial_id_from_study_id_trial_number(study_id, trial_number)

    def get_all_trials(self, study_id: int, deepcopy: bool = True,
                       states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        with self._lock:
            when, read = self._read.get(study_id, (0.0, None))
        # reads take at most a tenth of this thread's time (a read of hundreds of running trials
        # of other processes takes a tenth of a second)
        if read is None or time.monotonic() - when > max(self.refresh, 10 * self._read_seconds):
            when = time.monotonic()
            read = self.backend.get_all_trials(study_id, deepcopy=False)
            self._read_seconds = time.monotonic() - when
            with self._lock:
                self._read[study_id] = (when, read)
        with self._lock:
            own = dict(self._own_by_study.get(study_id, {}))
        trials = [own.pop(t._trial_id, t) for t in read]
        if own:  # started since the last read
            trials = sorted(trials + list(own.values()), key=lambda t: t.number)
        if states is not None:
            trials = [t for t in trials if t.state in states]
        return copy.deepcopy(trials) if deepcopy else trials

    def get_n_trials(self, study_id: int, state: Any = None) -> int:
        states = None if state is None else (tuple(state) if isinstance(state, (tuple, list)) else (state,))
        return len(self.get_all_trials(study_id, deepcopy=False, states=states))


# every other public method (the study's own calls, heartbeats) goes straight to the backend;
# BaseStorage's own readers go through the reads above
delegate_to_backend(WriteBehindStorage, keep=(
    "get_best_trial", "check_trial_is_updatable", "get_trial_param", "get_trial_params",
    "get_trial_user_attrs", "get_trial_system_attrs", "get_trial_number_from_id"))
