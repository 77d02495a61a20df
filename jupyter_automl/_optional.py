"""Imports of optional dependencies, each with the exact install line when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from .exceptions import AutoMLError

# module name -> (extra that provides it, what it is for)
_EXTRAS = {
    "dask": ("dask", "the Dask executor"),
    "distributed": ("dask", "the Dask executor"),
    "psycopg2": ("postgres", "PostgreSQL storage"),
    "torch": ("torch", 'the PyTorch backend of the "nas" family'),
    "safetensors": ("torch", 'the PyTorch backend of the "nas" family'),
    "pyarrow": ("parquet", "reading Parquet files"),
    "optuna_dashboard": ("dashboard", "optuna-dashboard"),
}


class MissingDependencyError(AutoMLError, ImportError):
    """An optional dependency is needed for the feature that was asked for."""


def import_optional(name: str) -> ModuleType:
    """Import ``name`` or raise an error that gives the ``pip install`` line to fix it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        top = name.split(".")[0]
        extra, purpose = _EXTRAS.get(top, (None, name))
        hint = (
            f'pip install "jupyter_automl[{extra}]"' if extra else f"pip install {top}"
        )
        raise MissingDependencyError(
            f"{purpose} needs the optional package {top!r}, which is not installed. "
            f"Install it with: {hint}"
        ) from exc
