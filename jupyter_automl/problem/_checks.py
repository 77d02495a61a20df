"""One function per input rule. Each either returns cleaned data plus notes, or raises InputError
with a message that says what is wrong, what we got, and what to do."""

from __future__ import annotations

import difflib
from collections import Counter

import numpy as np
import pandas as pd

from ..exceptions import InputError, TargetColumnError, TargetError

MIN_ROWS = 10

MSG_NOT_TABULAR = ("X must be a pandas DataFrame (or a 2-D array). Got {got}. "
                   "Build one with pandas.DataFrame(...) or pandas.read_csv(...).")
MSG_EMPTY = "X is empty ({n_rows} rows, {n_cols} columns). Pass a DataFrame with data in it."
MSG_TOO_FEW_ROWS = ("X has only {n_rows} rows with a known target; AutoML needs at least "
                    f"{MIN_ROWS} to cross-validate. Add rows.")
MSG_DUPLICATE_COLUMNS = ("X has duplicate column names: {names}. Rename them so every column is "
                         "unique, e.g. df.columns = [...] or df = df.loc[:, ~df.columns.duplicated()].")
MSG_TARGET_COLUMN = ("y={y!r} is not a column of X.{hint} Columns are: {columns}. "
                     "Pass the name of the target column, or the target values.")
MSG_LENGTH = "X has {n_x} rows but y has {n_y} values. Pass a target value for every row of X."
MSG_TARGET_ALL_MISSING = "Every value of the target {name!r} is missing. Pick another target column."
MSG_TARGET_INF = ("The target {name!r} contains {n} infinite value(s) (rows {rows}). "
                  "Replace or drop them, e.g. df = df[np.isfinite(df[target])].")
MSG_ONE_CLASS = ("The target {name!r} has a single class ({label!r}): one single value in every row "
                 "with a target, so there is nothing to learn. Pick another target column, or add "
                 "rows of the other classes.")
MSG_RARE_CLASS = ("Class {labels} of the target {name!r} has fewer than 2 rows ({counts}); "
                  "cross-validation needs at least 2 per class. Drop those rows or merge the "
                  "rare classes into others.")
MSG_UNHASHABLE = ("Column {name!r} holds {kind} values such as {example}; AutoML takes numbers, text, "
                  "booleans and dates. Convert the column, e.g. X[{name!r}] = X[{name!r}].astype(str), "
                  "or drop it.")
MSG_TARGET_IS_FEATURE = ("The target column {name!r} is also in X. Drop it from X, "
                         "e.g. X = df.drop(columns=[{name!r}]).")


def plain(value: object) -> object:
    """A numpy scalar as the Python value, so messages read 1 rather than np.int64(1)."""
    return value.item() if isinstance(value, np.generic) else value


def as_frame(X: object) -> tuple[pd.DataFrame, list[str]]:
    """Return ``X`` as a DataFrame with unique string column names, plus notes on what changed."""
    notes: list[str] = []
    if isinstance(X, pd.DataFrame):
        df = X
    elif isinstance(X, np.ndarray) and X.ndim == 2 or isinstance(X, list):
        df = pd.DataFrame(X)
        df.columns = [f"x{i}" for i in range(df.shape[1])]
        notes.append("X was not a DataFrame: its columns were named x0, x1, ...")
    else:
        raise InputError(MSG_NOT_TABULAR.format(got=type(X).__name__))
    names = list(df.columns)
    if not all(isinstance(c, str) for c in names):
        df = df.copy(deep=False)
        df.columns = [str(c) for c in names]
        notes.append("column names that were not text were converted to text (e.g. 0 -> '0')")
    dupes = sorted(c for c, k in Counter(df.columns).items() if k > 1)
    if dupes:
        raise InputError(MSG_DUPLICATE_COLUMNS.format(names=dupes))
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise InputError(MSG_EMPTY.format(n_rows=df.shape[0], n_cols=df.shape[1]))
    return df, notes


