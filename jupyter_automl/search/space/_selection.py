"""Feature selection as a search choice of every family: which scorer, and how many columns stay.

``feature_fraction`` is the share of the original columns kept (1.0: no selection, the default of
every family, so default configurations build the same pipelines as before); ``selector`` says how
columns are ranked when some are dropped. Selection works on whole original columns (see
``jupyter_automl.estimators.SelectColumnGroups``) and is fitted inside each fold's pipeline, on that
fold's training rows only, so the validation rows never inform it.

A configuration from before ``selector`` existed (``feature_fraction`` alone) means the F-test,
which is what it meant then.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sklearn.compose import ColumnTransformer

from ...estimators import SelectColumnGroups
from ...problem import Problem
from ._params import Param

FEATURE_FRACTIONS = (1.0, 0.75, 0.5, 0.25)
SELECTORS = ("f_test", "mutual_info", "model", "l1")
SELECTION_PARAMS = ("feature_fraction", "selector")
# in a configuration: the original columns its pipeline reads, fixed by a phased feature search
# (``feature_search="sequential"`` or ``"pseudo_joint"``); not an Optuna param (its choices change)
FEATURE_SET = "feature_set"
SELECTOR_HELP = ("how columns are ranked: f_test (univariate F-test), mutual_info (mutual "
                 "information), model (importances of small extra trees), l1 (weights of an "
                 "L1-penalised linear model)")


def selection_params() -> list[Param]:
    """The two feature-selection choices every family searches."""
    return [
        Param("feature_fraction", "categorical", choices=FEATURE_FRACTIONS, default=1.0,
              help="share of the original columns kept (1.0: all, no selection)"),
        Param("selector", "categorical", choices=SELECTORS, default="f_test", help=SELECTOR_HELP,
              active=lambda v: v.get("feature_fraction", 1.0) < 1.0),
    ]


def with_selection(preprocessor: Any, values: dict[str, Any], problem: Problem, style: str,
                   seed: int) -> Any:
    """``preprocessor`` as it is, or wrapped in a column selection when the configuration asks."""
    keep = float(values.get("feature_fraction", 1.0))
    if keep >= 1.0:
        return preprocessor
    # the native style's model finds its categorical inputs by position: dropped columns are
    # blanked (constant, never split on) instead of removed so the positions stay valid
    return SelectColumnGroups(preprocessor, method=values.get("selector") or "f_test", keep=keep,
                              blank=style == "native", classification=problem.is_classification,
                              random_state=seed)


def restricted(problem: Problem, params: dict[str, Any]) -> Problem:
    """``problem`` with only the columns of the configuration's ``FEATURE_SET`` (if it has one):
    its preprocessing then reads those columns and ignores the others."""
    keep = params.get(FEATURE_SET)
    if keep is None:
        return problem
    keep = set(keep)
    return replace(problem, columns=tuple(c for c in problem.columns if c.name in keep))


def kept_columns(model: Any) -> list[str] | None:
    """The original columns a fitted search model uses, or None if it keeps them all.

    For an ensemble: the columns any member uses (None if one member uses them all).
    """
    members = getattr(model, "estimators_", None)
    if isinstance(members, list) and members and not hasattr(model, "steps"):
        kept = [kept_columns(m) for m in members]
        if any(k is None for k in kept):
            return None
        return list(dict.fromkeys(c for k in kept for c in k))
    first = model.steps[0][1] if hasattr(model, "steps") else None
    if isinstance(first, SelectColumnGroups):
        return list(first.kept_columns_)
    if isinstance(first, ColumnTransformer) and hasattr(first, "feature_names_in_"):
        # a pipeline built for a FEATURE_SET: its transformers name fewer columns than it was fitted on
        read = {c for _, step, cols in first.transformers if step != "drop" for c in _names(cols)}
        columns = [str(c) for c in first.feature_names_in_]
        if not set(columns) <= read:
            return [c for c in columns if c in read]
    return None


def _names(columns: Any) -> list[str]:
    return [columns] if isinstance(columns, str) else [c for c in columns if isinstance(c, str)]
