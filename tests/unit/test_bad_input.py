"""Bad input, one test per case of DESIGN.md ("Bad input gets a clear error, and nothing is lost").

Each case is either handled, with a DataWarning/LeakageWarning at fit and the note in
``automl.problem_.notes``, or refused with an InputError whose message (a constant of the engine)
names the problem and the fix.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.exceptions import DataWarning, InputError, LeakageWarning
from jupyter_automl.problem._checks import (
    MSG_DUPLICATE_COLUMNS,
    MSG_EMPTY,
    MSG_LENGTH,
    MSG_NOT_TABULAR,
    MSG_ONE_CLASS,
    MSG_RARE_CLASS,
    MSG_TARGET_ALL_MISSING,
    MSG_TARGET_COLUMN,
    MSG_TARGET_INF,
    MSG_TARGET_IS_FEATURE,
    MSG_TOO_FEW_ROWS,
    MSG_UNHASHABLE,
)
from jupyter_automl.problem._prepare import MSG_MISSING_COLUMNS, MSG_PREDICT_TYPE
from jupyter_automl.problem._problem import MSG_NO_FEATURES

from ._data import binary_frame, regression_frame
from ._messages import filled, template
from .conftest import tiny_automl

N = 80


@pytest.fixture
def data():
    return binary_frame(N)


def fit_with_note(X, y, pattern: str, category=DataWarning, **params):
    """Fit; the warning and the problem's note must both say ``pattern``."""
    automl = tiny_automl(**params)
    with pytest.warns(category, match=pattern):
        automl.fit(X, y)
    assert any(pd.Series([n]).str.contains(pattern).iloc[0] for n in automl.problem_.notes), \
        automl.problem_.notes
    return automl


# -- refused ---------------------------------------------------------------------------------------

def test_empty_frame():
    with pytest.raises(InputError, match=filled(MSG_EMPTY, n_rows=0, n_cols=0)):
        tiny_automl().fit(pd.DataFrame(), [])


def test_frame_without_rows(data):
    X, y = data
    with pytest.raises(InputError, match=filled(MSG_EMPTY, n_rows=0, n_cols=3)):
        tiny_automl().fit(X.iloc[:0], y.iloc[:0])


def test_frame_without_columns(data):
    _, y = data
    with pytest.raises(InputError, match=filled(MSG_EMPTY, n_rows=N, n_cols=0)):
        tiny_automl().fit(pd.DataFrame(index=range(N)), y)


def test_one_class_target(data):
    X, _ = data
    with pytest.raises(InputError, match=filled(MSG_ONE_CLASS, name="churned", label="no")):
        tiny_automl().fit(X, pd.Series(["no"] * N, name="churned"))


def test_infinite_target():
    X, y = regression_frame(N)
    y = y.copy()
    y.iloc[[3, 7]] = [np.inf, -np.inf]
    with pytest.raises(InputError, match=filled(MSG_TARGET_INF, name="price", n=2, rows=[3, 7])):
        tiny_automl().fit(X, y)


def test_target_all_missing(data):
    X, _ = data
    with pytest.raises(InputError, match=filled(MSG_TARGET_ALL_MISSING, name="label")):
        tiny_automl().fit(X, pd.Series([np.nan] * N, name="label"))


def test_duplicate_column_names(data):
    X, y = data
    X = pd.concat([X, X[["signal"]]], axis=1)
    with pytest.raises(InputError, match=filled(MSG_DUPLICATE_COLUMNS, names=["signal"])):
        tiny_automl().fit(X, y)


def test_only_unusable_columns(data):
    _, y = data
    X = pd.DataFrame({"id": np.arange(N), "const": 1.0, "blank": np.nan})
    with pytest.raises(InputError, match=template(MSG_NO_FEATURES)) as info:
        tiny_automl().fit(X, y)
    assert "'id' (id), 'const' (constant), 'blank' (empty)" in str(info.value)


def test_too_few_rows(data):
    X, y = data
    with pytest.raises(InputError, match=filled(MSG_TOO_FEW_ROWS, n_rows=6)):
        tiny_automl().fit(X.head(6), y.head(6))


def test_class_with_a_single_row(data):
    X, y = data
    y = y.copy()
    y.iloc[0] = 2
    with pytest.raises(InputError, match=template(MSG_RARE_CLASS)) as info:
        tiny_automl().fit(X, y)
    assert "Class [2]" in str(info.value)


def test_x_and_y_lengths_differ(data):
    X, y = data
    with pytest.raises(InputError, match=filled(MSG_LENGTH, n_x=N, n_y=N - 1)):
        tiny_automl().fit(X, y.iloc[1:])


def test_target_name_not_in_x(data):
    X, _ = data
    with pytest.raises(InputError, match=template(MSG_TARGET_COLUMN)) as info:
        tiny_automl().fit(X, "labl")
    assert "y='labl'" in str(info.value)


def test_target_also_among_the_features(data):
    X, y = data
    with pytest.raises(InputError, match=filled(MSG_TARGET_IS_FEATURE, name="label")):
        tiny_automl().fit(X.assign(label=y), y)


def test_not_a_table():
    with pytest.raises(InputError, match=filled(MSG_NOT_TABULAR, got="dict")):
        tiny_automl().fit({"a": [1, 2]}, [0, 1])


def test_column_of_containers(data):
    X, y = data
    X = X.assign(meta=[{"visits": i} for i in range(N)])
    with pytest.raises(InputError, match=template(MSG_UNHASHABLE)) as info:
        tiny_automl().fit(X, y)
    assert "'meta' holds dict values" in str(info.value)