def check_cells(X: pd.DataFrame) -> None:
    """Reject columns holding containers (dict, list, set...): they cannot be typed or encoded."""
    for name in X.columns:
        s = X[name]
        if s.dtype != object:
            continue
        try:
            s.nunique()
        except TypeError:  # unhashable values
            bad = next(v for v in s if not _hashable(v))
            example = repr(bad)
            example = example if len(example) <= 60 else example[:57] + "..."
            raise InputError(MSG_UNHASHABLE.format(name=name, kind=type(bad).__name__,
                                                   example=example)) from None


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def split_target(X: pd.DataFrame, y: object) -> tuple[pd.DataFrame, pd.Series]:
    """Accept ``y`` as values or as the name of a column of ``X`` (which is then removed)."""
    if isinstance(y, str):
        if y not in X.columns:
            close = difflib.get_close_matches(y, [str(c) for c in X.columns], n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise TargetColumnError(MSG_TARGET_COLUMN.format(y=y, hint=hint,
                                                             columns=list(X.columns)[:20]))
        return X.drop(columns=[y]), X[y].rename(y)
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        y = y.iloc[:, 0]
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y).ravel(), name="target")
    if len(series) != len(X):
        raise InputError(MSG_LENGTH.format(n_x=len(X), n_y=len(series)))
    series = series.set_axis(X.index)
    if series.name is not None and str(series.name) in X.columns:
        raise InputError(MSG_TARGET_IS_FEATURE.format(name=str(series.name)))
    return X, series


def check_target(frame: pd.DataFrame, target: str) -> pd.Series:
    """The target column of ``frame``, after the checks that need no profiling: it exists, it has
    values, and more than one (``TargetColumnError`` / ``TargetError`` otherwise)."""
    _, y = split_target(frame, target)
    known = y.dropna()
    if known.empty:
        raise TargetError(MSG_TARGET_ALL_MISSING.format(name=target))
    if known.nunique() < 2:
        raise TargetError(MSG_ONE_CLASS.format(name=target, label=plain(known.iloc[0])))
    return y


def clean_target(X: pd.DataFrame, y: pd.Series, task_hint: str) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Drop rows whose target is missing (with a note); reject infinite targets."""
    notes: list[str] = []
    name = str(y.name) if y.name is not None else "target"
    missing = y.isna().to_numpy()
    if missing.all():
        raise TargetError(MSG_TARGET_ALL_MISSING.format(name=name))
    if pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y):
        inf = np.isinf(y.to_numpy(dtype=float, na_value=np.nan))
        if inf.any():
            rows = list(y.index[inf][:5])
            raise TargetError(MSG_TARGET_INF.format(name=name, n=int(inf.sum()), rows=rows))
    if missing.any():
        notes.append(f"{int(missing.sum())} row(s) with a missing target were left out")
        X, y = X.loc[~missing], y.loc[~missing]
    if isinstance(y.dtype, pd.CategoricalDtype):
        unused = [plain(c) for c in y.cat.categories if not (y == c).any()]
        if unused:
            # a Categorical keeps levels no row has (e.g. after filtering): they are not classes
            notes.append(f"the target's categories with no rows were ignored: {unused[:10]}")
            y = y.cat.remove_unused_categories()
    if y.dtype == object:
        # numbers held in an object column (e.g. from a list or astype(object)): scikit-learn
        # cannot tell their target type ("unknown"), so give them their numeric dtype back
        y = y.infer_objects()
    if len(X) < MIN_ROWS:
        raise InputError(MSG_TOO_FEW_ROWS.format(n_rows=len(X)))
    if y.dtype == object and len({type(v) for v in y.iloc[:5000]}) > 1:
        y = y.astype(str)
        notes.append("the target mixed value types: its labels were read as text")
    return X, y, notes


def check_classes(y: pd.Series) -> np.ndarray:
    """Return the sorted class labels; reject one-class targets and classes with a single row."""
    name = str(y.name) if y.name is not None else "target"
    counts = y.value_counts()
    if len(counts) < 2:
        raise TargetError(MSG_ONE_CLASS.format(name=name, label=plain(counts.index[0])))
    rare = counts[counts < 2]
    if len(rare):
        raise TargetError(MSG_RARE_CLASS.format(
            labels=[plain(v) for v in rare.index], name=name,
            counts={plain(k): int(v) for k, v in rare.items()}))
    # the same order as the classes_ of every scikit-learn classifier (sorting the distinct
    # labels, not every row: 0.5 s on a million text labels)
    return np.unique(counts.index[counts > 0].to_numpy())
