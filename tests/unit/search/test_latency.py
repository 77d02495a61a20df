"""Accuracy against cost: predict time and model size per trial, a latency limit on the final
model, a faster model within a tolerance, and the leaderboard ranked by any column."""

from __future__ import annotations

import numpy as np
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.problem import SECONDARY
from jupyter_automl.search._latency import (
    MSG_TOLERANCE,
    faster_trial,
    trim_to_latency,
    within_latency,
)
from jupyter_automl.search._trials import MSG_SORT_BY, TrialRecord

from .._data import binary_frame, regression_frame
from .._messages import filled
from ..conftest import tiny_automl


def _rec(number, score, ms):
    return TrialRecord(number=number, params={"family": "linear"}, started=0.0, state="finished",
                       score=score, predict_ms=ms)


def test_every_trial_records_its_predict_time_size_and_usual_metrics():
    X, y = regression_frame(80)
    board = tiny_automl(n_trials=3, families=["linear", "gradient_boosting"]).fit(X, y).leaderboard()
    finished = board[board["status"] == "finished"]
    assert (finished["predict_ms"] > 0).all() and (finished["model_kb"] > 0).all()
    assert list(board.columns[-len(SECONDARY["regression"]):]) == list(SECONDARY["regression"])
    assert np.allclose(finished["rmse"], finished["score"], rtol=0.5)  # out of fold vs mean of folds


def test_the_leaderboard_ranks_by_any_column():
    X, y = binary_frame(90)
    automl = tiny_automl(n_trials=4, families=["linear", "knn"]).fit(X, y)
    by_time = automl.leaderboard(sort_by="predict_ms")
    finished = by_time[by_time["status"] == "finished"]
    assert finished["predict_ms"].is_monotonic_increasing and finished["rank"].tolist()[0] == 1
    by_loss = automl.leaderboard(sort_by="log_loss")
    assert by_loss[by_loss["status"] == "finished"]["log_loss"].is_monotonic_increasing
    with pytest.raises(InputError, match="leaderboard\\(sort_by=...\\)"):
        automl.leaderboard(sort_by="colour")
    assert MSG_SORT_BY.startswith("leaderboard(sort_by=...)")


def test_a_latency_limit_keeps_slow_trials_out_of_the_final_model():
    ranked = [_rec(0, 0.9, 40.0), _rec(1, 0.8, 5.0), _rec(2, 0.7, 1.0)]
    notes: list[str] = []
    assert [r.number for r in within_latency(ranked, 10.0, notes)] == [1, 2]
    assert "1 trial(s) left out" in notes[0]
    assert [r.number for r in within_latency(ranked, 0.5, [])] == [2]  # none fits: the fastest
    # 40 + 5 + 1 = 46 ms: the lightest member goes first
    members, weights = trim_to_latency(ranked, [0.5, 0.3, 0.2], 45.5, notes)
    assert [m.number for m in members] == [0, 1] and weights == pytest.approx([0.5 / 0.8, 0.3 / 0.8])
    members, _ = trim_to_latency(ranked, [0.5, 0.3, 0.2], 42.0, notes)
    assert [m.number for m in members] == [0]


def test_max_predict_ms_end_to_end():
    X, y = binary_frame(90)
    free = tiny_automl(n_trials=4, families=["linear", "knn"], ensemble=True).fit(X, y)
    board = free.leaderboard().set_index("trial")
    limit = float(board["predict_ms"].min()) * 1.0001
    fast = tiny_automl(n_trials=4, families=["linear", "knn"], ensemble=True,
                       max_predict_ms=limit).fit(X, y)
    chosen = fast.leaderboard().set_index("trial").loc[fast.search_.members, "predict_ms"]
    assert chosen.sum() <= limit * 1.0001 or len(chosen) == 1
    with pytest.raises(InputError, match="max_predict_ms"):
        tiny_automl(max_predict_ms=0).fit(X, y)


