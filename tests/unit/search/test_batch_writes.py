"""``BatchWriter`` over a real SQLite file (PostgreSQL: ``tests/integration/test_write_behind.py``).

- a batch of writes stores exactly what Optuna's own calls store, as Optuna reads it back (params
  and distributions, fold scores with inf and nan, user and system attributes, a key written
  twice), in one transaction;
- a write to a trial that has ended is dropped and its trial named;
- a trial's end goes with its last writes, and a retry whose first try was stored is recognised;
- ``WriteBehindStorage`` with a ``BatchWriter`` ends trials that way, and refuses the end of a
  trial another process ended meanwhile;
- start and end times read back as Optuna's own (naive UTC in Optuna 5, local time in 4);
- the heartbeat thread renews all live trials' heartbeats in one statement;
- ``start_trial`` makes a RUNNING trial with its heartbeat, numbered as Optuna numbers trials.
"""

from __future__ import annotations

import math
import time
from datetime import datetime

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.storages import RDBStorage
from optuna.storages._rdb import models
from optuna.trial import TrialState
from sqlalchemy import event, func, select

from jupyter_automl._compat import UPDATE_FINISHED_TRIAL_ERROR
from jupyter_automl.search._batch_writes import ENDS, BatchWriter
from jupyter_automl.search._write_behind import WriteBehindStorage

WRITES = [  # (method, args after the trial id)
    ("set_trial_param", ("x", 0.25, FloatDistribution(0.0, 1.0, log=False))),
    ("set_trial_param", ("n", 3.0, IntDistribution(1, 8))),
    ("set_trial_param", ("family", 1.0, CategoricalDistribution(["linear", "forest"]))),
    ("set_trial_intermediate_value", (0, 0.5)),
    ("set_trial_intermediate_value", (1, float("inf"))),
    ("set_trial_intermediate_value", (2, float("nan"))),
    ("set_trial_user_attr", ("fold_scores", [0.5, 0.75])),
    ("set_trial_user_attr", ("status", "running")),
    ("set_trial_system_attr", ("fixed", {"a": 1})),
    ("set_trial_intermediate_value", (0, 0.625)),  # written again: the last value wins
    ("set_trial_user_attr", ("status", "finished")),
]


@pytest.fixture
def rdb(tmp_path):
    rdb = RDBStorage(f"sqlite:///{tmp_path / 'study.db'}")
    optuna.create_study(storage=rdb, study_name="s")
    return rdb


def _same(a: optuna.trial.FrozenTrial, b: optuna.trial.FrozenTrial) -> None:
    assert a.params == b.params and a.distributions == b.distributions
    assert a.user_attrs == b.user_attrs and a.system_attrs == b.system_attrs
    assert a.intermediate_values.keys() == b.intermediate_values.keys()
    for step, value in a.intermediate_values.items():
        other = b.intermediate_values[step]
        assert value == other or (math.isnan(value) and math.isnan(other))


def test_a_batch_stores_what_optunas_own_writes_store(rdb):
    study = optuna.load_study(study_name="s", storage=rdb)
    by_optuna, batched = study.ask(), study.ask()
    for method, args in WRITES:
        getattr(rdb, method)(by_optuna._trial_id, *args)
    writer = BatchWriter(rdb)
    dropped = writer.write([(batched._trial_id, method, args) for method, args in WRITES])
    assert dropped == set() and writer.n_batches == 1  # eleven writes, one transaction
    fresh = optuna.load_study(study_name="s", storage=rdb.url).trials  # another reader
    _same(fresh[0], fresh[1])
    assert fresh[1].intermediate_values[0] == 0.625 and fresh[1].user_attrs["status"] == "finished"
    assert fresh[1].params == {"x": 0.25, "n": 3, "family": "forest"}
    writer.write([(batched._trial_id, "set_trial_user_attr", ("status", "again"))])  # a repeat
    assert optuna.load_study(study_name="s", storage=rdb.url).trials[1].user_attrs["status"] == "again"


def test_writes_to_an_ended_trial_are_dropped_and_named(rdb):
    study = optuna.load_study(study_name="s", storage=rdb)
    ended, running = study.ask(), study.ask()
    study.tell(ended, 1.0)
    writer = BatchWriter(rdb)
    dropped = writer.write([(ended._trial_id, "set_trial_user_attr", ("late", 1)),
                            (running._trial_id, "set_trial_user_attr", ("kept", 2))])
    assert dropped == {ended._trial_id}
    trials = optuna.load_study(study_name="s", storage=rdb.url).trials
    assert "late" not in trials[0].user_attrs and trials[1].user_attrs == {"kept": 2}


def test_start_trial_makes_a_running_trial_with_its_heartbeat(rdb):
    study = optuna.load_study(study_name="s", storage=rdb)
    writer = BatchWriter(rdb)
    first = study.ask()  # Optuna's numbering and the writer's share one sequence
    made = writer.start_trial(study._study_id)
    third = study.ask()
    assert (first.number, made.number, third.number) == (0, 1, 2)
    stored = rdb.get_trial(made._trial_id)
    assert stored.state == TrialState.RUNNING and stored.number == 1
    assert abs((stored.datetime_start - made.datetime_start).total_seconds()) < 1
    with rdb.engine.connect() as conn:
        beats = conn.execute(select(func.count()).select_from(models.TrialHeartbeatModel.__table__)
                             .where(models.TrialHeartbeatModel.trial_id == made._trial_id)).scalar()
    assert beats == 1
    rdb.set_trial_param(made._trial_id, "x", 0.5, FloatDistribution(0.0, 1.0))  # an ordinary trial
    study.tell(made.number, 0.5)
    assert optuna.load_study(study_name="s", storage=rdb.url).trials[1].value == 0.5


