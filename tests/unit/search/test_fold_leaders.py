"""On k-fold cross-validation, a trial cut short by time that beat every finished trial on the
folds it scored (at least two) is the final model, when its refit fits the time left."""

from __future__ import annotations

import copy
import time
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from jupyter_automl.events import EventBus
from jupyter_automl.problem import resolve_metric
from jupyter_automl.search._budget import Budget, refit_scale
from jupyter_automl.search._final_model import FinalModel
from jupyter_automl.search._objective import FoldResult
from jupyter_automl.search._ranking import fold_leaders
from jupyter_automl.search._trials import TrialRecord
from jupyter_automl.search.executors import SyncExecutor

from .._data import binary_frame
from ..conftest import tiny_automl

ACCURACY = resolve_metric("accuracy", "binary", np.array([0, 1]))[0]
LOG_LOSS = resolve_metric("log_loss", "binary", np.array([0, 1]))[0]
KFOLD = SimpleNamespace(kind="kfold")


def _rec(number: int, state: str, scores: dict[int, float], family: str) -> TrialRecord:
    folds = {k: FoldResult(k, s, 1.0, 0.1, None) for k, s in scores.items()}
    return TrialRecord(number, {"family": family}, 0.0, state=state, folds=folds,
                       score=float(np.mean(list(scores.values()))) if state == "finished" else None)


def _records() -> list[TrialRecord]:
    return [
        _rec(0, "finished", {0: 0.80, 1: 0.90, 2: 0.80, 3: 0.80, 4: 0.80}, "linear"),
        _rec(1, "finished", {0: 0.86, 1: 0.86, 2: 0.86, 3: 0.86, 4: 0.86}, "knn"),
        _rec(2, "stopped", {0: 0.88, 1: 0.87}, "svm"),  # beats 0.85 and 0.86 on folds 0-1
        _rec(3, "stopped", {0: 0.95}, "svm"),  # one fold: too little to tell
        _rec(4, "pruned", {0: 0.99, 1: 0.99}, "svm"),  # pruned for its score: never a leader
        _rec(5, "stopped", {1: 0.89, 2: 0.90}, "random_forest"),  # 0.895 on folds 1-2: ahead
        _rec(6, "stopped", {0: 0.87, 1: 0.84}, "svm"),  # 0.855: behind trial 1 on the same folds
        _rec(7, "running", {0: 0.99, 1: 0.99}, "svm"),  # still running: not a model yet
        _rec(8, "stopped", {0: 0.99, 1: 0.99}, "knn"),  # its family finished: a candidate already
    ]


def test_a_trial_stopped_after_two_folds_leads_when_it_beat_every_finished_trial_there():
    assert [r.number for r in fold_leaders(_records(), ACCURACY, KFOLD)] == [5, 2]
    # lower is better: the same scores as losses make no trial cut short a leader
    assert fold_leaders(_records(), LOG_LOSS, KFOLD) == []
    # only on k-fold cross-validation, and only against some finished trial
    assert fold_leaders(_records(), ACCURACY, SimpleNamespace(kind="rows")) == []
    assert fold_leaders([r for r in _records() if r.state != "finished"], ACCURACY, KFOLD) == []


@pytest.fixture(scope="module")
def search():
    X, y = binary_frame(300)
    return tiny_automl(cv=5, n_trials=4, families=["linear", "knn"], sampler="random").fit(X, y)


def _final_model(search, time_budget: float | None) -> FinalModel:
    coordinator = search.handle_._coordinator
    data = coordinator.final.data
    executor = SyncExecutor()
    executor.start(data)
    budget = Budget(time_budget, time.monotonic(), ranking=coordinator.ranked_finished,
                    n_workers=1, refit_scale=lambda rec: refit_scale(data.problem, rec),
                    ensemble=True)
    return FinalModel(data=data, budget=budget, executor=executor, oof=coordinator.oof,
                      bus=EventBus(), ensemble=True, seed=0, study_name="leaders")


def _with_a_leader(search, fit_time: float) -> list[TrialRecord]:
    """The search's linear trials, plus a k-NN stopped after two folds, ahead of them there."""
    records = [copy.copy(r) for r in search.handle_._coordinator.records.values()]
    knn = next(r for r in records if r.state == "finished" and r.family == "knn")
    finished = [r for r in records if r.state == "finished" and r.family == "linear"]
    assert finished
    top = max(np.mean([f.folds[0].score, f.folds[1].score]) for f in finished)
    leader = copy.copy(knn)
    leader.number, leader.state, leader.score = 99, "stopped", None
    leader.folds = {k: replace(knn.folds[k], score=min(1.0, top + 0.01), fit_time=fit_time)
                    for k in (0, 1)}
    return [r for r in records if r.family != "knn"] + [leader]


def test_the_final_model_is_the_fold_leader_when_its_refit_fits_the_time_left(search):
    records = _with_a_leader(search, fit_time=0.01)
    result = _final_model(search, None).from_records(records, "time_budget", None)
    assert result.members == [99]
    assert any(n.startswith("trial 99 was cut short after 2 of 5 folds; on those it scored")
               for n in result.notes), result.notes
    assert result.model.predict_proba(binary_frame(50)[0]).shape == (50, 2)
    # a refit that would end after the deadline: the finished trials make the model
    records = _with_a_leader(search, fit_time=100.0)
    result = _final_model(search, 3.0).from_records(records, "time_budget", 3.0)
    assert 99 not in result.members
    assert not any("was cut short" in n for n in result.notes)
