"""Data in -> Problem: task detection, column roles, input checks, metrics and folds; tables
read from files, the training data as the search uses it, and the checks of data at predict time.

No Optuna and no widgets here; the wizard's setup steps call these functions directly.
"""

from ._checks import check_target
from ._detect import KINDS, ColumnInfo, detect_task, profile, profile_column
from ._metrics import FRIENDLY as FRIENDLY_METRICS
from ._metrics import METRIC_LABELS, Metric, metric_label, resolve_metric
from ._prepare import TrainingFrame, check_predict_frame, prepare_training, target_array
from ._problem import Problem, analyze
from ._scores import SECONDARY, metric_direction, secondary_scores
from ._splits import Splits, class_codes, make_splits
from ._tables import TableReadError, read_table
from ._thresholds import (
    LABEL_METRICS,
    TunedMetric,
    best_threshold,
    cross_fitted_scores,
    needs_threshold,
    score_at,
)

__all__ = [
    "FRIENDLY_METRICS",
    "KINDS",
    "LABEL_METRICS",
    "METRIC_LABELS",
    "SECONDARY",
    "ColumnInfo",
    "Metric",
    "Problem",
    "Splits",
    "TableReadError",
    "TrainingFrame",
    "TunedMetric",
    "analyze",
    "best_threshold",
    "check_predict_frame",
    "check_target",
    "class_codes",
    "cross_fitted_scores",
    "detect_task",
    "make_splits",
    "metric_direction",
    "metric_label",
    "needs_threshold",
    "prepare_training",
    "profile",
    "profile_column",
    "read_table",
    "resolve_metric",
    "score_at",
    "secondary_scores",
    "target_array",
]