def test_an_end_is_stored_with_the_last_writes_and_a_lost_answer_is_recognised(rdb):
    study = optuna.load_study(study_name="s", storage=rdb)
    trial = study.ask()
    writer = BatchWriter(rdb)
    end = [(trial._trial_id, "set_trial_user_attr", ("status", "finished")),
           (trial._trial_id, ENDS, (TrialState.COMPLETE, [0.75]))]
    assert writer.write(end) == set()
    stored = optuna.load_study(study_name="s", storage=rdb.url).trials[0]
    assert stored.state == TrialState.COMPLETE and stored.value == 0.75
    assert stored.user_attrs == {"status": "finished"}
    assert stored.datetime_start <= stored.datetime_complete
    assert rdb.get_trial(trial._trial_id).datetime_complete == stored.datetime_complete
    # the same batch once more: a retry after its answer was lost is not "ended elsewhere"...
    assert writer._write_once(end, retried=True) == set()
    # ...but a first try on a trial ended with another state is
    assert writer.write([(trial._trial_id, ENDS, (TrialState.PRUNED, None))]) == {trial._trial_id}


def test_write_behind_with_batches_ends_trials_in_the_batch(rdb):
    writer = BatchWriter(rdb)
    behind = WriteBehindStorage(optuna.storages.get_storage(rdb), writes=rdb, batches=writer)
    study = optuna.load_study(study_name="s", storage=behind)
    for i in range(3):
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        for fold in range(3):
            trial.report(i + fold / 10, fold)
        trial.set_user_attr("fold_scores", [i] * 3)
        study.tell(trial, float(i))
    assert behind.n_written == 3 * 6 and writer.n_batches <= 3 * 6
    stored = optuna.load_study(study_name="s", storage=rdb.url).trials
    assert [t.state for t in stored] == [TrialState.COMPLETE] * 3
    assert [t.value for t in stored] == [0.0, 1.0, 2.0] and stored[2].intermediate_values[2] == 2.2
    elsewhere = study.ask()  # another process finds it interrupted and ends it meanwhile
    rdb.set_trial_state_values(elsewhere._trial_id, TrialState.FAIL)
    with pytest.raises(UPDATE_FINISHED_TRIAL_ERROR):
        study.tell(elsewhere, 1.0)
    assert study.get_trials(deepcopy=False)[3].state == TrialState.FAIL  # what the database says


@pytest.fixture
def tokyo_time(monkeypatch):
    """Local time 9 hours off UTC: a time stored as the wrong one of the two shows."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_stored_as_optuna_stores_them(rdb, tokyo_time):
    study = optuna.load_study(study_name="s", storage=rdb)
    writer = BatchWriter(rdb)
    made = writer.start_trial(study._study_id)
    writer.write([(made._trial_id, ENDS, (TrialState.COMPLETE, [1.0]))])
    by_optuna = study.ask()
    study.tell(by_optuna, 1.0)
    ours, theirs = optuna.load_study(study_name="s", storage=rdb.url).trials
    for when in ("datetime_start", "datetime_complete"):
        assert abs((getattr(ours, when) - getattr(theirs, when)).total_seconds()) < 5
        assert abs((getattr(ours, when) - datetime.now()).total_seconds()) < 5


def _beats(rdb, trial_ids) -> list[datetime]:
    table = models.TrialHeartbeatModel.__table__
    with rdb.engine.connect() as conn:
        return [conn.execute(select(table.c.heartbeat).where(table.c.trial_id == i)).scalar_one()
                for i in trial_ids]


def test_the_heartbeat_thread_beats_every_live_trial_in_one_statement(rdb, monkeypatch):
    from jupyter_automl.search import _heartbeat

    monkeypatch.setattr(_heartbeat, "INTERVAL", 0.3)
    study = optuna.load_study(study_name="s", storage=rdb)
    writer = BatchWriter(rdb)
    trials = [writer.start_trial(study._study_id)._trial_id for _ in range(3)]
    first = _beats(rdb, trials)
    beats = _heartbeat.Heartbeats(rdb, writer)
    for trial_id in trials[:2]:
        beats.add(trial_id, beaten=True)
    statements = []
    event.listen(rdb.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    time.sleep(1.5)  # SQLite's CURRENT_TIMESTAMP counts whole seconds
    beats.discard(trials[0])
    beats.discard(trials[1])
    later = _beats(rdb, trials)
    assert later[0] > first[0] and later[1] > first[1]  # the live ones, renewed
    assert later[2] == first[2]  # not one of this process's live trials
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE TRIAL_HEARTBEATS")]
    assert updates and all(s.rstrip().endswith("IN (?, ?)") for s in updates)  # both in one statement
