"""Epoch-level pruning of the "nas" family's networks: the rung rule, a weak network stopped at the
first rung inside its unit of work (scikit-learn's digits), and a search on a small table that
records the epoch a network stopped at, and why, in the leaderboard, its events and the Optuna
study; a default search leaves the opt-in family out."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jupyter_automl import AutoML
from jupyter_automl.events import FoldScored, SearchStarted, TrialPruned
from jupyter_automl.problem import analyze
from jupyter_automl.search._epochs import (
    UNIT_OPTION,
    Rung,
    rung_thresholds,
    rungs_below,
    with_rungs,
)
from jupyter_automl.search._objective import TrainingData, run_fold
from jupyter_automl.search._trials import TrialRecord
from jupyter_automl.search.space import DEFAULT_FAMILIES, SearchSpace
from jupyter_automl.search.space._nas import NN_BACKEND_VARIABLE

from .._data import FRAMES

# a network that cannot learn much in 3 epochs: plain SGD at a tiny learning rate, 16 units
WEAK = {"nas.n_blocks": 1, "nas.block_0.width": 16, "nas.lr": 1e-4,
        "nas.optimizer": "sgd", "nas.schedule": "constant", "nas.n_heads": 1}


def _digits(n_rows=450):
    X, y = load_digits(return_X_y=True, as_frame=True)
    X, y = X.iloc[:n_rows], y.iloc[:n_rows]
    problem, X, y = analyze(X, y, cv=3, check_leakage=False)
    return TrainingData(X, y.to_numpy(), problem, 0)


def test_rungs_keep_the_best_third_from_the_second_network_on():
    assert rungs_below(100) == [30, 90] and rungs_below(20) == [6, 18] and rungs_below(3) == []
    curves = [[0.1 * i] * 9 for i in range(1, 6)]  # five networks, scores 0.1 .. 0.5
    rungs = rung_thresholds(curves, greater_is_better=True)
    # with 5 earlier and the new one, the best 6 // 3 = 2 go on: the new one must reach the 2nd best
    assert rungs == {epoch: Rung(0.4, 5) for epoch in range(1, 10)}
    assert rung_thresholds(curves, greater_is_better=False)[3] == Rung(0.2, 5)
    assert rung_thresholds(curves[:1], greater_is_better=True)[9] == Rung(0.1, 1)  # beat the one before
    assert rung_thresholds([], greater_is_better=True) == {}  # the first network: nothing to judge by
    partial = rung_thresholds([[0.5] * 4] * 3 + [[0.9] * 2], True)  # a pruned network's curve ends
    assert partial == {1: Rung(0.9, 4), 2: Rung(0.9, 4), 3: Rung(0.5, 3), 4: Rung(0.5, 3)}


@pytest.mark.parametrize("backend", ["torch", "sklearn"])
def test_a_weak_network_stops_at_the_first_rung_and_a_strong_one_trains_on(backend, monkeypatch):
    monkeypatch.setenv(NN_BACKEND_VARIABLE, backend)
    data = _digits()
    space = SearchSpace(data.problem, ["nas"])
    records = []
    for number, config in enumerate(space.default_configs()[:3]):
        result = run_fold(data, config, 0)
        assert result.ok and len(result.epoch_scores) == 100  # trained to the end: no rungs yet
        records.append(TrialRecord(number, config, 0.0, epoch_scores=list(result.epoch_scores)))
    weak = space.default_configs()[0] | WEAK
    params = with_rungs(weak, 0, records, data.problem.metric)
    assert set(params[UNIT_OPTION]) == set(range(1, 101))  # the unit picks its rungs: 30 and 90
    result = run_fold(data, params, 0)
    assert result.ok and result.pruned and len(result.epoch_scores) == 30
    assert result.pruned.startswith("pruned at epoch 30 of 100 (fold 1): its validation score")
    assert "among itself and the 3 earlier network(s)" in result.pruned
    assert result.score == pytest.approx(result.epoch_scores[-1], rel=1e-4)  # scored as it stopped
    # a network trained again with the same seed ties itself at every rung, and trains on
    first = records[0]
    strong = run_fold(data, with_rungs(first.params, 0, [first], data.problem.metric), 0)
    assert strong.pruned is None and list(strong.epoch_scores) == pytest.approx(first.epoch_scores)
    assert with_rungs(weak, 1, records, data.problem.metric) is weak  # later folds: no rungs


@pytest.mark.parametrize("backend", ["sklearn", "torch"])
def test_a_nas_search_on_a_small_table_shows_where_pruned_networks_stopped(backend, monkeypatch):
    monkeypatch.setenv(NN_BACKEND_VARIABLE, backend)
    X, y = FRAMES["multiclass"](90)
    automl = AutoML(families=["nas"], n_trials=7, executor="sync", time_budget=None, seed=0,
                    storage="memory", ensemble=False, cv=2, sampler="random")
    automl.fit(X, y)
    events = automl.handle_.events()
    board = automl.leaderboard()
    assert set(board["family"]) == {"nas"} and len(board) == 7
    finished = board[board["status"] == "finished"]
    assert (finished["epochs"] == 100).all()
    # the default networks train past the rungs (they set them; TabM-mini learns slowly at first),
    # and train on all columns (a sampler would otherwise draw their feature selection)
    n_defaults = len(SearchSpace(automl.problem_, ["nas"]).default_configs())
    assert n_defaults == (4 if backend == "torch" else 3)
    assert set(range(n_defaults)) <= set(finished["trial"]), board[["trial", "status", "epochs"]]
    study = automl.handle_.study
    assert all(study.trials[n].params["nas.feature_fraction"] == 1.0 for n in range(n_defaults))
    pruned = board[board["status"] == "pruned"]
    assert len(pruned) >= 1, board[["trial", "status", "epochs", "reason"]]
    for _, row in pruned.iterrows():  # the epoch it stopped at, in its own column and its reason
        assert row["epochs"] in rungs_below(100)
        assert row["reason"].startswith(f"pruned at epoch {row['epochs']} of 100 (fold 1): ")
    assert {e.trial_number for e in events if isinstance(e, TrialPruned)} == set(pruned["trial"])
    assert all(len(e.epoch_scores) >= 3 for e in events if isinstance(e, FoldScored))
    # the Optuna trial keeps the first fold's curve as a user attribute, not as intermediate
    # values (those would make the fold-level pruner judge later folds by the last epoch)
    trial = automl.handle_.study.trials[int(pruned["trial"].iloc[0])]
    assert len(trial.user_attrs["epoch_scores"]) == trial.user_attrs["epochs"] == pruned["epochs"].iloc[0]
    assert all(step < 2 for step in trial.intermediate_values)  # fold steps only
    assert np.isfinite(automl.score(X, y))


def test_a_default_search_leaves_architecture_search_out():
    X, y = FRAMES["binary"]()
    automl = AutoML(n_trials=2, executor="sync", time_budget=None, storage="memory",
                    ensemble=False, cv=2)
    assert automl.families is None
    automl.fit(X, y)
    [started] = [e for e in automl.handle_.events() if isinstance(e, SearchStarted)]
    assert started.families == list(DEFAULT_FAMILIES) and "nas" not in started.families


def test_a_network_judged_at_rungs_trains_its_other_folds_only_once_its_first_passed(monkeypatch):
    # two workers, and trials among the first ten (whose folds otherwise run side by side): a fold
    # started beside a first fold that a rung then stops could not be interrupted, and would train
    # a dropped network to the end on the other worker
    from jupyter_automl.search.executors import _threads

    monkeypatch.setenv(NN_BACKEND_VARIABLE, "sklearn")
    monkeypatch.setattr(SearchSpace, "default_configs", lambda self: [])  # every network sampled
    units, real = [], _threads.run_fold

    def watched(data, params, fold, deadline=None):
        key = repr(sorted((k, v) for k, v in params.items() if k != UNIT_OPTION))
        started = time.monotonic()
        result = real(data, params, fold, deadline)
        units.append((key, fold, UNIT_OPTION in params, started, time.monotonic(), result.pruned))
        return result

    monkeypatch.setattr(_threads, "run_fold", watched)
    X, y = FRAMES["multiclass"](120)
    AutoML(families=["nas"], n_trials=9, executor="threads", n_jobs=2, time_budget=None, seed=0,
           storage="memory", ensemble=False, cv=3, sampler="random").fit(X, y)
    judged = [u for u in units if u[1] == 0 and u[2]]
    assert len(judged) >= 3, units  # networks after the first meet the rungs
    assert any(u[5] for u in judged), units  # and some stop at one
    for key, _, _, _, ended, pruned in judged:
        others = [u for u in units if u[0] == key and u[1] > 0]
        assert all(u[3] >= ended for u in others), (key, others)  # none ran beside its first fold
        assert not (pruned and others)  # a network stopped at a rung trained no other fold
