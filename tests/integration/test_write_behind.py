"""This process's trials written behind to a real PostgreSQL server (``search/_write_behind``).

- a finished trial is in the database, every param, fold score and attribute, when ``tell`` returns;
- a running trial's writes reach the database from the writer thread, not the caller's;
- while the database holds params back (a table lock taken from another connection), the search
  reads its own trial from memory at once, and ending the trial waits until its writes are stored;
- another process's new trial is seen once the last read is ``REFRESH`` seconds old;
- the study's trial numbers and contents match what a fresh reader (optuna-dashboard, another
  machine) loads.
"""

from __future__ import annotations

import threading
import time

import optuna
import psycopg2
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

from jupyter_automl.search._storage import open_study
from jupyter_automl.search._write_behind import WriteBehindStorage

pytestmark = pytest.mark.integration


def _open(url: str, tmp_path, name: str = "behind"):
    return open_study(storage=url, study_name=name, runs_dir=tmp_path, directions=["maximize"],
                      sampler=lambda n: optuna.samplers.RandomSampler(seed=n),
                      pruner=optuna.pruners.NopPruner(), summary={"target": "y"})


def _reader(url: str, name: str = "behind") -> optuna.Study:
    """What another machine sees: its own connection, no cache shared with the search."""
    return optuna.load_study(study_name=name, storage=url.replace("postgresql://", "postgresql+psycopg2://"))


def _run_one(study: optuna.Study, x: float) -> optuna.Trial:
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    trial.storage.set_trial_param(trial._trial_id, "y", x, FloatDistribution(0.0, 1.0))
    for fold in range(3):
        trial.report(x + fold / 10, fold)
    trial.set_user_attr("fold_scores", [x, x, x])
    return trial


def test_a_finished_trial_is_stored_whole_when_tell_returns(postgres_url, tmp_path):
    store = _open(postgres_url, tmp_path)
    assert isinstance(store.behind, WriteBehindStorage)
    try:
        for i in range(4):
            trial = _run_one(store.study, i / 10)
            store.study.tell(trial, i / 10)
            stored = _reader(postgres_url).get_trials(deepcopy=False)[-1]
            mine = store.study.get_trials(deepcopy=False)[-1]
            assert stored.number == mine.number == i
            assert stored.state == TrialState.COMPLETE and stored.value == pytest.approx(i / 10)
            assert stored.params == mine.params and set(stored.params) == {"x", "y"}
            assert stored.intermediate_values == mine.intermediate_values
            assert len(stored.intermediate_values) == 3
            assert stored.user_attrs["fold_scores"] == [i / 10] * 3
        assert store.behind.n_written >= 4 * 6  # params, fold scores and attributes went through the writer
        # in batches: one transaction holds a trial's writes queued meanwhile (_batch_writes)
        assert 0 < store.behind.batches.n_batches < store.behind.n_written
    finally:
        store.close()


def test_a_held_database_delays_the_end_not_the_reads(postgres_server, postgres_url, tmp_path):
    store = _open(postgres_url, tmp_path)
    try:
        trial = store.study.ask()
        dbname = postgres_url.rsplit("/", 1)[1]
        with psycopg2.connect(host="127.0.0.1", port=postgres_server.port, user="postgres",
                              dbname=dbname) as conn:
            cur = conn.cursor()
            # until commit no param can be written, while every read and the trial's state can
            cur.execute("LOCK TABLE trial_params IN SHARE MODE")
            t0 = time.monotonic()
            x = trial.suggest_float("x", 0.0, 1.0)
            trial.report(0.5, 0)
            assert time.monotonic() - t0 < 1.0  # the writes were queued, not made here
            mine = store.study.get_trials(deepcopy=False)[-1]
            assert mine.params == {"x": x} and mine.intermediate_values == {0: 0.5}

            ended = threading.Event()
            teller = threading.Thread(target=lambda: (store.study.tell(trial, 0.5), ended.set()))
            teller.start()
            # the end waits for the param the writer cannot store yet (its state could be written)
            assert not ended.wait(1.5)
            conn.commit()  # the lock goes
        teller.join(30)
        assert ended.is_set()
        stored = _reader(postgres_url).get_trials(deepcopy=False)[-1]
        assert stored.state == TrialState.COMPLETE and stored.params == {"x": x}
    finally:
        store.close()


def test_another_process_trial_is_seen_after_the_refresh(postgres_url, tmp_path):
    store = _open(postgres_url, tmp_path)
    try:
        store.study.tell(_run_one(store.study, 0.1), 0.1)
        assert len(store.study.get_trials(deepcopy=False)) == 1
        other = _reader(postgres_url)
        other.tell(_run_one(other, 0.9), 0.9)
        time.sleep(store.behind.refresh + 0.1)
        trials = store.study.get_trials(deepcopy=False)
        assert [t.number for t in trials] == [0, 1] and trials[1].value == pytest.approx(0.9)
        # and the next trial asked here does not collide with the other process's number
        assert store.study.ask().number == 2
    finally:
        store.close()


def test_sync_stores_running_writes_and_reads_the_database(postgres_url, tmp_path):
    store = _open(postgres_url, tmp_path)
    try:
        running = _run_one(store.study, 0.3)
        other = _reader(postgres_url)
        other.tell(_run_one(other, 0.7), 0.7)
        store.sync()
        stored = {t.number: t for t in _reader(postgres_url).get_trials(deepcopy=False)}
        assert stored[running.number].state == TrialState.RUNNING
        assert set(stored[running.number].params) == {"x", "y"}  # a running trial's writes, flushed
        assert len(stored[running.number].intermediate_values) == 3
        assert {t.number for t in store.study.get_trials(deepcopy=False)} == {0, 1}  # read fresh
        store.study.tell(running, 0.3)
    finally:
        store.close()
