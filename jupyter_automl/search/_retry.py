"""Storage calls that survive a database restart: retried with backoff, then a clear error.

A PostgreSQL server that restarts, a connection the server or the network dropped, a SQLite file
locked by a reader: the call is tried again after 0.2 s, 0.4 s, 0.8 s... (at most
``MAX_WAIT`` apart) for up to ``RETRY_SECONDS``. After that, ``StorageUnavailableError`` says what
failed, for how long, and that the finished trials are kept. Errors that are not about the
connection (bad data, a finished trial written again) are raised at once.

``RetryingStorage`` wraps an Optuna storage so that every call Optuna makes (asks, tells,
samplers reading the history) gets this behaviour; with ``pool_pre_ping`` (set in
``_storage.make_storage``) connections the server closed are replaced before they are used.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Container, Sequence
from typing import Any, TypeVar

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from .._compat import UPDATE_FINISHED_TRIAL_ERROR
from .._logging import get_logger
from ..exceptions import StorageUnavailableError
from ._heartbeat import Heartbeats

_log = get_logger(__name__)
T = TypeVar("T")

RETRY_SECONDS = 60.0  # how long a storage call is retried before the search gives up
FIRST_WAIT = 0.2
MAX_WAIT = 5.0
MSG_UNAVAILABLE = ("The study storage {url} did not answer for {seconds:.0f} s ({what}: {reason}). "
                   "Trials that finished before are kept in the study. Check that the database "
                   "server is running, then resume the search with the same study_name.")


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is about the connection, so that a retry may succeed."""
    import sqlalchemy.exc as sa

    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, (sa.OperationalError, sa.InterfaceError, sa.DisconnectionError,
                          sa.TimeoutError, ConnectionError)):
            return True
        if isinstance(e, sa.DBAPIError) and e.connection_invalidated:
            return True
        e = e.__cause__ or e.__context__
    return False


def error_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    cause = exc.__cause__
    if cause is not None and (not text or text[0].startswith("An exception is raised during")):
        text = str(cause).strip().splitlines()  # Optuna's wrapper says little; its cause says what
    return (text[0] if text else type(exc).__name__)[:200]


