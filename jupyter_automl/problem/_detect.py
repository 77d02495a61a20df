"""Task detection and column typing. Pure pandas; every decision comes with a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

# A column kind decides the preprocessing. Kinds marked "dropped" are not used by models.
NOTE_ONE_VALUE = ("one value apart from missing cells: kept, for what it says is whether a row "
                  "has it (a missing-value indicator)")
KINDS = ("numeric", "categorical", "boolean", "datetime", "text", "id", "constant", "empty", "noise")
DROPPED_KINDS = ("id", "constant", "empty", "noise")  # "noise": see _noise.py

MAX_CLASSES_FOR_INT_TARGET = 20
HIGH_CARDINALITY = 50
NUMERIC_TEXT_SHARE = 0.95  # a text column is read as numbers when this share of values parse
NOTE_NUMBERS_AS_TEXT = "numbers stored as text or objects: read as numbers"
_ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|guid|key|index)$|^id[_\s-]", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")
_SAMPLE = 2000
EXACT_UNIQUE_ROWS = 200_000  # past this, distinct fractional numbers are counted on these rows


@dataclass(frozen=True)
class ColumnInfo:
    """What we found in one input column, and what we do with it."""

    name: str
    kind: str
    dtype: str
    n_missing: int
    n_unique: int
    note: str = ""
    high_cardinality: bool = False
    mixed_types: bool = False

    @property
    def used(self) -> bool:
        return self.kind not in DROPPED_KINDS


def detect_task(y: pd.Series) -> tuple[str, str]:
    """Return ``(task, reason)`` with task one of "binary", "multiclass", "regression"."""
    values = y.dropna()
    n_unique = values.nunique()
    if n_unique < 2:
        return "binary", (f"the target has a single value ({values.iloc[0]!r}) - there is nothing "
                          "to predict" if n_unique else "the target has no values")
    if n_unique <= 2 and not pd.api.types.is_float_dtype(values):
        return "binary", f"the target has {n_unique} distinct values"
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        if n_unique == 2:
            return "binary", "the target has 2 distinct labels"
        return "multiclass", f"the target has {n_unique} distinct labels (not numbers)"
    if pd.api.types.is_float_dtype(values):
        integral = _all_integral(values.to_numpy(dtype=float))
        if not integral:
            return "regression", "the target holds non-integer numbers"
        if n_unique == 2:
            return "binary", "the target has 2 distinct values"
    # integers: few distinct values read as classes, many as a quantity
    if n_unique <= MAX_CLASSES_FOR_INT_TARGET and n_unique <= max(2, len(values) // 5):
        kind = "binary" if n_unique == 2 else "multiclass"
        return kind, (f"the target has only {n_unique} distinct integer values; "
                      "pass task='regression' if they are quantities")
    return "regression", f"the target has {n_unique} distinct numeric values"


def profile_column(s: pd.Series) -> ColumnInfo:
    """Classify one column. ``s.name`` must be a string."""
    name = str(s.name)
    n = len(s)
    missing = s.isna().to_numpy()  # once: on text columns each isna is a pass over Python objects
    n_missing = int(missing.sum())
    values = s[~missing]
    n_unique = _count_distinct(values)
    dtype = str(s.dtype)
    base = dict(name=name, dtype=dtype, n_missing=n_missing, n_unique=n_unique)
    if n_unique == 0:
        return ColumnInfo(kind="empty", note="dropped: every value is missing", **base)
    if n_unique == 1 and n_missing == 0:
        return ColumnInfo(kind="constant", note="dropped: the same value in every row", **base)
    if pd.api.types.is_bool_dtype(s):
        return ColumnInfo(kind="boolean", **base)
    if pd.api.types.is_datetime64_any_dtype(s):
        return ColumnInfo(kind="datetime", note="expanded into year, month, day, weekday, hour", **base)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return ColumnInfo(kind="categorical", high_cardinality=n_unique > HIGH_CARDINALITY, **base)
    if pd.api.types.is_numeric_dtype(s):
        if _looks_like_numeric_id(name, values, n):
            return ColumnInfo(kind="id", note="dropped: looks like an identifier (unique integers)", **base)
        return ColumnInfo(kind="numeric", note=NOTE_ONE_VALUE if n_unique == 1 else "", **base)
    numbers, note = numbers_in_text(values)
    if numbers is not None:
        if _looks_like_numeric_id(name, numbers, n):
            return ColumnInfo(kind="id", note="dropped: looks like an identifier (unique integers)", **base)
        return ColumnInfo(kind="numeric", note=note, **base)
    return _profile_strings(values, n, base)


def numbers_in_text(values: pd.Series) -> tuple[pd.Series | None, str]:
    """Numbers held as text or Python objects ("3.5", Decimal, float in an object column).

    Returns the parsed numbers (missing where a value is not a number) and a note, or
    ``(None, "")`` when fewer than ``NUMERIC_TEXT_SHARE`` of the values are numbers. Without this,
    a measurement read as text (a CSV with "?" for missing) was dropped as an identifier.
    """
    sample = values.iloc[:_SAMPLE]
    if not len(sample) or any(isinstance(v, (bool, np.bool_)) for v in sample):
        return None, ""
    if pd.to_numeric(sample, errors="coerce").notna().mean() < NUMERIC_TEXT_SHARE:
        return None, ""
    parsed = pd.to_numeric(values, errors="coerce")
    bad = values[parsed.isna()]
    if len(bad) > (1 - NUMERIC_TEXT_SHARE) * len(values):
        return None, ""
    note = NOTE_NUMBERS_AS_TEXT
    if len(bad):
        note += (f"; {len(bad)} value(s) that are not numbers (e.g. {str(bad.iloc[0])!r}) "
                 "are treated as missing")
    return parsed.astype(float), note


def _profile_strings(values: pd.Series, n: int, base: dict) -> ColumnInfo:
    sample = values.iloc[:_SAMPLE]
    types = {type(v) for v in sample}
    mixed = str in types and len(types) > 1
    note = "mixed value types: read as text labels" if mixed else ""
    texts = sample.astype(str)
    if not mixed and len(texts) and texts.str.match(_ISO_DATE).mean() > 0.95:
        parsed = pd.to_datetime(texts, errors="coerce", format="mixed")
        if parsed.notna().mean() > 0.95:
            return ColumnInfo(kind="datetime", note="dates read from text; expanded into year, "
                              "month, day, weekday, hour", **base)
    n_unique = base["n_unique"]
    unique_ratio = n_unique / max(len(values), 1)
    mean_words = float(texts.str.count(r"\s+").mean() + 1) if len(texts) else 0.0
    if mean_words >= 4 and unique_ratio > 0.3:
        return ColumnInfo(kind="text", note="free text: turned into word frequencies (TF-IDF)", **base)
    if n_unique > 20 and unique_ratio > 0.95 and len(values) > 0.5 * n:
        return ColumnInfo(kind="id", note=f"dropped: looks like an identifier "
                          f"({unique_ratio:.0%} of values are unique)", **base)
    high = n_unique > HIGH_CARDINALITY
    if high:
        note = (note + "; " if note else "") + (
            f"{n_unique} distinct values: rare ones are grouped, or target-encoded")
    return ColumnInfo(kind="categorical", note=note, high_cardinality=high, mixed_types=mixed, **base)


def _count_distinct(values: pd.Series) -> int:
    """Distinct values; in a big column of fractional numbers, those of its first
    ``EXACT_UNIQUE_ROWS`` rows (a lower bound: exactness decides nothing there -- such a column is
    neither an identifier nor a category -- and counting a million floats took 3 s a table)."""
    if len(values) > EXACT_UNIQUE_ROWS and pd.api.types.is_float_dtype(values):
        head = values.iloc[:EXACT_UNIQUE_ROWS]
        if not _all_integral(head.iloc[:_SAMPLE].to_numpy(float)):
            counted = int(head.nunique(dropna=False))
            if counted > 1:  # one value so far could still be a constant column: count them all
                return counted
    return int(values.nunique(dropna=False)) if len(values) else 0


def _all_integral(values: np.ndarray) -> bool:
    """True when every value is a finite whole number (infinities are not: no RuntimeWarning)."""
    return bool(np.all(np.isfinite(values)) and np.all(np.mod(values, 1) == 0))


def _looks_like_numeric_id(name: str, values: pd.Series, n: int) -> bool:
    if len(values) < 20 or not pd.api.types.is_integer_dtype(values) and not (
        pd.api.types.is_float_dtype(values)
        and _all_integral(values.iloc[:_SAMPLE].to_numpy(float))  # most fail on a few rows
        and _all_integral(values.to_numpy(float))
    ):
        return False
    if values.nunique() != len(values):
        return False
    if _ID_NAME.search(name):
        return True
    # a running counter: sorted, evenly spaced unique integers
    diffs = np.diff(values.to_numpy(dtype=float))
    return bool(len(diffs) and (np.all(diffs == diffs[0]) and diffs[0] != 0))


def profile(X: pd.DataFrame) -> list[ColumnInfo]:
    """Profile every column of ``X`` (column names must already be strings)."""
    return [profile_column(X[c]) for c in X.columns]