def test_faster_trial_within_a_tolerance():
    records = [_rec(0, 0.90, 50.0), _rec(1, 0.895, 3.0), _rec(2, 0.80, 0.5)]
    assert faster_trial(records, 0.90, True, 0.01).number == 1
    assert faster_trial(records, 0.90, True, 0.0).number == 0
    assert faster_trial(records, 0.90, True, 0.2).number == 2
    losses = [_rec(0, 0.10, 50.0), _rec(1, 0.1005, 3.0)]
    assert faster_trial(losses, 0.10, False, 0.01).number == 1
    with pytest.raises(InputError, match=filled(MSG_TOLERANCE, got=2)):
        faster_trial(records, 0.9, True, 2)


def test_select_faster_makes_the_fast_trial_the_model():
    X, y = binary_frame(90)
    automl = tiny_automl(n_trials=4, families=["linear", "knn"]).fit(X, y)
    board = automl.leaderboard()
    automl.select_faster(tolerance=1.0)  # anything goes: the fastest trial
    fastest = board[board["status"] == "finished"].sort_values("predict_ms").iloc[0]
    assert automl.best_trial_ == int(fastest["trial"])
    assert "the fastest within 100% of the best score" in automl.search_.description
    assert automl.predict_proba(X).shape == (len(X), 2)


def test_no_single_trial_close_to_an_ensemble_is_a_clear_error():
    # the model's score is an ensemble's, above every trial's: nothing within 1 % of it
    from jupyter_automl.search._latency import MSG_NONE_CLOSE, pick_faster

    with pytest.raises(InputError) as info:
        pick_faster([0, 1], [0.70, 0.71], [5.0, 9.0], best_score=0.80, greater_is_better=True,
                    tolerance=0.01)
    assert str(info.value) == MSG_NONE_CLOSE.format(tolerance=0.01, best=0.80)
    assert pick_faster([0, 1], [0.70, 0.79], [5.0, 9.0], 0.80, True, 0.02) == 1


def test_predict_time_for_1000_rows_is_timed_on_a_batch_of_1000_rows_when_folds_are_smaller():
    from jupyter_automl.problem import analyze
    from jupyter_automl.search import TrainingData
    from jupyter_automl.search._objective import LATENCY_ROWS, run_fold
    from jupyter_automl.search._trials import describe_trial
    from jupyter_automl.search.space import SearchSpace

    X, y = binary_frame(300)
    problem, X, y = analyze(X, y, check_leakage=False, cv=3)
    data = TrainingData(X, y.to_numpy(), problem, seed=0)
    params = SearchSpace(problem, ["linear"]).default_configs()[0]
    first, second = run_fold(data, params, 0), run_fold(data, params, 1)
    assert first.n_predicted == 100 < LATENCY_ROWS
    # the first fold times one call on 1,000 rows (its 100 rows repeated): a small fold's time
    # scaled by 10 would count the pipeline's fixed cost per call ten times
    assert first.batch_ms > 0 and second.batch_ms is None
    assert second.predict_ms_per_1k == pytest.approx(1e6 * second.predict_time / second.n_predicted)
    # the trial's figure is the timed batch, not the folds' scaled times
    third = run_fold(data, params, 2)
    rec = TrialRecord(0, params, 0.0, folds={0: first, 1: second, 2: third})
    oof = np.zeros((len(y), 2))
    for fold in (first, second, third):
        oof[problem.splits.folds[fold.fold][1]] = fold.valid_pred
    describe_trial(rec, y.to_numpy(), oof, problem)
    assert rec.predict_ms == first.batch_ms
    # a fold of 1,000 rows or more is timed as it is
    problem, X, y = analyze(*binary_frame(2200), check_leakage=False, cv=2)
    large = run_fold(TrainingData(X, y.to_numpy(), problem, seed=0), params, 0)
    assert large.n_predicted >= LATENCY_ROWS and large.batch_ms is None
    assert large.predict_ms_per_1k == pytest.approx(1e6 * large.predict_time / large.n_predicted)
