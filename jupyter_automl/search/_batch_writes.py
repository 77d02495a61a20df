"""The write-behind thread's queued writes stored in one transaction per batch, not one per write.

Through Optuna's storage each write of a running trial (a param, a fold score, an attribute) is a
transaction of its own: find the trial, check a param's first distribution, insert or update,
commit (2-3 ms on PostgreSQL). At some 22 writes a trial the writer thread stored about 20
trials a second, and a trial's end waited for it (``benchmarks/bench_coordinator.py``).
``BatchWriter`` stores a batch (every write queued meanwhile, of any trials) as: one read of
those trials' states, then one multi-row upsert per table.

- The rows are Optuna's own: its tables (``optuna.storages._rdb.models``, the same from Optuna
  4.0 to 5.x) and its stored forms (a param's internal value and distribution JSON, a fold score
  with its inf/nan type, an attribute's JSON). Optuna, optuna-dashboard and another process read
  the study as if Optuna had written it (tested against Optuna's own reader).
- Upserts (a key written again replaces its value, as Optuna does) make a batch safe to repeat:
  a batch retried after its answer was lost writes the same rows.
- A write to a trial that is no longer running (another process found it interrupted and ended
  it) is dropped, as Optuna refuses it; the caller says so.
- A param's distribution is checked against the first one this process used (``_write_behind``),
  not read back from the study at every write: coordinators sharing a study share its space.
- A trial's end (its finished state and values) can be the last write of its batch, so that its
  last attributes and its end are stored together, or not at all.

``start_trial`` creates a trial RUNNING with its first heartbeat in one transaction (its start
time stored as the installed Optuna's model class stores it). Optuna's way is three
transactions and a read: the trial created WAITING, then taken with a heartbeat, then read
back; one transaction keeps what that order was for, no RUNNING trial without a heartbeat.
``beat`` renews the heartbeats of all of this process's running trials in one statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from optuna.distributions import distribution_to_json
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection

from ._retry import call_with_retries

try:  # Optuna's tables: a private module (the same in Optuna 4.0 and 5.1, the versions tested)
    from optuna.storages._rdb import models
except ImportError:  # an Optuna that moved them: writes go one at a time, through Optuna
    models = None

Write = tuple[int, str, tuple]  # (trial id, storage method, the method's args after the trial id)
ENDS = "set_trial_state_values"  # a write that ends a trial: args (finished state, values or None)

# method -> (table, its key columns besides trial_id, its value columns)
_TABLES = {} if models is None else {
    "set_trial_param": (models.TrialParamModel.__table__, ("param_name",),
                        ("param_value", "distribution_json")),
    "set_trial_intermediate_value": (models.TrialIntermediateValueModel.__table__, ("step",),
                                     ("intermediate_value", "intermediate_value_type")),
    "set_trial_user_attr": (models.TrialUserAttributeModel.__table__, ("key",), ("value_json",)),
    "set_trial_system_attr": (models.TrialSystemAttributeModel.__table__, ("key",), ("value_json",)),
}


def _row(method: str, args: tuple) -> tuple[Any, tuple]:
    """A write's key (besides the trial) and the values of its table's value columns."""
    if method == "set_trial_param":
        name, internal, distribution = args
        return name, (float(internal), distribution_to_json(distribution))
    if method == "set_trial_intermediate_value":
        step, value = args
        return step, models.TrialIntermediateValueModel.intermediate_value_to_stored_repr(value)
    key, value = args
    return key, (json.dumps(value),)


def _upsert_maker(dialect: str) -> Callable[[Any, list[dict], tuple[str, ...], tuple[str, ...]], Any] | None:
    """``upsert(table, rows, keys, values)`` for PostgreSQL and SQLite (the databases the tests
    run); None for others (MySQL...), whose writes go one at a time through Optuna."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return None

    def upsert(table, rows, keys, values):
        stmt = insert(table).values(rows)
        return stmt.on_conflict_do_update(index_elements=["trial_id", *keys],
                                          set_={c: stmt.excluded[c] for c in values})
    return upsert


