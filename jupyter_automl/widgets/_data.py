"""The wizard's Data step: where a DataFrame comes from, and what a person sees of it.

Sources are a built-in demo dataset, a DataFrame in the notebook's namespace, an uploaded CSV or
Parquet file, or the DataFrame given to ``Wizard(df)``. The payloads here are JSON-able: a
preview of the first rows and a profile of every column (kind, missing share, distinct values,
a small distribution sketch) built on ``jupyter_automl.problem.profile``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..datasets import DEMOS, load_frame
from ..exceptions import InputError
from ..problem import profile, read_table
from ._protocol import jsonable

__all__ = ["data_part", "demo_sources", "namespace_frames", "read_upload"]

PREVIEW_ROWS = 8
SKETCH_BINS = 12
SKETCH_TOP = 5
SKETCH_SAMPLE = 20_000
MAX_TEXT = 40
MSG_NOT_FRAME = "{name!r} is not a pandas DataFrame (it is a {type}). Pick a DataFrame."
MSG_NO_VARIABLE = "There is no variable {name!r} in the notebook (any more). Refresh the list."
MSG_DUPLICATE = ("The DataFrame has duplicate column names: {names}. Rename them so every column "
                 "is unique, e.g. df = df.loc[:, ~df.columns.duplicated()].")
MSG_EMPTY = "The DataFrame is empty ({rows} rows, {cols} columns). Pick one with data in it."


def demo_sources() -> list[dict[str, Any]]:
    """The built-in demo datasets, with their one-line descriptions."""
    return [{"name": name, "description": spec["description"], "task": spec["task"],
             "target": spec["target"]} for name, spec in DEMOS.items()]


def namespace_frames(namespace: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The DataFrames in a notebook namespace (names not starting with ``_``), largest first."""
    # dict() copies in one step: cells running meanwhile change the namespace
    frames = [
        {"name": name, "rows": int(value.shape[0]), "cols": int(value.shape[1])}
        for name, value in dict(namespace or {}).items()
        if not name.startswith("_") and isinstance(value, pd.DataFrame)
    ]
    return sorted(frames, key=lambda f: (-f["rows"] * f["cols"], f["name"]))


def frame_from_namespace(namespace: dict[str, Any] | None, name: str) -> pd.DataFrame:
    if namespace is None or name not in namespace:
        raise InputError(MSG_NO_VARIABLE.format(name=name))
    value = namespace[name]
    if not isinstance(value, pd.DataFrame):
        raise InputError(MSG_NOT_FRAME.format(name=name, type=type(value).__name__))
    return value


def load_demo_frame(name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A demo as one DataFrame (target column last) and its info."""
    if name not in DEMOS:
        raise InputError(f"Unknown demo dataset {name!r}. Choose one of {list(DEMOS)}.")
    spec = DEMOS[name]
    info = {k: v for k, v in spec.items() if k not in ("file", "sklearn")}
    return load_frame(name), info


def read_upload(name: str, data: bytes) -> pd.DataFrame:
    """Read an uploaded CSV, TSV (optionally gzipped) or Parquet file."""
    return read_table(data, name)


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA \
            or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(np.format_float_positional(value, precision=6, trim="-")) \
            if np.isfinite(value) else str(value)
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def preview(df: pd.DataFrame, n: int = PREVIEW_ROWS) -> dict[str, Any]:
    head = df.head(n)
    return {"columns": [str(c) for c in df.columns],
            "rows": [[_cell(v) for v in row] for row in head.itertuples(index=False, name=None)]}


def sketch(s: pd.Series, kind: str) -> dict[str, Any] | None:
    """A small picture of a column's distribution: a histogram, or its most common values."""
    values = s.dropna()
    if len(values) > SKETCH_SAMPLE:
        values = values.sample(SKETCH_SAMPLE, random_state=0)
    if not len(values):
        return None
    if kind == "numeric":
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        if not len(x):
            return None
        counts, edges = np.histogram(x, bins=SKETCH_BINS)
        return {"type": "hist", "counts": counts.tolist(),
                "lo": _cell(edges[0]), "hi": _cell(edges[-1])}
    if kind == "datetime":
        t = pd.to_datetime(values, errors="coerce", format="mixed").dropna()
        if not len(t):
            return None
        counts, _ = np.histogram(t.astype("int64").to_numpy(), bins=SKETCH_BINS)
        return {"type": "hist", "counts": counts.tolist(), "lo": str(t.min())[:10], "hi": str(t.max())[:10]}
    if kind in ("categorical", "boolean", "constant"):
        top = values.astype(str).value_counts().head(SKETCH_TOP)
        return {"type": "bars", "labels": [_cell(v) for v in top.index], "counts": top.tolist(),
                "total": int(len(values))}
    return None


def data_part(df: pd.DataFrame, *, name: str, kind: str, description: str = "") -> dict[str, Any]:
    """The Data step's panel: shape, preview, and a profile of every column."""
    named = df if all(isinstance(c, str) for c in df.columns) else df.set_axis(
        [str(c) for c in df.columns], axis=1)
    dupes = sorted({c for c in named.columns if (named.columns == c).sum() > 1})
    if dupes:
        raise InputError(MSG_DUPLICATE.format(names=dupes[:10]))
    if named.shape[0] == 0 or named.shape[1] == 0:
        raise InputError(MSG_EMPTY.format(rows=named.shape[0], cols=named.shape[1]))
    n = len(named)
    columns = []
    for info in profile(named):
        columns.append({
            "name": info.name, "kind": info.kind, "dtype": info.dtype,
            "missing": info.n_missing / n, "n_unique": info.n_unique, "note": info.note,
            "sketch": sketch(named[info.name], info.kind),
        })
    return jsonable({"name": name, "kind": kind, "description": description,
                     "rows": int(len(named)), "cols": int(named.shape[1]),
                     "preview": preview(named), "profile": columns})
