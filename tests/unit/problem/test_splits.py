"""Validation folds: size rules, stratification, rare classes, holdout, seeding, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.problem import analyze, make_splits
from jupyter_automl.problem._splits import (
    HOLDOUT_CELLS_PER_SECOND,
    MAX_RUNG_ROWS,
    MSG_CV,
    auto_n_folds,
)

from .._data import binary_frame
from .._messages import filled


@pytest.mark.parametrize(("n_rows", "scheme"), [
    (10, 5), (10_000, 5), (10_001, 3), (50_000, 3), (50_001, "holdout"), (100_000, "holdout")])
def test_auto_scheme_by_size(n_rows, scheme):
    chosen, reason = auto_n_folds(n_rows)
    assert chosen == scheme
    assert str(n_rows) in reason


@pytest.mark.parametrize(("n_rows", "n_columns", "budget", "scheme"), [
    (36_631, 14, 5, "holdout"),  # adult at 5 s: 3 folds left it its linear baseline only
    (36_631, 14, 12, "holdout"),
    (36_631, 14, 13, 3),
    (36_631, 14, 60, 3),
    (36_631, 14, None, 3),  # no time budget: cross-validation as before
    (10_000, 500, 1, 5),  # small tables keep every row for validation, whatever the budget
    (50_001, 1, 3600, "holdout"),  # large ones validate on a holdout anyway
])
def test_a_short_budget_on_a_mid_sized_table_validates_on_a_holdout(n_rows, n_columns, budget, scheme):
    chosen, reason = auto_n_folds(n_rows, n_columns, budget)
    assert chosen == scheme
    if scheme == "holdout" and n_rows <= 50_000:
        assert f"{budget} s budget" in reason and f"{n_columns} columns" in reason


def test_analyze_chooses_the_holdout_from_the_time_budget():
    X, y = binary_frame(12_000)
    cells = len(X) * X.shape[1]
    short = cells / HOLDOUT_CELLS_PER_SECOND / 2
    problem, _, _ = analyze(X, y, check_leakage=False, time_budget=short)
    assert problem.splits.kind == "holdout" and problem.splits.n_folds == 1
    assert "budget" in problem.splits.reason
    problem, _, _ = analyze(X, y, check_leakage=False, time_budget=4 * short)
    assert problem.splits.kind == "kfold" and problem.splits.n_folds == 3
    problem, _, _ = analyze(X, y, cv=5, check_leakage=False, time_budget=short)  # chosen: kept
    assert problem.splits.n_folds == 5


def _labels(counts: dict) -> np.ndarray:
    y = np.concatenate([[label] * n for label, n in counts.items()]).astype(object)
    return np.random.default_rng(0).permutation(y)


def _assert_partition(splits, n):
    valid = np.concatenate([va for _, va in splits.folds])
    assert sorted(valid) == list(range(n))  # every row validated exactly once
    for tr, va in splits.folds:
        assert not set(tr) & set(va)
        assert len(tr) + len(va) == n


def test_stratified_folds_keep_class_shares():
    y = _labels({"a": 60, "b": 30, "c": 10})
    splits = make_splits(y, "multiclass", 5, seed=0)
    assert (splits.kind, splits.n_folds) == ("kfold", 5)
    _assert_partition(splits, len(y))
    for _, va in splits.folds:
        counts = {c: int(np.sum(y[va] == c)) for c in "abc"}
        assert counts == {"a": 12, "b": 6, "c": 2}


def test_regression_folds_cover_every_row():
    y = np.random.default_rng(0).normal(size=53)
    splits = make_splits(y, "regression", 4, seed=0)
    assert splits.n_folds == 4
    _assert_partition(splits, 53)


def test_same_seed_same_folds_other_seed_other_folds():
    y = _labels({"a": 50, "b": 50})
    first, again, other = (make_splits(y, "binary", 5, seed=s) for s in (0, 0, 1))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first.folds, again.folds, strict=True))
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(first.folds, other.folds, strict=True))


def test_rare_class_reduces_the_folds_and_says_why():
    y = _labels({"a": 40, "b": 3})
    splits = make_splits(y, "binary", 5, seed=0)
    assert splits.n_folds == 3
    assert "folds reduced to 3 because the rarest class has only 3 rows" in splits.reason
    for _, va in splits.folds:
        assert np.sum(y[va] == "b") == 1


def test_rare_class_note_reaches_the_problem():
    X, _ = binary_frame(42)
    y = _labels({0: 40, 1: 2})
    problem, _, _ = analyze(X, y, cv=5, check_leakage=False)
    assert problem.splits.n_folds == 2
    assert any("folds reduced to 2" in note for note in problem.notes)


def test_holdout_is_a_stratified_fifth():
    y = _labels({"a": 80, "b": 20})
    splits = make_splits(y, "binary", "holdout", seed=0)
    assert (splits.kind, splits.n_folds) == ("holdout", 1)
    [(train, valid)] = splits.folds
    assert len(valid) == 20 and len(train) == 80
    assert np.sum(y[valid] == "b") == 4
    assert np.all(np.diff(train) > 0) and np.all(np.diff(valid) > 0)  # sorted row order


def test_covered_marks_validation_rows():
    y = _labels({"a": 80, "b": 20})
    holdout = make_splits(y, "binary", "holdout", seed=0)
    assert holdout.covered(100).sum() == 20
    assert make_splits(y, "binary", 5, seed=0).covered(100).all()


def test_problem_records_the_scheme():
    X, y = binary_frame(100)
    summary = analyze(X, y, cv="holdout", check_leakage=False)[0].summary()["validation"]
    assert summary["kind"] == "holdout" and summary["n_folds"] == 1


@pytest.mark.parametrize("cv", [1, 0, -3, True, 2.5, "3", "kfold", None])
def test_bad_cv_is_refused(cv):
    with pytest.raises(InputError, match=filled(MSG_CV, got=cv)):
        make_splits(_labels({"a": 10, "b": 10}), "binary", cv, seed=0)


def test_large_tables_get_row_rungs_nested_in_one_holdout():
    y = _labels({"a": 100_000, "b": 50_000})
    splits = make_splits(y, "binary", "auto", seed=0)
    assert (splits.kind, splits.n_folds) == ("rows", 3)
    (tr0, va0), (tr1, va1), (tr2, va2) = splits.folds
    assert (len(tr2), len(va2)) == (120_000, 30_000)  # the last rung is the whole 20% holdout
    assert [len(tr0), len(tr1)] == [13_334, 40_000]  # a ninth, a third
    assert set(tr0) <= set(tr1) <= set(tr2) and set(va0) <= set(va1) <= set(va2)
    assert not set(tr2) & set(va2)
    assert "13,334, then 40,000, then 120,000 rows" in splits.reason
    assert splits.scored_folds == splits.folds[-1:] and splits.trial_scores([0.7, 0.8, 0.9]) == [0.9]
    assert 0.3 < np.mean(y[tr0] == "b") < 0.37  # a random subsample keeps the class shares


def test_a_trial_trains_on_at_most_max_rung_rows_and_the_rungs_scale_from_there():
    y = _labels({"a": 600_000, "b": 400_000})
    splits = make_splits(y, "binary", "auto", seed=0)
    (tr0, va0), (tr1, va1), (tr2, va2) = splits.folds
    assert [len(tr0), len(tr1), len(tr2)] == [33_334, 100_000, MAX_RUNG_ROWS]  # of 800,000
    assert len(va2) == 75_000  # the same share (3/8) of the 200,000 validation rows
    assert set(tr0) <= set(tr1) <= set(tr2) and set(va0) <= set(va1) <= set(va2)
    assert not set(tr2) & set(va2)
    assert "33,334, then 100,000, then 300,000 rows" in splits.reason
    assert "the final model learns from all rows" in splits.reason


def test_a_holdout_you_choose_or_a_small_table_has_no_rungs():
    big = _labels({"a": 80_000, "b": 70_000})
    assert make_splits(big, "binary", "holdout", seed=0).kind == "holdout"
    assert make_splits(big, "binary", "auto", seed=0).n_folds == 3  # 120,000 training rows: 3 rungs
    kfold = make_splits(_labels({"a": 50, "b": 50}), "binary", 5, seed=0)
    assert kfold.trial_scores([0.1, 0.2]) == [0.1, 0.2] and kfold.scored_folds == kfold.folds


def test_a_complex_target_is_refused_with_a_clear_message():
    from jupyter_automl.exceptions import TargetError
    from jupyter_automl.problem._splits import MSG_COMPLEX

    with pytest.raises(TargetError, match=filled(MSG_COMPLEX)):
        make_splits(np.array([1j, 2j] * 10), "binary", 2, seed=0)


def test_automl_passes_its_time_budget_to_the_choice_of_folds():
    from ..conftest import tiny_automl

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(12_000, 40)), columns=[f"x{i}" for i in range(40)])
    y = pd.Series((X["x0"] + rng.normal(size=len(X)) > 0).astype(int).to_numpy(), name="y")
    budget = 0.5 * len(X) * X.shape[1] / HOLDOUT_CELLS_PER_SECOND  # 6 s: short for 480,000 cells
    automl = tiny_automl(cv="auto", time_budget=budget, n_trials=1).fit(X, y)
    assert automl.leaderboard()["n_folds"].tolist() == [1]
    started = next(e for e in automl.handle_.events() if e.kind == "search_started")
    assert started.n_folds == 1