def call_with_retries(fn: Callable[..., T], *args: Any, what: str, url: str = "the storage",
                      retry_seconds: float | None = None, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, retried while it fails for a transient reason."""
    limit = RETRY_SECONDS if retry_seconds is None else retry_seconds
    t0 = time.monotonic()
    wait = FIRST_WAIT
    attempt = 0
    while True:
        attempt += 1
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            if not is_transient(exc):
                raise
            waited = time.monotonic() - t0
            if waited + wait > limit:
                raise StorageUnavailableError(MSG_UNAVAILABLE.format(
                    url=url, seconds=max(waited, limit), what=what, reason=error_reason(exc))) from exc
            if attempt == 1:
                _log.warning("%s failed (%s); retrying for up to %.0f s", what, error_reason(exc), limit)
            time.sleep(wait)
            wait = min(MAX_WAIT, 2 * wait)
            continue
        if attempt > 1:
            _log.warning("%s succeeded after %d attempts (%.1f s)", what, attempt, time.monotonic() - t0)
        return result


class RetryingStorage(BaseStorage):
    """An Optuna storage whose calls are retried while the database is unreachable.

    Writes are safe to repeat: attributes, params and intermediate values are keyed, and a
    state change that did reach the database before its answer was lost is recognised. A trial
    created twice that way stays RUNNING without an owner and is closed as interrupted later.
    """

    def __init__(self, backend: BaseStorage, url: str, heartbeats: Heartbeats | None = None):
        self.backend = backend
        self.url = url
        self.heartbeats = heartbeats

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return call_with_retries(fn, *args, what=what, url=self.url, **kwargs)

    # -- studies -------------------------------------------------------------------------------

    def create_new_study(self, directions: Sequence[Any], study_name: str | None = None) -> int:
        return self._call("creating the study", self.backend.create_new_study, directions, study_name)

    def delete_study(self, study_id: int) -> None:
        self._call("deleting the study", self.backend.delete_study, study_id)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._call("writing a study attribute", self.backend.set_study_user_attr, study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._call("writing a study attribute", self.backend.set_study_system_attr, study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        return self._call("reading the study", self.backend.get_study_id_from_name, study_name)

    def get_study_name_from_id(self, study_id: int) -> str:
        return self._call("reading the study", self.backend.get_study_name_from_id, study_id)

    def get_study_directions(self, study_id: int) -> list[Any]:
        return self._call("reading the study", self.backend.get_study_directions, study_id)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._call("reading the study", self.backend.get_study_user_attrs, study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._call("reading the study", self.backend.get_study_system_attrs, study_id)

    def get_all_studies(self) -> list[Any]:
        return self._call("listing the studies", self.backend.get_all_studies)

    # -- trials --------------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        running = template_trial is None or template_trial.state == TrialState.RUNNING
        if self.heartbeats is None or not running:
            return self._call("creating a trial", self.backend.create_new_trial, study_id, template_trial)
        # Created WAITING, then taken (with its first heartbeat, see set_trial_state_values): a
        # process killed in between leaves a waiting trial that anyone runs, never a RUNNING one
        # without a heartbeat, which no process could ever find interrupted.
        while True:
            trial_id = self._call("creating a trial", self.backend.create_new_trial, study_id,
                                  _waiting(template_trial))
            if self.set_trial_state_values(trial_id, TrialState.RUNNING):
                return trial_id  # else another process sharing the study took it: a new one

    def set_trial_param(self, trial_id: int, param_name: str, param_value_internal: float,
                        distribution: Any) -> None:
        self._call("writing a trial's param", self.backend.set_trial_param, trial_id, param_name,
                   param_value_internal, distribution)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        return self._call("reading a trial", self.backend.get_trial_id_from_study_id_trial_number,
                          study_id, trial_number)

    def set_trial_state_values(self, trial_id: int, state: TrialState,
                               values: Sequence[float] | None = None) -> bool:
        attempts = 0

        def once() -> bool:
            nonlocal attempts
            attempts += 1
            try:
                return self.backend.set_trial_state_values(trial_id, state, values)
            except UPDATE_FINISHED_TRIAL_ERROR:
                # an earlier attempt was written but its answer was lost: the trial has the state
                if attempts > 1 and self.backend.get_trial(trial_id).state == state:
                    return True
                raise

        taking = self.heartbeats is not None and state == TrialState.RUNNING
        if taking:  # a waiting trial this process takes: beating first leaves no unbeaten RUNNING trial
            self.heartbeats.add(trial_id)
        written = False
        try:
            written = self._call("writing a trial's state", once)
        finally:
            if self.heartbeats is not None and (state.is_finished() and written
                                                or taking and not written):
                self.heartbeats.discard(trial_id)
        return written

    def set_trial_intermediate_value(self, trial_id: int, step: int, intermediate_value: float) -> None:
        self._call("writing a fold score", self.backend.set_trial_intermediate_value, trial_id, step,
                   intermediate_value)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._call("writing a trial attribute", self.backend.set_trial_user_attr, trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._call("writing a trial attribute", self.backend.set_trial_system_attr, trial_id, key, value)

    def get_trial(self, trial_id: int) -> FrozenTrial:
        return self._call("reading a trial", self.backend.get_trial, trial_id)

    def get_all_trials(self, study_id: int, deepcopy: bool = True,
                       states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        return self._call("reading the trials", self.backend.get_all_trials, study_id, deepcopy, states)

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        return self._call("reading the best trial", self.backend.get_best_trial, study_id)

    def get_n_trials(self, study_id: int, state: Any = None) -> int:
        return self._call("counting the trials", self.backend.get_n_trials, study_id, state)

    def remove_session(self) -> None:
        self.backend.remove_session()


def _waiting(template: FrozenTrial | None) -> FrozenTrial:
    """``template`` (or a blank trial) in the WAITING state."""
    if template is None:
        return optuna.trial.create_trial(state=TrialState.WAITING)
    waiting = copy.deepcopy(template)
    waiting.state = TrialState.WAITING
    return waiting
