"""Exceptions and warnings raised by jupyter_automl.

Every message says what is wrong, what we got, and what to do.
"""

from __future__ import annotations

__all__ = [
    "AutoMLError",
    "InputError",
    "TargetError",
    "TargetColumnError",
    "UnreachableError",
    "SearchError",
    "AllTrialsFailedError",
    "ExecutorLostError",
    "StorageUnavailableError",
    "NotFittedError",
    "AutoMLWarning",
    "DataWarning",
    "LeakageWarning",
    "SearchWarning",
    "UntrustedTypesError",
]

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError


class AutoMLError(Exception):
    """Base class of every error raised by jupyter_automl."""


class InputError(AutoMLError, ValueError):
    """The data or a parameter given by the user cannot be used as it is."""


class TargetError(InputError):
    """The target cannot be learned as it is (one class, all missing, infinite values...)."""


class TargetColumnError(TargetError):
    """The target was given as a column name that the table does not have."""


class UnreachableError(InputError):
    """A server the search needs (the study's database, the Dask scheduler) cannot be reached."""


class SearchError(AutoMLError, RuntimeError):
    """The search could not produce a model."""


class AllTrialsFailedError(SearchError):
    """Every trial of the search failed; the message lists the most common reasons."""


class ExecutorLostError(SearchError):
    """The executor can no longer run units (the Dask scheduler was lost); the study is kept."""


class StorageUnavailableError(SearchError):
    """The study storage stayed unreachable (a database server down) longer than the retries."""


class NotFittedError(AutoMLError, _SklearnNotFittedError):
    """The AutoML object was used before ``fit`` finished (also a scikit-learn NotFittedError)."""


class UntrustedTypesError(AutoMLError, TypeError):
    """A saved file contains types that are not trusted for safe loading."""


class AutoMLWarning(UserWarning):
    """Base class of every warning emitted by jupyter_automl."""


class DataWarning(AutoMLWarning):
    """The data was changed or is suspicious (dropped columns, casts, dropped rows)."""


class LeakageWarning(DataWarning):
    """A column predicts the target almost perfectly: it may leak the answer."""


class SearchWarning(AutoMLWarning):
    """Something went wrong during the search but a model was still produced."""
