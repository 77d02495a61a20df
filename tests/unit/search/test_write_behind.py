"""``WriteBehindStorage`` over a real SQLite file (PostgreSQL: ``tests/integration/test_write_behind.py``).

- a trial's writes are visible at once to this process and stored by the writer thread;
- a trial handed out earlier never changes under its reader (copy on write);
- a trial of another process that this one ends (an orphan at a resume) reads ended at once;
- the default study (a SQLite file in the runs folder) is written behind, in batches, and a
  finished trial is whole in the file when ``tell`` returns;
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

from jupyter_automl.search._storage import open_study
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


def test_another_process_trial_ended_here_is_seen_ended_at_once(db):
    path, rdb = db
    behind = WriteBehindStorage(optuna.storages.get_storage(rdb), writes=rdb)
    study = _study(behind)
    orphan = optuna.load_study(study_name="s", storage=f"sqlite:///{path}").ask()  # a dead process's
    assert [t.state for t in study.get_trials(deepcopy=False)] == [TrialState.RUNNING]  # read, kept
    study.tell(orphan.number, state=TrialState.FAIL)  # as a resume closes orphans
    assert [t.state for t in study.get_trials(deepcopy=False)] == [TrialState.FAIL]


def test_the_default_sqlite_study_is_written_behind_in_batches(tmp_path):
    store = open_study(storage=None, study_name="s", runs_dir=tmp_path, directions=["maximize"],
                       sampler=lambda n: optuna.samplers.RandomSampler(seed=n),
                       pruner=optuna.pruners.NopPruner(), summary={"target": "y"})
    try:
        assert store.behind is not None and store.behind.batches is not None
        for i in range(3):
            trial = store.study.ask()
            trial.suggest_float("x", 0, 1)
            for fold in range(3):
                trial.report(i + fold / 10, fold)
            trial.set_user_attr("fold_scores", [i] * 3)
            store.study.tell(trial, float(i))
            # when tell returns, the finished trial is whole in the file, for any reader
            stored = optuna.load_study(study_name="s",
                                       storage=f"sqlite:///{tmp_path / 's' / 'study.db'}").trials[-1]
            assert stored.state == TrialState.COMPLETE and stored.value == i
            assert len(stored.intermediate_values) == 3 and stored.user_attrs["fold_scores"] == [i] * 3
        assert 0 < store.behind.batches.n_batches < store.behind.n_written
    finally:
        store.close()
