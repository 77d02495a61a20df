"""The leaderboard: one row per trial, its columns, and its order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.problem import resolve_metric
from jupyter_automl.search import LEADERBOARD_COLUMNS, FoldResult, TrialRecord, leaderboard_frame


def _record(number, state, scores, family="linear", reason=""):
    rec = TrialRecord(number=number, params={"family": family, f"{family}.C": 1.0 + number},
                      started=float(number), state=state, reason=reason)
    for k, s in enumerate(scores):
        rec.folds[k] = FoldResult(k, s, 0.5, 0.1, None)
    if state == "finished":
        rec.score, rec.score_std, rec.duration = float(np.mean(scores)), float(np.std(scores)), 3.0
    return rec


RECORDS = [
    _record(0, "finished", [0.80, 0.82]),
    _record(1, "failed", [], family="svm", reason="fold 1: ValueError: bad"),
    _record(2, "finished", [0.90, 0.88], family="gradient_boosting"),
    _record(3, "pruned", [0.60], reason="pruned after fold 1"),
    _record(4, "running", [0.85]),
    _record(5, "finished", [0.70, 0.72]),
]


def _metric(name):
    task = "regression" if name == "rmse" else "binary"
    return resolve_metric(name, task, None if task == "regression" else np.array([0, 1]), 1)[0]


def test_columns():
    frame = leaderboard_frame(RECORDS, _metric("roc_auc"))
    assert list(frame.columns) == LEADERBOARD_COLUMNS
    assert len(frame) == len(RECORDS)


def test_finished_best_first_then_the_rest():
    frame = leaderboard_frame(RECORDS, _metric("roc_auc"))
    assert frame["trial"].tolist()[:3] == [2, 0, 5]
    assert set(frame["trial"].tolist()[3:]) == {1, 3, 4}
    assert frame["rank"].tolist()[:3] == [1, 2, 3]
    assert frame["rank"].iloc[3:].isna().all()
    assert (frame["status"].iloc[:3] == "finished").all()


def test_lower_is_better_metrics_rank_ascending():
    frame = leaderboard_frame(RECORDS, _metric("rmse"))
    assert frame["trial"].tolist()[:3] == [5, 0, 2]


def test_row_content():
    frame = leaderboard_frame(RECORDS, _metric("roc_auc"), weights={2: 0.75, 0: 0.25}).set_index("trial")
    assert frame.loc[2, "family"] == "gradient_boosting"
    assert frame.loc[2, "score"] == pytest.approx(0.89)
    assert frame.loc[2, "score_std"] == pytest.approx(0.01)
    assert frame.loc[2, "n_folds"] == 2 and frame.loc[2, "fit_time"] == pytest.approx(1.0)
    assert frame.loc[2, "params"] == {"gradient_boosting.C": 3.0}  # "family" is its own column
    assert frame.loc[2, "ensemble_weight"] == 0.75 and frame.loc[5, "ensemble_weight"] == 0.0
    assert frame.loc[1, "reason"] == "fold 1: ValueError: bad"
    assert np.isnan(frame.loc[1, "score"])
    # unfinished trials show the mean of the folds they scored
    assert frame.loc[3, "score"] == pytest.approx(0.60) and frame.loc[3, "n_folds"] == 1


def test_empty():
    frame = leaderboard_frame([], _metric("roc_auc"))
    assert frame.empty and list(frame.columns) == LEADERBOARD_COLUMNS


def test_extra_objectives_become_columns():
    rec = _record(7, "finished", [0.8, 0.8])
    rec.objectives = {"fairness_gap": 0.1}
    frame = leaderboard_frame([rec], _metric("roc_auc"))
    assert list(frame.columns) == LEADERBOARD_COLUMNS + ["fairness_gap"]
    assert isinstance(frame, pd.DataFrame) and frame.loc[0, "fairness_gap"] == 0.1
