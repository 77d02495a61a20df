"""Column typing: every kind, with the reason shown to the user, and which columns are used."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.problem import KINDS, profile, profile_column
from jupyter_automl.problem._detect import DROPPED_KINDS, HIGH_CARDINALITY, NOTE_NUMBERS_AS_TEXT

N = 100
RNG = np.random.default_rng(0)
WORDS = np.array(["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "again", "today"])


def column(name, values) -> pd.Series:
    return pd.Series(values, name=name)


CASES = {
    # name: (series, kind)
    "float": (column("height", RNG.normal(170, 10, N)), "numeric"),
    "int_repeated": (column("age", RNG.integers(18, 90, N)), "numeric"),
    "int_unique_not_id": (column("income", RNG.permutation(np.arange(N) * 37 % 1009 + 5000)), "numeric"),
    "nullable_int": (column("visits", pd.array(list(RNG.integers(0, 9, N - 1)) + [None], dtype="Int64")),
                     "numeric"),
    "strings": (column("colour", RNG.choice(["red", "green", "blue"], N)), "categorical"),
    "category_dtype": (column("size", pd.Categorical(RNG.choice(["S", "M", "L"], N))), "categorical"),
    "bool": (column("member", RNG.random(N) > 0.5), "boolean"),
    "nullable_bool": (column("member", pd.array([True, False, None, True] * (N // 4), dtype="boolean")),
                      "boolean"),
    "datetime_dtype": (column("joined", pd.date_range("2020-01-01", periods=N, freq="D")), "datetime"),
    "datetime_tz": (column("joined", pd.date_range("2020-01-01", periods=N, freq="h", tz="UTC")),
                    "datetime"),
    "iso_strings": (column("joined", pd.date_range("2020-01-01", periods=N).strftime("%Y-%m-%d")),
                    "datetime"),
    "iso_datetime_strings": (column("seen", pd.date_range("2020-01-01", periods=N, freq="37min")
                                    .strftime("%Y-%m-%dT%H:%M:%S")), "datetime"),
    "free_text": (column("review", [" ".join(RNG.choice(WORDS, 8)) for _ in range(N)]), "text"),
    "id_by_name": (column("customer_id", RNG.permutation(N) + 10_000), "id"),
    "id_by_name_uuid": (column("uuid", [f"{i:08x}" for i in RNG.permutation(10**6)[:N]]), "id"),
    "id_counter": (column("row", np.arange(N)), "id"),
    "id_counter_step": (column("n", np.arange(1000, 1000 + 5 * N, 5)), "id"),
    "id_unique_strings": (column("ticket", [f"T-{i}-{c}" for i, c in enumerate(RNG.choice(list("ABC"), N))]),
                          "id"),
    "constant": (column("country", ["NL"] * N), "constant"),
    "constant_number": (column("version", [3] * N), "constant"),
    "empty": (column("notes", [np.nan] * N), "empty"),
    "empty_object": (column("notes", pd.Series([None] * N, dtype=object)), "empty"),
    "mixed": (column("code", [1, "a", 2.5, None] * (N // 4)), "categorical"),
    "high_cardinality": (column("city", [f"city{i}" for i in RNG.integers(0, 3 * HIGH_CARDINALITY, 4 * N)]),
                         "categorical"),
    "numbers_as_text": (column("weight", [f"{v:.2f}" for v in RNG.normal(70, 10, N)]), "numeric"),
    "numbers_as_objects": (column("weight", RNG.normal(70, 10, N).astype(object)), "numeric"),
    "numbers_as_text_with_marks": (column("weight", [f"{v:.2f}" if i % 25 else "?" for i, v in
                                                     enumerate(RNG.normal(70, 10, N))]), "numeric"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kind(case):
    series, kind = CASES[case]
    info = profile_column(series)
    assert info.kind == kind, info
    assert info.kind in KINDS
    assert info.name == series.name
    assert info.used == (kind not in DROPPED_KINDS)
    if not info.used:
        assert info.note.startswith("dropped: ")  # the UI shows why


def test_every_kind_is_covered():
    # "noise" is not a profile of one column: the screen of analyze() sets it (test_noise.py)
    assert {kind for _, kind in CASES.values()} == set(KINDS) - {"noise"}


def test_counts():
    info = profile_column(column("x", [1.0, 2.0, None, 2.0, None] * 10))
    assert (info.n_missing, info.n_unique, info.dtype) == (20, 2, "float64")


def test_constant_with_missing_values_is_kept():
    # "5 or missing" still carries the fact that a value is missing
    assert profile_column(column("flag", [5.0, None] * 30)).kind == "numeric"


def test_mixed_types_are_marked():
    info = profile_column(CASES["mixed"][0])
    assert info.mixed_types
    assert "mixed value types" in info.note


def test_high_cardinality_is_marked():
    info = profile_column(CASES["high_cardinality"][0])
    assert info.high_cardinality
    assert f"{info.n_unique} distinct values" in info.note
    assert not profile_column(CASES["strings"][0]).high_cardinality


def test_dates_from_text_say_so():
    assert "dates read from text" in profile_column(CASES["iso_strings"][0]).note


def test_numbers_as_text_say_so_and_count_the_rest():
    info = profile_column(CASES["numbers_as_text_with_marks"][0])
    assert info.note.startswith(NOTE_NUMBERS_AS_TEXT)
    assert "4 value(s) that are not numbers (e.g. '?')" in info.note


def test_mostly_text_with_some_numbers_stays_text():
    values = ["low", "high", "3", "medium"] * 25
    assert profile_column(column("level", values)).kind == "categorical"


def test_short_unique_strings_are_not_ids():
    # fewer than 21 distinct values: too few to call them identifiers
    assert profile_column(column("name", [f"n{i}" for i in range(15)] * 2)).kind == "categorical"


def test_profile_keeps_column_order():
    frame = pd.DataFrame({"b": CASES["float"][0].to_numpy(), "a": CASES["strings"][0].to_numpy(),
                          "c": CASES["bool"][0].to_numpy()})
    assert [(c.name, c.kind) for c in profile(frame)] == [
        ("b", "numeric"), ("a", "categorical"), ("c", "boolean")]


def test_big_fractional_columns_are_profiled_on_a_sample_but_constants_stay_exact(monkeypatch):
    from jupyter_automl.problem import _detect

    monkeypatch.setattr(_detect, "EXACT_UNIQUE_ROWS", 1_000)
    rng = np.random.default_rng(0)
    floats = pd.Series(rng.normal(size=5_000), name="x")
    info = profile_column(floats)
    assert (info.kind, info.n_unique) == ("numeric", 1_000)  # counted on the first 1,000 rows
    late = pd.Series(np.r_[np.full(1_000, 0.5), rng.normal(size=4_000)], name="late")
    assert profile_column(late).n_unique == 4_001  # one value in the sample: counted exactly
    whole = pd.Series(np.arange(5_000, dtype=float), name="row_id")
    assert profile_column(whole).kind == "id"  # whole numbers are still checked on every row
