"""Who ran a trial: the coordinator's id on every trial (stored and shown), Dask workers per fold."""

from __future__ import annotations

import os
import socket

import numpy as np
import optuna

from jupyter_automl.problem import resolve_metric
from jupyter_automl.search import FoldResult, TrialRecord, leaderboard_frame
from jupyter_automl.search._provenance import COORDINATOR_ENV, coordinator_id

from .._data import binary_frame
from ..conftest import tiny_automl


def test_the_default_id_is_host_and_pid(monkeypatch):
    monkeypatch.delenv(COORDINATOR_ENV, raising=False)
    assert coordinator_id() == f"{socket.gethostname()}:{os.getpid()}"
    monkeypatch.setenv(COORDINATOR_ENV, "  laptop ")
    assert coordinator_id() == "laptop"
    monkeypatch.setenv(COORDINATOR_ENV, "")  # empty: as if unset
    assert coordinator_id() == f"{socket.gethostname()}:{os.getpid()}"


def test_every_trial_names_its_coordinator_in_the_study_and_the_leaderboard(monkeypatch):
    monkeypatch.delenv(COORDINATOR_ENV, raising=False)
    storage = optuna.storages.InMemoryStorage()  # one study, two searches of this process
    X, y = binary_frame()
    first = tiny_automl(storage=storage, study_name="who", n_trials=2).fit(X, y)
    board = first.leaderboard()
    assert board["coordinator"].tolist() == [f"{socket.gethostname()}:{os.getpid()}"] * 2
    assert "workers" not in board  # not on Dask: no worker addresses to show

    monkeypatch.setenv(COORDINATOR_ENV, "second")
    resumed = tiny_automl(storage=storage, study_name="who", n_trials=2).fit(X, y)
    board = resumed.leaderboard().set_index("trial")
    ids = board["coordinator"].to_dict()
    assert len(ids) == 4 and set(ids.values()) == {coordinator_id(), f"{socket.gethostname()}:{os.getpid()}"}
    first_trials = set(first.leaderboard()["trial"])
    assert all((ids[n] == "second") == (n not in first_trials) for n in ids), ids
    study = optuna.load_study(study_name="who", storage=storage)
    assert {t.number: t.user_attrs["coordinator"] for t in study.trials} == ids


def test_the_workers_column_lists_each_scored_folds_worker():
    rec = TrialRecord(number=0, params={"family": "linear"}, started=0.0, state="finished",
                      score=0.9, coordinator="a:1")
    for k, worker in ((1, "tcp://10.0.0.2:3"), (0, "tcp://10.0.0.1:3")):
        rec.folds[k] = FoldResult(k, 0.9, 0.1, 0.1, None, worker=worker)
    stored = TrialRecord(number=1, params={"family": "knn"}, started=0.0, state="failed",
                         coordinator="b:2", stored_workers=[], resumed=True)
    metric = resolve_metric("roc_auc", "binary", np.array([0, 1]), 1)[0]
    board = leaderboard_frame([rec, stored], metric).set_index("trial")
    assert board.loc[0, "workers"] == ["tcp://10.0.0.1:3", "tcp://10.0.0.2:3"]  # in fold order
    assert board.loc[1, "workers"] == [] and board["coordinator"].tolist() == ["a:1", "b:2"]
