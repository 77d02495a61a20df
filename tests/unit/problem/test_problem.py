"""``analyze``: from (X, y) to a Problem; y as values or a column name; positive class; summary."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.problem import Problem, analyze
from jupyter_automl.problem._problem import MSG_POSITIVE

from .._data import binary_frame, multiclass_frame, regression_frame
from .._messages import filled


def test_y_as_column_name_is_taken_out_of_X():
    X, y = binary_frame()
    problem, X_out, y_out = analyze(X.assign(label=y), "label", check_leakage=False)
    assert problem.target == "label"
    assert "label" not in X_out.columns and "label" not in problem.feature_names_in
    assert y_out.tolist() == y.tolist()


def test_y_as_one_column_frame():
    X, y = binary_frame()
    problem, _, y_out = analyze(X, y.to_frame(), check_leakage=False)
    assert problem.task == "binary" and len(y_out) == len(X)


def test_y_as_numpy_and_list():
    X, y = regression_frame()
    for values in (y.to_numpy(), y.tolist()):
        problem, _, y_out = analyze(X, values, check_leakage=False)
        assert problem.task == "regression" and problem.target == "target"


def test_x_as_numpy_gets_named_columns_with_a_note():
    X, y = binary_frame()
    problem, X_out, _ = analyze(X[["signal", "noise"]].to_numpy(), y, check_leakage=False)
    assert list(X_out.columns) == ["x0", "x1"]
    assert any("columns were named x0, x1" in n for n in problem.notes)


def test_index_of_y_does_not_need_to_match():
    X, y = binary_frame()
    y.index = y.index + 1000
    _, X_out, y_out = analyze(X, y, check_leakage=False)
    assert (X_out.index == y_out.index).all()


def test_missing_target_rows_are_left_out_with_a_note():
    X, y = regression_frame(60)
    y = y.copy()
    y.iloc[[1, 5, 9]] = np.nan
    problem, X_out, y_out = analyze(X, y, check_leakage=False)
    assert problem.n_rows == len(X_out) == len(y_out) == 57
    assert "3 row(s) with a missing target were left out" in problem.notes


@pytest.mark.parametrize(("y", "positive"), [
    (pd.Series([0, 1, 1] * 20), 1),
    (pd.Series([True, False, False] * 20), True),
    (pd.Series(["no", "no", "yes"] * 20), "yes"),  # the rarer class
    (pd.Series(["ok", "fraud", "ok"] * 20), "fraud"),
])
def test_positive_class_default(y, positive):
    X, _ = binary_frame(60)
    problem, _, _ = analyze(X, y, check_leakage=False)
    assert problem.positive_class == positive
    assert problem.positive_reason


def test_positive_class_chosen():
    X, y = binary_frame()
    problem, _, _ = analyze(X, y.map({0: "a", 1: "b"}), positive_class="a", check_leakage=False)
    assert (problem.positive_class, problem.positive_reason) == ("a", "chosen by you")
    # the text of a number names the number
    assert analyze(X, y, positive_class="0", check_leakage=False)[0].positive_class == 0


def test_positive_class_that_is_not_a_class_is_refused():
    X, y = binary_frame()
    with pytest.raises(InputError, match=filled(MSG_POSITIVE, got="maybe", classes=[0, 1])):
        analyze(X, y, positive_class="maybe")


def test_classes_are_sorted_like_scikit_learn():
    X, y = multiclass_frame()
    problem, _, _ = analyze(X, y, check_leakage=False)
    assert list(problem.classes) == ["cat", "dog", "fox"]


def test_problem_is_frozen():
    X, y = binary_frame()
    problem, _, _ = analyze(X, y, check_leakage=False)
    assert isinstance(problem, Problem)
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.task = "regression"


@pytest.mark.parametrize("maker", [binary_frame, multiclass_frame, regression_frame])
def test_summary_is_json(maker):
    X, y = maker()
    X = X.assign(joined=pd.date_range("2021-01-01", periods=len(X)), const=1)
    problem, _, _ = analyze(X, y)
    summary = json.loads(json.dumps(problem.summary()))
    assert summary["task"] == problem.task
    assert [c["name"] for c in summary["columns"]] == list(X.columns)
    assert {c["name"]: c["used"] for c in summary["columns"]}["const"] is False
    assert summary["validation"]["n_folds"] == problem.splits.n_folds


def test_used_columns_skip_dropped_ones():
    X, y = binary_frame()
    problem, _, _ = analyze(X.assign(row_id=np.arange(len(X)), empty=np.nan), y, check_leakage=False)
    assert [c.name for c in problem.used_columns] == ["signal", "noise", "colour"]
    assert problem.columns_of("categorical") == ["colour"]
    assert problem.feature_names_in == ["signal", "noise", "colour", "row_id", "empty"]
