"""Problem: everything decided about the data before the search starts, and ``analyze`` that builds it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, TargetError
from ._checks import as_frame, check_cells, check_classes, clean_target, split_target
from ._detect import HIGH_CARDINALITY, NOTE_NUMBERS_AS_TEXT, ColumnInfo, detect_task, profile
from ._leakage import find_leaks
from ._metrics import Metric, resolve_metric
from ._noise import NOTE_NOISE_COLUMNS, find_noise
from ._splits import Splits, make_splits

TASKS = ("auto", "binary", "multiclass", "classification", "regression")
MSG_TASK = "The 'task' parameter of AutoML must be one of {tasks}. Got {got!r} instead."
MSG_REGRESSION_TARGET = ("task='regression' needs a numeric target, but {name!r} holds {dtype} "
                         "values such as {example!r}. Use task='auto' to classify it instead.")
MSG_NOT_BINARY = ("task='binary' needs a target with exactly 2 classes, but {name!r} has {n}: "
                  "{labels}. Use task='multiclass'.")
MSG_POSITIVE = "positive_class={got!r} is not a class of the target. Classes are: {classes}."
MSG_NO_FEATURES = ("No usable column is left: {dropped}. AutoML needs at least one column that "
                   "is not constant, empty or an identifier.")


@dataclass(frozen=True)
class Problem:
    """The task, metric, column roles and validation folds of one dataset. Immutable."""

    task: str
    task_reason: str
    metric: Metric
    metric_reason: str
    target: str
    classes: np.ndarray | None
    positive_class: Any
    positive_reason: str
    columns: tuple[ColumnInfo, ...]
    splits: Splits
    n_rows: int
    leaks: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    class_counts: tuple[int, ...] | None = None  # rows of each class, in the order of ``classes``

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    @property
    def feature_names_in(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def minority_share(self) -> float | None:
        """The share of rows in the rarest class (classification), else None."""
        if not self.class_counts:
            return None
        return min(self.class_counts) / sum(self.class_counts)

    @property
    def used_columns(self) -> list[ColumnInfo]:
        return [c for c in self.columns if c.used]

    def columns_of(self, *kinds: str) -> list[str]:
        return [c.name for c in self.columns if c.kind in kinds]

    def summary(self) -> dict[str, Any]:
        """A JSON-able description (stored with the study, shown in reports and the UI)."""
        return {
            "task": self.task,
            "task_reason": self.task_reason,
            "metric": self.metric.name,
            "direction": self.metric.direction,
            "metric_reason": self.metric_reason,
            "target": self.target,
            "classes": None if self.classes is None else [_jsonable(c) for c in self.classes],
            "positive_class": _jsonable(self.positive_class),
            "positive_reason": self.positive_reason,
            "n_rows": self.n_rows,
            "validation": {"kind": self.splits.kind, "n_folds": self.splits.n_folds,
                           "reason": self.splits.reason},
            "columns": [
                {"name": c.name, "kind": c.kind, "dtype": c.dtype, "n_missing": c.n_missing,
                 "n_unique": c.n_unique, "used": c.used, "note": c.note}
                for c in self.columns
            ],
            "leaks": dict(self.leaks),
            "notes": list(self.notes),
        }


def _jsonable(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def analyze(
    X: object,
    y: object,
    *,
    task: str = "auto",
    metric: str = "auto",
    cv: object = "auto",
    seed: int = 0,
    positive_class: Any = None,
    check_leakage: bool = True,
    time_budget: float | None = None,
    screen_noise: bool = False,
) -> tuple[Problem, pd.DataFrame, pd.Series]:
    """Validate ``X`` and ``y`` and decide task, metric, column roles and folds.

    Parameters
    ----------
    X : DataFrame or 2-D array
        The features (``y`` may instead be the name of a column of ``X``).
    y : array-like or str
        The target values, or the name of the target column in ``X``.
    task, metric, cv, seed, positive_class
        As in :class:`jupyter_automl.AutoML`.
    check_leakage : bool
        Look for columns that alone predict the target almost perfectly.
    time_budget : float or None
        The search's time budget: with ``cv="auto"``, a short one on a table of 10,000 to 50,000
        rows validates on a holdout instead of 3 folds (see ``_splits.auto_n_folds``).
    screen_noise : bool
        Leave out columns with no link to the target, alone or with the others (kind "noise";
        see ``_noise.py``: tables of 20 usable columns or more, budgets of 30 s or more).

    Returns
    -------
    problem : Problem
    X : DataFrame
        The rows kept (rows with a missing target are left out), with text column names.
    y : Series

    Raises
    ------
    InputError
        When the data cannot be used; the message says what to change.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": range(40), "colour": ["red", "blue"] * 20, "y": [0, 1] * 20})
    >>> problem, X, y = analyze(df, "y", check_leakage=False)
    >>> problem.task, problem.metric.name
    ('binary', 'roc_auc')
    >>> [(c.name, c.kind) for c in problem.columns]
    [('x', 'id'), ('colour', 'categorical')]
    """
    if task not in TASKS:
        raise InputError(MSG_TASK.format(tasks=list(TASKS), got=task))
    X, notes = as_frame(X)
    X, y_series = split_target(X, y)
    check_cells(X)
    X, y_series, target_notes = clean_target(X, y_series, task)
    notes += target_notes
    target = str(y_series.name) if y_series.name is not None else "target"

    detected, task_reason = detect_task(y_series)
    if task == "auto":
        task = detected
    elif task == "classification":
        n = y_series.nunique()
        task, task_reason = ("binary" if n == 2 else "multiclass"), "chosen by you"
    else:
        task_reason = "chosen by you"
    if task == "regression" and not (pd.api.types.is_numeric_dtype(y_series)
                                     and not pd.api.types.is_bool_dtype(y_series)):
        raise TargetError(MSG_REGRESSION_TARGET.format(
            name=target, dtype=y_series.dtype, example=y_series.iloc[0]))

    classes, positive, positive_reason = None, None, ""
    if task != "regression":
        classes = check_classes(y_series)
        if task == "binary" and len(classes) != 2:
            raise TargetError(MSG_NOT_BINARY.format(name=target, n=len(classes),
                                                   labels=[_jsonable(c) for c in classes[:10]]))
        if task == "multiclass" and len(classes) == 2:
            task, task_reason = "binary", "the target has 2 classes"
        if task == "binary":
            positive, positive_reason = _positive_class(y_series, classes, positive_class)
    share = None
    if task == "binary":
        share = float((y_series == positive).mean())
    metric_obj, metric_reason = resolve_metric(metric, task, classes, positive, positive_share=share)

    columns = profile(X)
    # leaks first: a column that gives the answer away would make every other one look useless
    leaks = find_leaks(X, y_series, task, [c for c in columns if c.used], seed) if check_leakage else {}
    if screen_noise:
        screened = find_noise(X, y_series, task, [c for c in columns if c.name not in leaks], seed,
                              time_budget=time_budget)
        columns = [replace(c, kind="noise", note=screened[c.name]) if c.name in screened else c
                   for c in columns]
    used = [c for c in columns if c.used]
    if not used:
        raise InputError(MSG_NO_FEATURES.format(
            dropped=", ".join(f"{c.name!r} ({c.kind})" for c in columns)))
    dropped = [c for c in columns if not c.used and c.kind != "noise"]
    if dropped:
        notes.append("columns left out: " + ", ".join(f"{c.name!r} ({c.note[9:]})" for c in dropped))
    noise = [c.name for c in columns if c.kind == "noise"]
    if noise:
        notes.append(NOTE_NOISE_COLUMNS + ", ".join(map(repr, noise)))
    as_text = [c.name for c in used if c.kind == "numeric" and c.note.startswith(NOTE_NUMBERS_AS_TEXT)]
    if as_text:
        notes.append(f"columns holding numbers as text were read as numbers (values that are not "
                     f"numbers count as missing): {as_text}")
    high = [c.name for c in used if c.high_cardinality]
    if high:
        notes.append(f"columns with more than {HIGH_CARDINALITY} distinct values (rare values are "
                     f"grouped, or target-encoded): {high}")
    mixed = [c.name for c in used if c.mixed_types]
    if mixed:
        notes.append(f"columns with mixed value types read as text labels: {mixed}")

    splits = make_splits(y_series.to_numpy(), task, cv, seed, n_columns=len(used), time_budget=time_budget)
    if "reduced" in splits.reason:
        notes.append(splits.reason)

    if leaks:
        notes.append("possible leakage, these columns alone predict the target almost perfectly: "
                     + ", ".join(f"{k!r} (score {v})" for k, v in leaks.items())
                     + ". If they are only known after the outcome, leave them out.")

    problem = Problem(
        task=task, task_reason=task_reason, metric=metric_obj, metric_reason=metric_reason,
        target=target, classes=classes, positive_class=positive, positive_reason=positive_reason,
        columns=tuple(columns), splits=splits, n_rows=len(X), leaks=leaks, notes=tuple(notes),
        class_counts=None if classes is None else tuple(
            int(n) for n in y_series.value_counts().reindex(classes, fill_value=0)),
    )
    return problem, X, y_series


def _positive_class(y: pd.Series, classes: np.ndarray, chosen: Any) -> tuple[Any, str]:
    if chosen is not None:
        matches = [c for c in classes if c == chosen or str(c) == str(chosen)]
        if not matches:
            raise TargetError(MSG_POSITIVE.format(got=chosen, classes=[_jsonable(c) for c in classes]))
        return matches[0], "chosen by you"
    as_set = {_jsonable(c) for c in classes}
    if as_set <= {0, 1} or as_set == {True, False}:
        return classes[1], f"{classes[1]!r} is the usual positive label"
    counts = y.value_counts()
    rare = counts.idxmin() if counts.min() != counts.max() else classes[1]
    return rare, f"{rare!r} is the rarer class (pass positive_class= to choose)"
