"""Task detection from the target, and the ``task=`` overrides of ``analyze``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.problem import analyze, detect_task
from jupyter_automl.problem._detect import MAX_CLASSES_FOR_INT_TARGET
from jupyter_automl.problem._problem import MSG_NOT_BINARY, MSG_REGRESSION_TARGET, MSG_TASK

from .._data import binary_frame
from .._messages import filled, template

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("y", "task"),
    [
        (pd.Series([0, 1] * 20), "binary"),
        (pd.Series([True, False] * 20), "binary"),
        (pd.Series(["yes", "no"] * 20), "binary"),
        (pd.Series([0.0, 1.0] * 20), "binary"),
        (pd.Series([-1, 1] * 20), "binary"),
        (pd.Series(["a", "b", "c"] * 20), "multiclass"),
        (pd.Series(pd.Categorical(["x", "y", "z", "x"] * 10)), "multiclass"),
        (pd.Series([0, 1, 2, 3] * 25), "multiclass"),
        (pd.Series(RNG.normal(size=60)), "regression"),
        (pd.Series(RNG.integers(0, 1000, 200)), "regression"),
        (pd.Series(np.arange(60, dtype=float)), "regression"),
    ],
    ids=["int01", "bool", "strings2", "float01", "minus1plus1", "strings3", "categorical3",
         "int4", "float", "int_many", "float_integral_many"],
)
def test_detect_task(y, task):
    detected, reason = detect_task(y)
    assert detected == task
    assert reason  # every decision comes with a reason shown to the user


def test_few_integer_values_read_as_classes_with_a_hint():
    task, reason = detect_task(pd.Series([1, 2, 3, 4, 5] * 20))
    assert task == "multiclass"
    assert "task='regression'" in reason


def test_integer_classes_limit():
    many = pd.Series(np.arange(MAX_CLASSES_FOR_INT_TARGET + 1).repeat(10))
    assert detect_task(many)[0] == "regression"
    assert detect_task(pd.Series(np.arange(MAX_CLASSES_FOR_INT_TARGET).repeat(10)))[0] == "multiclass"


def test_integer_values_that_are_mostly_distinct_are_a_quantity():
    # 5 distinct values in 20 rows: more than one distinct value per 5 rows
    assert detect_task(pd.Series([1, 2, 3, 4, 5] * 4))[0] == "regression"


def test_missing_values_are_ignored():
    assert detect_task(pd.Series([0, 1, None] * 20))[0] == "binary"


# -- overrides ----------------------------------------------------------------------------------

def _ints(n=100, k=5):
    X, _ = binary_frame(n)
    return X, pd.Series(np.random.default_rng(1).integers(0, k, n), name="grade")


def test_override_regression_on_integer_classes():
    X, y = _ints()
    problem, _, _ = analyze(X, y, task="regression", check_leakage=False)
    assert problem.task == "regression"
    assert problem.task_reason == "chosen by you"
    assert problem.classes is None


def test_override_classification_picks_binary_or_multiclass():
    X, y = _ints()
    assert analyze(X, y, task="classification", check_leakage=False)[0].task == "multiclass"
    X, y = binary_frame()
    assert analyze(X, y, task="classification", check_leakage=False)[0].task == "binary"


def test_override_multiclass_on_two_classes_becomes_binary():
    X, y = binary_frame()
    problem, _, _ = analyze(X, y, task="multiclass", check_leakage=False)
    assert problem.task == "binary"
    assert problem.positive_class == 1


def test_override_binary_on_three_classes_is_refused():
    X, y = _ints(k=3)
    with pytest.raises(InputError, match=filled(MSG_NOT_BINARY, name="grade", n=3, labels=[0, 1, 2])):
        analyze(X, y, task="binary")


def test_override_regression_on_text_labels_is_refused():
    X, y = binary_frame()
    y = y.map({0: "no", 1: "yes"})
    with pytest.raises(InputError, match=template(MSG_REGRESSION_TARGET)) as info:
        analyze(X, y, task="regression")
    assert "'label'" in str(info.value)


def test_unknown_task_is_refused():
    X, y = binary_frame()
    with pytest.raises(InputError, match=template(MSG_TASK)) as info:
        analyze(X, y, task="clasification")
    assert "'clasification'" in str(info.value)
