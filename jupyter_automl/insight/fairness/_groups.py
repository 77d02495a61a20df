"""Sensitive features in, one group label column per feature out (numbers with many values binned)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...exceptions import InputError

MAX_NUMERIC_GROUPS = 10  # numbers with more distinct values are cut into quantile bins
N_BINS = 4
MISSING = "missing"

MSG_NO_SENSITIVE = ("sensitive_features is empty: pass the column name(s) of X whose groups to "
                    "compare (e.g. 'sex' or ['sex', 'race']), or their values.")
MSG_UNKNOWN_COLUMN = ("sensitive_features names {missing}, which {verb} not in X. Columns of X "
                      "are: {columns}.")
MSG_LENGTH = ("sensitive_features has {got} rows but X has {n}. Pass one value per row of X, or "
              "column names of X.")


def sensitive_frame(sensitive_features: Any, X: pd.DataFrame | None, n_rows: int) -> tuple[pd.DataFrame, list[str]]:
    """The sensitive features as a DataFrame of group labels (strings) aligned to the rows.

    ``sensitive_features`` may be a column name of ``X``, a list of them, or values (a Series,
    DataFrame, array or list with one entry per row). Returns the frame and notes on binning.
    """
    frame = _as_frame(sensitive_features, X, n_rows)
    notes: list[str] = []
    out = {}
    for name in frame.columns:
        col = frame[name]
        edges = quantile_edges(col)
        if edges is not None:
            notes.append(f"{name!r} has {col.nunique()} distinct numbers: grouped into "
                         f"{len(edges) - 1} quantile bins.")
        out[name] = group_labels(col, edges)
    return pd.DataFrame(out, index=frame.index), notes


def quantile_edges(col: pd.Series) -> np.ndarray | None:
    """Bin edges for a column of numbers with many values; None when its values are the groups."""
    if (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
            and col.nunique() > MAX_NUMERIC_GROUPS):
        return np.unique(np.nanquantile(col.to_numpy(dtype=float), np.linspace(0, 1, N_BINS + 1)))
    return None


def group_labels(col: pd.Series, edges: np.ndarray | None) -> np.ndarray:
    """The group of each value as text: the value itself, or its bin ("17–28") when ``edges``
    are given (bins closed on the right, the lowest edge included); missing values are a group."""
    missing = col.isna().to_numpy()
    if edges is None:
        labels = col.astype(object).astype(str).to_numpy(dtype=object)
    else:
        names = np.array([f"{_num(a)}–{_num(b)}" for a, b in zip(edges[:-1], edges[1:], strict=True)],
                         dtype=object)
        pos = np.searchsorted(edges, col.to_numpy(dtype=float), side="left") - 1
        labels = names[np.clip(pos, 0, len(names) - 1)]
    return np.where(missing, MISSING, labels).astype(object)


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:.3g}"


def _as_frame(sensitive_features: Any, X: pd.DataFrame | None, n_rows: int) -> pd.DataFrame:
    sf = sensitive_features
    if sf is None or (isinstance(sf, (list, tuple)) and len(sf) == 0):
        raise InputError(MSG_NO_SENSITIVE)
    index = X.index if X is not None else pd.RangeIndex(n_rows)
    if isinstance(sf, str) or (isinstance(sf, (list, tuple)) and all(isinstance(s, str) for s in sf)
                               and X is not None and len(sf) != n_rows):
        names = [sf] if isinstance(sf, str) else list(sf)
        columns = [] if X is None else list(X.columns)
        missing = [n for n in names if n not in columns]
        if missing:
            raise InputError(MSG_UNKNOWN_COLUMN.format(missing=missing, verb="is" if len(missing) == 1
                                                       else "are", columns=columns[:30]))
        return X[names].copy()
    if isinstance(sf, pd.DataFrame):
        frame = sf
    elif isinstance(sf, pd.Series):
        frame = sf.to_frame(sf.name if sf.name is not None else "sensitive_feature")
    else:
        arr = np.asarray(sf, dtype=object)
        if arr.ndim == 1:
            arr = arr[:, None]
        frame = pd.DataFrame(arr, columns=[f"sensitive_feature_{i}" if arr.shape[1] > 1
                                           else "sensitive_feature" for i in range(arr.shape[1])])
    if len(frame) != n_rows:
        raise InputError(MSG_LENGTH.format(got=len(frame), n=n_rows))
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    return frame.set_axis(index, axis=0)