class BatchWriter:
    """Stores batches of trial writes in an Optuna ``RDBStorage``'s database (see the module)."""

    def __init__(self, rdb: RDBStorage, url: str = "the storage"):
        self.engine = rdb.engine
        self.url = url
        self._upsert = _upsert_maker(self.engine.dialect.name)
        if self._upsert is None:
            raise ValueError(f"no batched writes for {self.engine.dialect.name}")
        if not _known_schema():
            raise ValueError("Optuna's tables are not the ones this module writes")
        self.n_batches = 0  # transactions made (for tests and benchmarks)

    @classmethod
    def for_storage(cls, rdb: RDBStorage, url: str = "the storage") -> BatchWriter | None:
        """A writer for ``rdb``'s database, or None (write one at a time) where it cannot batch."""
        try:
            return cls(rdb, url)
        except ValueError:
            return None

    def write(self, writes: Sequence[Write]) -> set[int]:
        """Store ``writes`` in one transaction, retried while the database is away; return the
        ids of the trials whose writes were dropped because the trial had ended."""
        attempts = []

        def once() -> set[int]:
            attempts.append(1)
            return self._write_once(writes, retried=len(attempts) > 1)
        return call_with_retries(once, what="writing trials", url=self.url)

    def start_trial(self, study_id: int) -> FrozenTrial:
        """A new trial of the study, RUNNING and with its first heartbeat (one transaction)."""
        return call_with_retries(self._start_once, study_id, what="creating a trial", url=self.url)

    def _start_once(self, study_id: int) -> FrozenTrial:
        trials = models.TrialModel.__table__
        now = datetime.now()
        with self.engine.begin() as conn:
            trial_id = conn.execute(trials.insert().values(
                study_id=study_id, number=None, state=TrialState.RUNNING,
                datetime_start=_stored_time("datetime_start", now))).inserted_primary_key[0]
            # numbered as Optuna numbers trials: those of the study created before it
            number = conn.execute(select(func.count(trials.c.trial_id)).where(
                trials.c.study_id == study_id, trials.c.trial_id < trial_id)).scalar_one()
            conn.execute(trials.update().where(trials.c.trial_id == trial_id).values(number=number))
            conn.execute(models.TrialHeartbeatModel.__table__.insert().values(trial_id=trial_id))
        return FrozenTrial(number=number, state=TrialState.RUNNING, value=None, values=None,
                           datetime_start=now, datetime_complete=None, params={}, distributions={},
                           user_attrs={}, system_attrs={}, intermediate_values={}, trial_id=trial_id)

    def beat(self, trial_ids: Sequence[int]) -> None:
        """A heartbeat for each of these trials (which have had their first), in one statement."""
        beats = models.TrialHeartbeatModel.__table__
        with self.engine.begin() as conn:  # the server's time, as Optuna's own heartbeats
            conn.execute(beats.update().where(beats.c.trial_id.in_(list(trial_ids)))
                         .values(heartbeat=func.current_timestamp()))

    def _write_once(self, writes: Sequence[Write], retried: bool = False) -> set[int]:
        trials = models.TrialModel.__table__
        ids = sorted({trial_id for trial_id, _, _ in writes})
        ends = {trial_id: args for trial_id, method, args in writes if method == ENDS}
        with self.engine.begin() as conn:
            # the trials' rows locked until the commit: another process cannot end one meanwhile
            states = dict(conn.execute(trials.select().with_only_columns(trials.c.trial_id, trials.c.state)
                                          .where(trials.c.trial_id.in_(ids)).with_for_update()).all())
            states = {trial_id: _state(state) for trial_id, state in states.items()}
            running = {trial_id for trial_id, state in states.items() if not state.is_finished()}
            if retried:  # an earlier try was stored, but its answer was lost: the end is there
                running |= {trial_id for trial_id, (state, _) in ends.items() if states.get(trial_id) == state}
            rows: dict[str, dict[tuple[int, Any], tuple]] = {}
            for trial_id, method, args in writes:
                if trial_id in running and method != ENDS:  # the last write of a key wins
                    key, values = _row(method, args)
                    rows.setdefault(method, {})[trial_id, key] = values
            for method, keyed in rows.items():
                table, keys, values = _TABLES[method]
                conn.execute(self._upsert(table, [
                    {"trial_id": trial_id, **dict(zip(keys, [key], strict=True)),
                     **dict(zip(values, vals, strict=True))}
                    for (trial_id, key), vals in keyed.items()], keys, values))
            for trial_id, (state, values) in ends.items():
                if trial_id in running:
                    self._end(conn, trial_id, state, values)
        self.n_batches += 1
        return set(ids) - running

    def _end(self, conn: Connection, trial_id: int, state: TrialState,
             values: Sequence[float] | None) -> None:
        """A trial's end, as Optuna's ``set_trial_state_values`` stores it."""
        if values is not None:
            rows = [{"trial_id": trial_id, "objective": objective,
                     **dict(zip(("value", "value_type"),
                                models.TrialValueModel.value_to_stored_repr(value), strict=True))}
                    for objective, value in enumerate(values)]
            conn.execute(self._upsert(models.TrialValueModel.__table__, rows, ("objective",),
                                      ("value", "value_type")))
        trials = models.TrialModel.__table__
        conn.execute(trials.update().where(trials.c.trial_id == trial_id).values(
            state=state, datetime_complete=_stored_time("datetime_complete", datetime.now())))


def _stored_time(column: str, when: datetime) -> datetime:
    """``when`` as Optuna's trial table stores it in ``column``: naive UTC from Optuna 5.0, naive
    local time before (its model class converts; asked here rather than copied)."""
    model = models.TrialModel(**{column: when})
    return getattr(model, _column_attr(column))


def _column_attr(column: str) -> str:
    """The trial model's attribute that maps ``column`` (``_datetime_start_utc`` from Optuna 5.0)."""
    mapper = sa_inspect(models.TrialModel)
    return mapper.get_property_by_column(models.TrialModel.__table__.c[column]).key


def _known_schema() -> bool:
    """Optuna's tables have the columns written here (else: one write at a time, via Optuna)."""
    if models is None:
        return False
    needed = [(models.TrialModel.__table__, ("trial_id", "number", "study_id", "state",
                                             "datetime_start", "datetime_complete")),
              (models.TrialValueModel.__table__, ("trial_id", "objective", "value", "value_type")),
              (models.TrialHeartbeatModel.__table__, ("trial_id", "heartbeat"))]
    needed += [(table, ("trial_id", *keys, *values)) for table, keys, values in _TABLES.values()]
    return all(set(columns) <= set(table.c.keys()) for table, columns in needed)


def _state(state: Any) -> TrialState:
    """A stored state: the enum, or its name where the driver gives text."""
    return state if isinstance(state, TrialState) else TrialState[str(state)]
