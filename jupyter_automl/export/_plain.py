"""Plain-data encoding of our fitted state, so the safe (skops) format can store it.

skops loads dicts, lists, tuples, numbers, strings and numpy arrays without any trust; our
dataclasses (Problem, ColumnInfo, Splits, Metric, SearchResult) and DataFrames are turned into
tagged dicts of those, and back. Only dataclasses defined in ``jupyter_automl`` are rebuilt.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import numpy as np
import pandas as pd

TAG_DATACLASS = "__dataclass__"
TAG_FRAME = "__frame__"
TAG_REF = "__ref__"
_PACKAGE = "jupyter_automl."

MSG_UNKNOWN_CLASS = ("The saved file names the class {name!r}, which is not a data class of "
                     "jupyter_automl; it was written by another program or a newer version.")


def encode(value: Any, refs: dict[int, str] | None = None) -> Any:
    """``value`` with dataclasses and DataFrames turned into tagged dicts (recursively).

    ``refs`` maps ``id(obj)`` to a name: those objects are written as a reference instead
    (the fitted model, which is stored once at the top level).
    """
    refs = refs or {}
    if id(value) in refs:
        return {TAG_REF: refs[id(value)]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = {f.name: encode(getattr(value, f.name), refs)
                  for f in dataclasses.fields(value) if f.init}
        return {TAG_DATACLASS: f"{_public_module(cls)}:{cls.__qualname__}", "fields": fields}
    if isinstance(value, pd.DataFrame):
        return {TAG_FRAME: [str(c) for c in value.columns],
                "dtypes": [str(t) for t in value.dtypes],
                "data": [encode(_column_values(value[c]), refs) for c in value.columns]}
    if isinstance(value, dict):
        return {k: encode(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v, refs) for v in value]
    if isinstance(value, tuple):
        return tuple(encode(v, refs) for v in value)
    return value


def decode(value: Any, refs: dict[str, Any] | None = None) -> Any:
    """The inverse of :func:`encode`."""
    refs = refs or {}
    if isinstance(value, dict):
        if TAG_REF in value:
            return refs[value[TAG_REF]]
        if TAG_DATACLASS in value:
            cls = _dataclass(value[TAG_DATACLASS])
            return cls(**{k: decode(v, refs) for k, v in value["fields"].items()})
        if TAG_FRAME in value:
            return _frame(value, refs)
        return {k: decode(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v, refs) for v in value]
    if isinstance(value, tuple):
        return tuple(decode(v, refs) for v in value)
    return value


def _column_values(col: pd.Series) -> Any:
    if col.dtype == object:
        return list(col)
    if isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
        # nullable ints, pandas strings: store as objects with None for missing
        return [None if pd.isna(v) else v for v in col.astype(object)]
    return col.to_numpy()


def _frame(value: dict, refs: dict[str, Any]) -> pd.DataFrame:
    columns = {}
    for name, dtype, data in zip(value[TAG_FRAME], value["dtypes"], value["data"], strict=True):
        data = decode(data, refs)
        if isinstance(data, list):
            series = pd.Series(data, dtype=object, name=name)
            if dtype != "object":
                try:
                    series = series.astype(dtype)
                except (TypeError, ValueError):
                    pass
        else:
            series = pd.Series(data, name=name)
        columns[name] = series
    return pd.DataFrame(columns, columns=value[TAG_FRAME])


def _public_module(cls: type) -> str:
    """The shortest package that exports ``cls`` (``jupyter_automl.search`` rather than the
    private module defining it), so that files survive modules being moved inside a package."""
    parts = cls.__module__.split(".")
    for i in range(2, len(parts)):
        module = importlib.import_module(".".join(parts[:i]))
        if getattr(module, cls.__qualname__.split(".")[0], None) is cls:
            return module.__name__
    return cls.__module__


def _find(module_name: str, qualname: str) -> Any:
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _dataclass(name: str) -> type:
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(_PACKAGE):
        raise TypeError(MSG_UNKNOWN_CLASS.format(name=name))
    try:
        obj = _find(module_name, qualname)
    except (ImportError, AttributeError) as exc:
        # written before the class moved within its package (e.g. search._coordinator ->
        # search._final_model): the package exports it
        try:
            obj = _find(".".join(module_name.split(".")[:2]), qualname)
        except (ImportError, AttributeError):
            raise TypeError(MSG_UNKNOWN_CLASS.format(name=name)) from exc
    if not (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
        raise TypeError(MSG_UNKNOWN_CLASS.format(name=name))
    return obj


def jsonable(value: Any) -> Any:
    """numpy scalars and arrays as Python values (for JSON and for generated code)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    return value