# -- handled, with a note --------------------------------------------------------------------------

def test_missing_values_in_the_target(data):
    X, y = data
    y = y.astype(float)
    y.iloc[[1, 2, 3]] = np.nan
    automl = fit_with_note(X, y, r"3 row\(s\) with a missing target were left out")
    assert automl.problem_.n_rows == N - 3


def test_all_missing_column(data):
    X, y = data
    automl = fit_with_note(X.assign(comment=np.nan), y, r"columns left out: 'comment' \(every value is missing\)")
    assert "comment" not in [c.name for c in automl.problem_.used_columns]
    assert automl.predict(X.assign(comment=np.nan)).shape == (N,)


def test_constant_column(data):
    X, y = data
    fit_with_note(X.assign(country="NL"), y, r"columns left out: 'country' \(the same value in every row\)")


def test_non_text_column_names(data):
    X, y = data
    X = X.set_axis([0, 1, 2], axis=1)
    automl = fit_with_note(X, y, r"column names that were not text were converted to text")
    assert list(automl.feature_names_in_) == ["0", "1", "2"]
    assert automl.predict(X).shape == (N,)  # the same int-named frame works at predict time


def test_mixed_type_column(data):
    X, y = data
    X = X.assign(code=[1, "A", 2.5, None] * (N // 4))
    automl = fit_with_note(X, y, r"columns with mixed value types read as text labels: \['code'\]")
    assert {c.name: c.kind for c in automl.problem_.columns}["code"] == "categorical"


def test_huge_cardinality_strings():
    X, y = binary_frame(600)
    rng = np.random.default_rng(0)
    X["street"] = [f"street {i}" for i in rng.integers(0, 400, 600)]  # ~60% distinct
    automl = fit_with_note(X, y, r"columns with more than 50 distinct values .*\['street'\]",
                           families=["linear", "gradient_boosting"], n_trials=2)
    unseen = X.head(5).assign(street="a street never seen")
    with pytest.warns(DataWarning, match="'street' has 1 value"):
        assert automl.predict_proba(unseen).shape == (5, 2)


def test_id_like_columns(data):
    X, y = data
    X = X.assign(customer_id=np.random.default_rng(0).permutation(N) + 10_000,
                 row=np.arange(N), ticket=[f"T{i:05d}-{i % 7}" for i in range(N)])
    automl = fit_with_note(X, y, r"columns left out: 'customer_id' \(looks like an identifier")
    assert {c.name for c in automl.problem_.columns if c.kind == "id"} == {"customer_id", "row", "ticket"}


def test_leaking_column(data):
    X, y = data
    X = X.assign(refund_issued=y.map({0: "no", 1: "yes"}))
    automl = fit_with_note(X, y, r"possible leakage, .*'refund_issued' \(score 1\.0\)", LeakageWarning)
    assert automl.problem_.leaks == {"refund_issued": 1.0}


def test_numbers_stored_as_text(data):
    X, y = data
    X = X.assign(signal=[f"{v:.3f}" if i % 20 else "?" for i, v in enumerate(X["signal"])])
    automl = fit_with_note(X, y, r"columns holding numbers as text were read as numbers .*\['signal'\]")
    assert {c.name: c.kind for c in automl.problem_.columns}["signal"] == "numeric"


# -- at predict time -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fitted():
    X, y = binary_frame(N)
    return tiny_automl().fit(X, y), X


def test_missing_columns_at_predict(fitted):
    automl, X = fitted
    with pytest.raises(InputError, match=filled(MSG_MISSING_COLUMNS, n=1, names=["colour"])):
        automl.predict(X.drop(columns=["colour"]))


def test_renamed_columns_at_predict(fitted):
    automl, X = fitted
    with pytest.raises(InputError, match=filled(MSG_MISSING_COLUMNS, n=2, names=["signal", "noise"])):
        automl.predict_proba(X.rename(columns={"signal": "Signal", "noise": "Noise"}))


def test_wrong_width_array_at_predict(fitted):
    automl, X = fitted
    with pytest.raises(InputError, match=r"X must be a DataFrame with the columns seen in fit \(3 columns\)"):
        automl.predict(X.to_numpy()[:, :2])


def test_text_in_a_numeric_column_at_predict(fitted):
    automl, X = fitted
    bad = X.head(4).assign(signal=["1.5", "n/a", "2", "3"])
    with pytest.warns(DataWarning, match=filled(MSG_PREDICT_TYPE, name="signal", example="n/a")):
        pred = automl.predict(bad)
    assert pred.shape == (4,)


def test_extra_and_reordered_columns_at_predict(fitted):
    automl, X = fitted
    shuffled = X[["colour", "noise", "signal"]].assign(unused=1)
    np.testing.assert_array_equal(automl.predict_proba(shuffled), automl.predict_proba(X))


def test_unseen_categories_at_predict_are_reported_once_and_handled(fitted):
    automl, X = fitted
    with pytest.warns(DataWarning, match="'colour' has 1 value.* not seen in fit, e.g. 'purple'"):
        proba = automl.predict_proba(X.head(3).assign(colour="purple"))
    assert proba.shape == (3, 2) and np.all(np.isfinite(proba))
    with warnings.catch_warnings(record=True) as caught:  # a second call on the column stays quiet
        warnings.simplefilter("always")
        automl.predict(X.head(3).assign(colour="orange"))
    assert [w for w in caught if issubclass(w.category, DataWarning)] == []
