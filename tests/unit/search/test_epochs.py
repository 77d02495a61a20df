"""Epoch-level pruning of neural trials on a real dataset (scikit-learn's digits): the rung rule,
a weak network stopped at the first rung inside its unit of work, and a real search that records
the epoch a network stopped at, and why, in the leaderboard, its events and the Optuna study."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jupyter_automl import AutoML
from jupyter_automl.events import FoldScored, TrialPruned
from jupyter_automl.problem import analyze
from jupyter_automl.search._epochs import (
    EPOCH_STEP,
    UNIT_OPTION,
    Rung,
    rung_thresholds,
    rungs_below,
    with_rungs,
)
from jupyter_automl.search._objective import TrainingData, run_fold
from jupyter_automl.search._trials import TrialRecord
from jupyter_automl.search.space import SearchSpace
from jupyter_automl.search.space._families import NN_BACKEND_VARIABLE

# a network that cannot learn much in 3 epochs: plain SGD at a tiny learning rate, 16 units
WEAK = {"neural.n_blocks": 1, "neural.block_0.width": 16, "neural.lr": 1e-4,
        "neural.optimizer": "sgd", "neural.schedule": "constant", "neural.n_heads": 1}


def _digits(n_rows=450):
    X, y = load_digits(return_X_y=True, as_frame=True)
    X, y = X.iloc[:n_rows], y.iloc[:n_rows]
    problem, X, y = analyze(X, y, cv=3, check_leakage=False)
    return TrainingData(X, y.to_numpy(), problem, 0)


def test_rungs_keep_the_best_third_once_three_networks_reached_them():
    assert rungs_below(100) == [3, 9, 27, 81]
    curves = [[0.1 * i] * 9 for i in range(1, 6)]  # five networks, scores 0.1 .. 0.5
    rungs = rung_thresholds(curves, greater_is_better=True)
    # with 5 earlier and the new one, the best 6 // 3 = 2 go on: the new one must reach the 2nd best
    assert rungs == {3: Rung(0.4, 5), 9: Rung(0.4, 5)}
    assert rung_thresholds(curves, greater_is_better=False)[3] == Rung(0.2, 5)
    assert rung_thresholds(curves[:2], greater_is_better=True) == {}  # too few networks yet
    assert rung_thresholds([[0.5] * 4] * 3 + [[0.9] * 2], True) == {3: Rung(0.5, 3)}  # reached it


@pytest.mark.parametrize("backend", ["torch", "sklearn"])
def test_a_weak_network_stops_at_the_first_rung_and_a_strong_one_trains_on(backend, monkeypatch):
    monkeypatch.setenv(NN_BACKEND_VARIABLE, backend)
    data = _digits()
    space = SearchSpace(data.problem, ["neural"])
    records = []
    for number, config in enumerate(space.default_configs()[:3]):
        result = run_fold(data, config, 0)
        assert result.ok and len(result.epoch_scores) == 100  # trained to the end: no rungs yet
        records.append(TrialRecord(number, config, 0.0, epoch_scores=list(result.epoch_scores)))
    best = min(records, key=lambda r: r.epoch_scores[2])  # log loss: lower is better
    weak = space.default_configs()[0] | WEAK
    params = with_rungs(weak, 0, records, data.problem.metric)
    assert set(params[UNIT_OPTION]) == {3, 9, 27, 81}
    result = run_fold(data, params, 0)
    assert result.ok and result.pruned and len(result.epoch_scores) == 3
    assert result.pruned.startswith("pruned at epoch 3 of 100 (fold 1): its validation score")
    assert "best third of the 3 networks" in result.pruned
    assert result.score == pytest.approx(result.epoch_scores[-1], rel=1e-4)  # scored as it stopped
    # the best of the three, trained again with the same seed, ties itself at every rung
    strong = run_fold(data, with_rungs(best.params, 0, records, data.problem.metric), 0)
    assert strong.pruned is None and list(strong.epoch_scores) == pytest.approx(best.epoch_scores)
    assert with_rungs(weak, 1, records, data.problem.metric) is weak  # later folds: no rungs


@pytest.mark.filterwarnings("ignore::jupyter_automl.exceptions.DataWarning")  # blank pixels
def test_a_search_records_the_epoch_a_network_was_pruned_at_and_why():
    X, y = load_digits(return_X_y=True, as_frame=True)
    automl = AutoML(time_budget=None, n_trials=9, seed=0, executor="sync", storage="memory",
                    families=["neural"], ensemble=False, cv=3, sampler="random")
    automl.fit(X.iloc[:450], y.iloc[:450])
    events = automl.handle_.events()
    seen = [e for e in events if isinstance(e, FoldScored)]
    pruned_events = [e for e in events if isinstance(e, TrialPruned)]
    board = automl.leaderboard()
    assert "epochs" in board
    finished = board[board["status"] == "finished"]
    assert (finished["epochs"] == 100).any()
    pruned = board[board["reason"].str.startswith("pruned at epoch")]
    assert len(pruned) >= 1, board[["trial", "status", "epochs", "reason"]]
    assert (pruned["status"] == "pruned").all()
    for _, row in pruned.iterrows():
        assert re.match(rf"pruned at epoch {row['epochs']} of (\d+) \(fold 1\)", row["reason"])
        assert row["epochs"] < int(re.match(r".* of (\d+)", row["reason"]).group(1))
    assert {e.trial_number for e in pruned_events} >= set(pruned["trial"])
    assert all(len(e.epoch_scores) >= 3 for e in seen)  # every fold event carries its curve
    # Optuna holds each network's first-fold curve at steps EPOCH_STEP + epoch
    trial = automl.handle_.study.trials[int(pruned["trial"].iloc[0])]
    steps = sorted(s for s in trial.intermediate_values if s > EPOCH_STEP)
    assert steps == list(range(EPOCH_STEP + 1, EPOCH_STEP + 1 + int(pruned["epochs"].iloc[0])))
    assert trial.user_attrs["epochs"] == pruned["epochs"].iloc[0]
    assert np.isfinite(automl.score(X.iloc[450:600], y.iloc[450:600]))
