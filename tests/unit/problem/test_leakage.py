"""The leakage check: a column that alone predicts the target almost perfectly is reported."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from jupyter_automl.datasets import load_demo
from jupyter_automl.problem import analyze
from jupyter_automl.problem._leakage import LEAKAGE_THRESHOLD

from .._data import binary_frame, multiclass_frame, regression_frame


@pytest.mark.parametrize("n", [60, 300, 3000])
def test_label_copy_is_found(n):
    X, y = binary_frame(n)
    X["outcome_code"] = y.map({0: "closed", 1: "open"})
    problem, _, _ = analyze(X, y)
    assert list(problem.leaks) == ["outcome_code"]
    assert problem.leaks["outcome_code"] >= LEAKAGE_THRESHOLD


@pytest.mark.parametrize("n", [60, 300, 3000])
def test_noisy_numeric_copy_is_found(n):
    X, y = binary_frame(n)
    X["paid_amount"] = y * 100 + np.random.default_rng(1).normal(0, 1, n)
    assert "paid_amount" in analyze(X, y)[0].leaks


def test_multiclass_copy_is_found():
    X, y = multiclass_frame(300)
    X["code"] = y.map({"cat": 1, "dog": 2, "fox": 3})
    assert "code" in analyze(X, y)[0].leaks


@pytest.mark.parametrize("n", [60, 300, 3000])
def test_regression_linear_copy_is_found(n):
    X, y = regression_frame(n)
    X["price_in_cents"] = y * 100
    assert "price_in_cents" in analyze(X, y)[0].leaks


@pytest.mark.parametrize("maker", [binary_frame, multiclass_frame, regression_frame])
def test_honest_columns_are_not_reported(maker):
    X, y = maker(1000)
    assert analyze(X, y)[0].leaks == {}


@pytest.mark.parametrize("name", ["breast_cancer", "german_credit", "wine", "diabetes"])
def test_no_false_alarm_on_demo_data(name):
    X, y, _ = load_demo(name)
    assert analyze(X, y)[0].leaks == {}


def test_the_note_names_the_column_and_what_to_do():
    X, y = binary_frame(300)
    X["outcome_code"] = y
    problem, _, _ = analyze(X, y)
    [note] = [n for n in problem.notes if n.startswith("possible leakage")]
    assert "'outcome_code'" in note
    assert "leave them out" in note


def test_check_can_be_turned_off():
    X, y = binary_frame(300)
    X["outcome_code"] = y
    assert analyze(X, y, check_leakage=False)[0].leaks == {}


def test_missing_and_infinite_values_raise_no_warning():
    X, y = binary_frame(300)
    values = X["noise"].to_numpy().copy()
    values[::7], values[1::7] = np.inf, np.nan
    X["noise"] = values
    X["all_inf"] = np.where(np.arange(300) % 2, np.inf, -np.inf)
    # recorded, not turned into errors: a filter set here could leak into other tests through
    # a background thread's catch_warnings (the warnings state is process-wide before 3.14)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        problem, _, _ = analyze(X, y)
    assert [str(w.message) for w in caught] == []
    assert "noise" not in problem.leaks


def test_numbers_stored_as_text_are_checked_too():
    X, y = regression_frame(300)
    X["price_text"] = (y * 2).map("{:.2f}".format)
    assert "price_text" in analyze(X, y)[0].leaks


def test_seeded():
    X, y = binary_frame(500)
    X["almost"] = np.where(np.random.default_rng(3).random(500) < 0.995, y, 1 - y)
    assert analyze(X, y, seed=4)[0].leaks == analyze(X, y, seed=4)[0].leaks
