"""Resuming a stored study by name: what the second search does with the first one's trials."""

from __future__ import annotations

import json

import pytest

from conformance._tiny import TINY, demo
from jupyter_automl import AutoML

pytestmark = pytest.mark.integration


def _fit(tmp_path, n_trials):
    X, y = demo()
    return AutoML(**(TINY | {"executor": "sync", "storage": None, "runs_dir": str(tmp_path),
                             "study_name": "again", "n_trials": n_trials})).fit(X, y)


def test_a_resumed_search_does_not_repeat_configurations(tmp_path):
    _fit(tmp_path, 4)
    board = _fit(tmp_path, 4).leaderboard()
    configs = [json.dumps(p, sort_keys=True) for p in board["params"]]
    assert len(set(configs)) == len(configs)


def test_the_model_is_the_best_of_both_searches(tmp_path):
    first = _fit(tmp_path, 3)
    second = _fit(tmp_path, 1)
    board = second.leaderboard()
    assert len(board) == 4 and (board["status"] == "finished").all()
    assert second.best_trial_ == board.iloc[0]["trial"]
    assert second.cv_score_ == pytest.approx(board.iloc[0]["score"])
    assert second.cv_score_ >= first.cv_score_
    assert second.predict(demo()[0].head(2)).shape == (2,)
