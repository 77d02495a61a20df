"""Same data, seed and trial count in sequential mode: the same search, model and predictions,
with the default sampler (TPE) past its random start-up, ensembles included; and a search that
could differ says why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_automl import AutoML

from .._data import multiclass_frame

SEQUENTIAL = dict(time_budget=None, n_trials=30, seed=3, executor="sync", storage="memory",
                  families=["linear", "knn", "gradient_boosting"], ensemble=True, cv=2)


def _run(X, y):
    automl = AutoML(**SEQUENTIAL).fit(X, y)
    board = automl.leaderboard()[["trial", "family", "score", "status", "params", "ensemble_weight"]]
    return automl, board


def test_a_sequential_search_is_reproduced_exactly():
    X, y = multiclass_frame(80)
    first, board1 = _run(X, y)
    second, board2 = _run(X, y)
    assert len(board1) == 30 and (board1["status"] == "finished").sum() >= 10
    pd.testing.assert_frame_equal(board1, board2)
    assert first.search_.members == second.search_.members and len(first.search_.members) >= 2
    assert np.array_equal(first.predict_proba(X), second.predict_proba(X))
    assert first.search_.variability == []


def test_what_makes_a_search_differ_is_recorded():
    X, y = multiclass_frame(80)
    automl = AutoML(time_budget=4, seed=0, n_jobs=2, storage="memory", families=["linear", "knn"],
                    cv=2).fit(X, y)
    reasons = " ".join(automl.search_.variability)
    assert "time budget decided when the search ended" in reasons
    assert "2 units ran side by side" in reasons
