"""Successive halving on rows (large tables): trials train on a ninth, a third, then all of the
holdout's training rows; weak ones stop on a subsample and a finished trial is scored on all.

The size rules are scaled down (a table of 2,000 rows counts as large) so that the search is a
small, deterministic one in this thread.
"""

from __future__ import annotations

import numpy as np
import pytest

from .._data import binary_frame
from ._rungs import row_rung_search


@pytest.fixture(scope="module")
def search():
    return row_rung_search(14, ["linear", "knn"])


def test_the_plan_names_the_rows_of_each_rung(search):
    splits = search.problem_.splits
    assert (splits.kind, [len(tr) for tr, _ in splits.folds]) == ("rows", [178, 534, 1600])
    assert "178, then 534, then 1,600 rows" in splits.reason


def test_weak_trials_stop_on_a_subsample_and_finished_ones_are_scored_on_all_rows(search):
    board = search.leaderboard()
    pruned = board[board["status"] == "pruned"]
    assert len(pruned), board[["trial", "status", "score", "reason"]]
    assert pruned["reason"].str.match(r"stopped after training on (178|534) rows").all()
    assert (pruned["n_folds"] < 3).all()
    finished = board[board["status"] == "finished"]
    assert (finished["n_folds"] == 3).all()
    rungs = {}
    for e in search.handle_.events():
        if e.kind == "fold_scored":
            rungs.setdefault(e.trial_number, {})[e.fold] = e.score
    for number, score in zip(finished["trial"], finished["score"], strict=True):
        assert score == pytest.approx(rungs[number][2])  # the last rung, not a mean over sizes
        assert score != pytest.approx(np.mean(list(rungs[number].values())))


def test_the_final_model_learns_from_every_row(search):
    assert search.cv_score_ is not None
    proba = search.predict_proba(binary_frame(2_000)[0])
    assert proba.shape == (2_000, 2) and np.isfinite(proba).all()


def test_a_refit_is_priced_as_a_fixed_cost_plus_a_cost_per_row_from_a_small_rung():
    # 1M rows, a linear model: 1.1 s on a first rung of 33,334 rows, 15 s on all of them (13.6x);
    # the rows ratio (30x) kept twice that for the refit, ratio ** 1.15 (50x) left no time for a
    # single trial to finish within 60 s
    from types import SimpleNamespace

    from jupyter_automl.problem import make_splits
    from jupyter_automl.search._budget import refit_scale
    from jupyter_automl.search.space import FAMILIES

    def rec(family, *folds):
        return SimpleNamespace(folds=dict.fromkeys(folds), family=family)

    y = np.repeat(np.array(["no", "yes"], dtype=object), [600_000, 400_000])
    rungs = SimpleNamespace(n_rows=len(y), splits=make_splits(y, "binary", "auto", seed=0))
    rows = len(rungs.splits.folds[0][0])
    fixed = FAMILIES["linear"].fixed_cost_rows
    assert fixed == FAMILIES["gradient_boosting"].fixed_cost_rows == 30_000
    first_rung = refit_scale(rungs, rec("linear", 0))
    assert first_rung == pytest.approx(2 ** 0.15 * (fixed + 1_000_000) / (fixed + rows))
    assert 13.6 < first_rung < 1_000_000 / rows * 0.65
    # every rung: priced from the mean rows (a fixed + per-row cost is linear in the mean too)
    mean_rows = np.mean([len(tr) for tr, _ in rungs.splits.folds])
    assert refit_scale(rungs, rec("linear", 0, 1, 2)) == \
        pytest.approx(2 ** 0.15 * (fixed + 1_000_000) / (fixed + mean_rows))
    # networks train more epochs on more rows: no fixed cost counted (the safe guess)
    assert FAMILIES["neural"].fixed_cost_rows == 0
    assert refit_scale(rungs, rec("neural", 0)) == pytest.approx(2 ** 0.15 * 1_000_000 / rows)
    # between a fold and all rows the fit still counts as a little faster than the rows
    kfold = SimpleNamespace(n_rows=1000, splits=make_splits(y[::1000], "binary", 5, seed=0))
    assert refit_scale(kfold, rec("linear", 0, 1)) == pytest.approx(1.25 ** 1.15)
    # and never less than that rule gives at twice the rows
    y60k = np.tile(np.array(["no", "yes"], dtype=object), 30_000)
    small = SimpleNamespace(n_rows=60_000, splits=make_splits(y60k, "binary", "auto", seed=0))
    assert small.splits.kind == "rows" and 60_000 / small.splits.train_rows(0) > 2
    assert refit_scale(small, rec("linear", 0)) == pytest.approx(2 ** 1.15)
