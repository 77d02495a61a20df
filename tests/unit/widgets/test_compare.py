"""widgets._compare: the Results step's side-by-side panel of two trials, from
``AutoML.compare_trials`` (a tiny synchronous search; no browser, no widget threads)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.insight import compare_trials
from jupyter_automl.widgets._compare import COMPARE_LIMITS, MSG_COMPARE_COUNT, compare_part

from .._data import binary_frame
from ..conftest import tiny_automl


@pytest.fixture(scope="module")
def searched():
    X, y = binary_frame(120)
    automl = tiny_automl(families=["linear", "knn"], n_trials=6).fit(X, y)
    board = automl.leaderboard()
    finished = board[board["status"] == "finished"]
    by_family = finished.groupby("family")["trial"].first()  # one linear, one k-NN trial
    return automl, board.set_index("trial"), [int(by_family["linear"]), int(by_family["knn"])]


def _rows(part, title):
    return {r["name"]: r for s in part["sections"] if s["title"] == title for r in s["rows"]}


def test_two_trials_side_by_side_with_scores_metrics_times_and_differing_settings(searched):
    automl, board, (a, b) = searched
    part = compare_part(automl, [a, b])
    json.dumps(part)  # it goes over the wire as is
    assert part["trials"] == [a, b] and part["families"] == ["linear", "knn"]
    assert part["metric"] == "roc_auc" and part["direction"] == "maximize"
    assert [s["title"] for s in part["sections"]] == [
        "Model and settings", "Scores", "Other metrics, out of fold", "Time and size"]

    model = _rows(part, "Model and settings")
    assert model["family"]["values"] == ["Linear model", "k-nearest neighbours"]
    assert model["family"]["differs"] is True
    settings = [r for r in model.values() if r["name"].startswith("setting: ")]
    # each family's own settings are missing (None) for the other, so they differ; differing first
    assert model["setting: C"]["values"][1] is None and model["setting: C"]["differs"]
    assert model["setting: n_neighbors"]["values"][0] is None
    flags = [r["differs"] for r in settings]
    assert flags == sorted(flags, reverse=True)
    assert part["n_differing"] == 1 + sum(flags)

    scores = _rows(part, "Scores")
    assert scores["score"]["label"] == "ROC AUC, mean over the folds"
    assert scores["score"]["values"] == [pytest.approx(board.loc[a, "score"]), pytest.approx(board.loc[b, "score"])]
    best = 0 if board.loc[a, "score"] > board.loc[b, "score"] else 1
    assert scores["score"]["best"] == best and scores["score"]["unit"] == "score"
    assert scores["fold scores"]["unit"] == "text" and scores["fold scores"]["values"][0].count(",") == 2

    others = _rows(part, "Other metrics, out of fold")
    assert "out of fold: roc_auc" not in others  # the search's metric is the score above
    assert others["out of fold: log_loss"]["label"] == "log loss"
    log_loss = others["out of fold: log_loss"]["values"]
    assert others["out of fold: log_loss"]["best"] == log_loss.index(min(log_loss))  # lower is better

    costs = _rows(part, "Time and size")
    assert costs["fit_time"]["unit"] == "seconds" and costs["predict_ms"]["unit"] == "ms"
    assert costs["fit_time"]["values"] == [pytest.approx(board.loc[a, "fit_time"]),
                                           pytest.approx(board.loc[b, "fit_time"])]
    assert costs["status"]["values"] == ["finished", "finished"] and costs["status"]["best"] is None
    # who ran it: the coordinator of each trial (this process); no Dask workers here
    assert costs["coordinator"]["values"] == [board.loc[a, "coordinator"], board.loc[b, "coordinator"]]
    assert all(":" in c for c in costs["coordinator"]["values"]) and "workers" not in costs


def test_the_same_family_marks_only_the_settings_that_differ(searched):
    automl, board, _ = searched
    linear = [int(t) for t in board.index if board.loc[t, "family"] == "linear"
              and board.loc[t, "status"] == "finished"][:2]
    part = compare_part(automl, linear)
    model = _rows(part, "Model and settings")
    assert model["family"]["differs"] is False
    assert all(r["values"][0] != r["values"][1] for r in model.values() if r["differs"])
    assert all(r["values"][0] == r["values"][1] for r in model.values() if not r["differs"])


@pytest.mark.parametrize("trials", [[0], [0, 0], [0, 1, 2, 3, 4], "two", None])
def test_one_trial_too_many_or_repeated_ones_are_refused(searched, trials):
    automl, _, _ = searched
    with pytest.raises(InputError, match="Pick 2 to 4 different trials to compare"):
        compare_part(automl, trials)
    assert MSG_COMPARE_COUNT.format(**COMPARE_LIMITS, got=[0]).endswith("Got [0].")


def test_an_unknown_trial_gets_the_engine_message(searched):
    automl, _, (a, _) = searched
    with pytest.raises(InputError, match="No trial 999"):
        compare_part(automl, [a, 999])


class _Searched:
    """Stands in for a fitted regression AutoML: compare_trials over a board made by hand."""

    problem_ = SimpleNamespace(metric=SimpleNamespace(name="rmse", direction="minimize"))

    def __init__(self, board):
        self.board = board

    def compare_trials(self, numbers):
        return compare_trials(self.board, numbers)


def test_lower_is_better_and_other_recorded_numbers_have_their_own_section():
    board = pd.DataFrame({
        "trial": [0, 1], "family": ["linear", "linear"], "status": ["finished", "finished"],
        "score": [3.5, 2.5], "score_std": [0.1, 0.2], "fit_time": [1.0, 1.0], "rmse": [3.5, 2.5],
        "r2": [0.5, 0.7], "predicted_score": [0.9, np.nan],
        "params": [{"linear.alpha": 1.0}, {"linear.alpha": 1.0}],
    })
    part = compare_part(_Searched(board), [0, 1])
    assert _rows(part, "Scores")["score"]["best"] == 1  # the lower RMSE
    assert _rows(part, "Scores")["score"]["label"] == "RMSE, mean over the folds"
    assert _rows(part, "Other metrics, out of fold")["out of fold: r2"]["best"] == 1
    assert _rows(part, "Time and size")["fit_time"]["best"] is None
    extra = _rows(part, "Also recorded")["out of fold: predicted_score"]
    assert extra["label"] == "Score the warm start predicted (normalised)" and extra["values"] == [0.9, None]
    assert part["n_differing"] == 0 and not _rows(part, "Model and settings")["setting: alpha"]["differs"]
