"""Data in -> Problem: task detection, column roles, input checks, metrics and folds.

No Optuna and no widgets here; the wizard's setup steps call these functions directly.
"""

from ._detect import KINDS, ColumnInfo, detect_task, profile, profile_column
from ._metrics import FRIENDLY as FRIENDLY_METRICS
from ._metrics import Metric, resolve_metric
from ._problem import Problem, analyze
from ._splits import Splits, make_splits

__all__ = [
    "FRIENDLY_METRICS",
    "KINDS",
    "ColumnInfo",
    "Metric",
    "Problem",
    "Splits",
    "analyze",
    "detect_task",
    "make_splits",
    "profile",
    "profile_column",
    "resolve_metric",
]
