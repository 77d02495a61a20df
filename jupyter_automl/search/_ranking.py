"""Trials ranked by score: the finished ones, and those cut short by the folds they scored."""

from __future__ import annotations

from collections.abc import Iterable

from ..problem import Metric, Splits
from ._trials import TrialRecord


def ranked_finished(records: Iterable[TrialRecord], metric: Metric) -> list[TrialRecord]:
    """Finished trials, best score first (ties: the earlier trial)."""
    done = [r for r in records if r.state == "finished" and r.score is not None]
    sign = -1.0 if metric.greater_is_better else 1.0
    return sorted(done, key=lambda r: (sign * r.score, r.number))


def ranked_partial(records: Iterable[TrialRecord], metric: Metric, splits: Splits,
                   running: bool = False) -> list[TrialRecord]:
    """Trials cut short (stopped or pruned; ``running`` ones too) ranked by the mean of the folds
    they scored; between row rungs, by the largest rung reached, then its score there."""
    states = ("stopped", "pruned", "running") if running else ("stopped", "pruned")
    partial = [r for r in records if r.state in states and r.folds]
    sign = -1.0 if metric.greater_is_better else 1.0
    if splits.kind == "rows":
        def key(r: TrialRecord) -> tuple:
            deepest = max(r.folds)
            return -deepest, sign * r.folds[deepest].score, r.number
    else:
        def key(r: TrialRecord) -> tuple:
            return sign * r.running_mean(), r.number
    ranked = sorted(partial, key=key)
    if not running:  # the final model's choice: the score it is shown with
        for r in ranked:
            r.score = r.folds[max(r.folds)].score if splits.kind == "rows" else r.running_mean()
    return ranked


def ranked_for_reserve(records: Iterable[TrialRecord], metric: Metric, splits: Splits) -> list[TrialRecord]:
    """What the final model would be chosen from now: the finished trials, else (a table so
    large that nothing has finished yet) those that scored some folds, running ones too."""
    records = list(records)
    return ranked_finished(records, metric) or ranked_partial(records, metric, splits, running=True)
