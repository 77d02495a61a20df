"""Which original column each model input comes from, for the pipelines the search builds.

A model is ``Pipeline([("preprocess", ColumnTransformer), ("model", estimator)])``, where the
ColumnTransformer may be wrapped in a ``SelectColumnGroups`` that keeps some original columns.
Each column of the transformed matrix belongs to exactly one original column
(``jupyter_automl.estimators.output_sources`` says which). SHAP values computed on the transformed
matrix are folded back (summed) into their original column, and a permutation explainer can mask
whole original columns by swapping the matching blocks of the transformed matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from ...estimators import SelectColumnGroups, output_sources
from ...exceptions import InputError

MSG_NOT_OURS = ("Cannot map the inputs of {what} back to original columns: expected a Pipeline "
                "whose first step is a ColumnTransformer ('preprocess'), got {got}.")
MSG_UNMAPPED = "Cannot map the model inputs back to original columns: {reason}."
MISSING_PREFIX = "missingindicator_"


@dataclass(frozen=True)
class ColumnMap:
    """The model inputs of a pipeline, grouped by the original column they come from.

    ``columns`` are the original columns the pipeline reads, in order; ``groups[j]`` is the
    position in ``columns`` of model input ``j`` (after feature selection).
    """

    columns: list[str]
    groups: np.ndarray
    preprocess: Any  # fitted: original frame -> model input matrix
    estimator: Any  # the fitted final step
    inputs: list[str]  # the columns the preprocessor was fitted on (a superset of ``columns``)
    names: list[str] | None = None  # a readable name of each model input (see ``input_names``)

    @property
    def n_groups(self) -> int:
        return len(self.columns)

    def transform(self, X) -> np.ndarray:
        Z = self.preprocess.transform(X[self.inputs])
        return np.asarray(Z.toarray() if hasattr(Z, "toarray") else Z, dtype=float)

    def fold(self, values: np.ndarray) -> np.ndarray:
        """Sum per-input values (n_rows, n_inputs[, n_outputs]) into their original columns."""
        out = np.zeros((values.shape[0], self.n_groups) + values.shape[2:])
        np.add.at(out, (slice(None), self.groups), values)
        return out


def _column_transformer(step: Any) -> Any:
    """The ColumnTransformer of a first step: the step itself or the one a selection wraps."""
    if isinstance(step, SelectColumnGroups):
        return getattr(step, "preprocess_", step.preprocess)
    return step


def is_our_pipeline(model: Any) -> bool:
    return (isinstance(model, Pipeline) and len(model.steps) >= 2
            and isinstance(_column_transformer(model.steps[0][1]), ColumnTransformer))


def column_map(pipeline: Any) -> ColumnMap:
    """The ColumnMap of a fitted pipeline built by the search."""
    if not is_our_pipeline(pipeline):
        raise InputError(MSG_NOT_OURS.format(what="this model", got=type(pipeline).__name__))
    ct: ColumnTransformer = _column_transformer(pipeline.steps[0][1])
    try:
        sources = output_sources(ct)
    except ValueError as error:
        raise InputError(MSG_UNMAPPED.format(reason=error)) from None
    columns = list(dict.fromkeys(sources))  # the columns some input comes from, in input order
    sources_arr = np.asarray(sources, dtype=object)
    names_arr = np.asarray(input_names(ct, sources), dtype=object)
    for _, step in pipeline.steps[:-1]:  # a selection (first step) or a selector step after it
        if hasattr(step, "get_support"):
            sources_arr, names_arr = sources_arr[step.get_support()], names_arr[step.get_support()]
    position = {c: i for i, c in enumerate(columns)}
    groups = np.asarray([position[s] for s in sources_arr], dtype=np.int64)
    preprocess = pipeline[:-1]
    inputs = [str(c) for c in getattr(ct, "feature_names_in_", columns)]
    return ColumnMap(columns=columns, groups=groups, preprocess=preprocess,
                     estimator=pipeline.steps[-1][1], inputs=inputs, names=list(names_arr))


def input_names(ct: ColumnTransformer, sources: list[str]) -> list[str]:
    """A readable name per output of ``ct`` that starts with its original column: the
    transformer's own output name when it does (``when_weekday_sin``, ``city_frequency``,
    ``age_sp_2``), else ``"<column>: <name>"`` (TF-IDF terms: ``"review: fast"``)."""
    try:
        local = [str(n).split("__", 1)[-1] for n in ct.get_feature_names_out()]
    except (AttributeError, ValueError):  # a transformer without output names
        return list(sources)
    return [n if n.startswith(s) or n == MISSING_PREFIX + s else f"{s}: {n}"
            for n, s in zip(local, sources, strict=True)]
