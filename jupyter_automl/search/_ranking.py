"""Trials ranked by score: the finished ones, and those cut short by the folds they scored."""

from __future__ import annotations

from collections.abc import Iterable

from ..problem import Metric
from ._trials import TrialRecord


def ranked_finished(records: Iterable[TrialRecord], metric: Metric) -> list[TrialRecord]:
    """Finished trials, best score first (ties: the earlier trial)."""
    done = [r for r in records if r.state == "finished" and r.score is not None]
    sign = -1.0 if metric.greater_is_better else 1.0
    return sorted(done, key=lambda r: (sign * r.score, r.number))


def ranked_partial(records: Iterable[TrialRecord], metric: Metric) -> list[TrialRecord]:
    """Trials cut short (stopped or pruned) ranked by the mean of the folds they scored."""
    partial = [r for r in records if r.state in ("stopped", "pruned") and r.folds]
    for r in partial:
        r.score = r.running_mean()
    sign = -1.0 if metric.greater_is_better else 1.0
    return sorted(partial, key=lambda r: (sign * r.score, r.number))
