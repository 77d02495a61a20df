"""``WriteBehindStorage`` over a real SQLite file (PostgreSQL: ``tests/integration/test_write_behind.py``).

- a trial's writes are visible at once to this process and stored by the writer thread;
- a trial handed out earlier never changes under its reader (copy on write);
- a write the database refused for good is raised by the next call that waits for the database,
  and the trials stored before it are kept.
"""

from __future__ import annotations

import sqlite3

import optuna
import pytest
from optuna.distributions import IntDistribution
from optuna.exceptions import StorageInternalError
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from jupyter_automl.search._write_behind import WriteBehindStorage


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "study.db"
    # a short lock timeout: a write that meets another connection's lock fails at once
    rdb = RDBStorage(f"sqlite:///{path}", engine_kwargs={"connect_args": {"timeout": 0.2}})
    return path, rdb


def _study(storage) -> optuna.Study:
    return optuna.create_study(storage=storage, study_name="s", direction="maximize",
                               sampler=optuna.samplers.RandomSampler(seed=0))


def test_writes_are_seen_at_once_and_stored_by_the_writer(db):
    path, rdb = db
    behind = WriteBehindStorage(optuna.storages.get_storage(rdb), writes=rdb)
    study = _study(behind)
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    trial.report(0.25, 0)
    trial.set_user_attr("note", "a")
    before = study.get_trials(deepcopy=False)[0]
    trial.set_user_attr("note", "b")
    assert before.user_attrs == {"note": "a"}  # what a reader holds does not change under it
    now = study.get_trials(deepcopy=False)[0]
    assert now.params == {"x": x} and now.intermediate_values == {0: 0.25}
    assert now.user_attrs == {"note": "b"}
    behind.flush()
    stored = optuna.load_study(study_name="s", storage=f"sqlite:///{path}").trials[0]
    assert stored.state == TrialState.RUNNING and stored.params == {"x": x}
    assert stored.user_attrs == {"note": "b"} and stored.intermediate_values == {0: 0.25}
    assert behind.n_written == 4
    study.tell(trial, 0.5)
    assert study.trials[0].state == TrialState.COMPLETE and study.best_value == 0.5


def test_a_refused_write_is_raised_by_the_next_waiting_call(db):
    path, rdb = db
    behind = WriteBehindStorage(optuna.storages.get_storage(rdb), writes=rdb)
    study = _study(behind)
    done = study.ask()
    done.suggest_float("x", 0, 1)
    study.tell(done, 0.1)
    trial = study.ask()
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the file
    try:
        trial.suggest_float("x", 0, 1)  # queued: the caller does not wait for the database
        with pytest.raises(StorageInternalError) as refused:
            behind.flush()
        assert "database is locked" in str(refused.value.__cause__)
    finally:
        blocker.rollback()
        blocker.close()
    with pytest.raises(StorageInternalError):
        study.tell(trial, 0.2)  # the search learns of it when it waits for the database
    stored = optuna.load_study(study_name="s", storage=f"sqlite:///{path}").trials
    assert stored[0].state == TrialState.COMPLETE and stored[0].value == 0.1  # kept


def test_a_param_that_conflicts_with_the_study_is_refused_at_once(db):
    _, rdb = db
    study = _study(WriteBehindStorage(optuna.storages.get_storage(rdb), writes=rdb))
    first = study.ask()
    first.suggest_float("x", 0, 1)
    second = study.ask()
    with pytest.raises(ValueError, match="Cannot set different distribution kind"):
        second.storage.set_trial_param(second._trial_id, "x", 0.0, IntDistribution(0, 1))
    assert "x" not in study.get_trials(deepcopy=False)[1].params  # not kept in memory either
