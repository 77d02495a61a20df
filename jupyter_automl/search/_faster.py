"""Making one finished trial the model after the search: a faster one within a tolerance of the
best score (``select_faster``), or a point of a Pareto front (see ``_pareto``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sklearn.model_selection import FixedThresholdClassifier

from ..exceptions import InputError
from ._final_model import SearchResult, describe
from ._latency import ensemble_predict_ms, faster_trial
from ._objective import refit
from ._trials import TrialRecord

MSG_RUNNING = "The search is still running; wait for it (handle.wait()) before choosing a model."


def refit_as_model(coordinator: Any, result: SearchResult, record: TrialRecord,
                   description: str) -> SearchResult:
    """Refit one finished trial on every row now, as the model (with its tuned threshold, if it
    has one): the SearchResult that says so."""
    if not coordinator.done.is_set():
        raise InputError(MSG_RUNNING)
    model = refit(coordinator.data, record.params)
    threshold = record.threshold if coordinator.plugin is None else None
    if threshold is not None:
        model = FixedThresholdClassifier(model, threshold=threshold, response_method="predict_proba",
                                         pos_label=coordinator.problem.positive_class)
    return replace(result, model=model, best_trial=record.number, score=record.score,
                   members=[record.number], weights=[1.0], description=description,
                   threshold=threshold)


def select_faster(coordinator: Any, result: SearchResult, tolerance: float) -> SearchResult:
    """The SearchResult of the fastest trial within ``tolerance`` of the chosen model's score."""
    record = faster_trial(list(coordinator.records.values()), result.score,
                          coordinator.metric.greater_is_better, tolerance)
    chosen = [coordinator.records[n] for n in result.members if n in coordinator.records]
    before = ensemble_predict_ms(chosen)
    slower = f", instead of {before:.1f} ms" if before is not None else ""
    description = (f"{describe([record], [1.0])}, the fastest within {tolerance:.0%} of the best "
                   f"score: {record.predict_ms:.1f} ms per 1,000 rows{slower}")
    return refit_as_model(coordinator, result, record, description)
