"""Trials ranked by score: the finished ones, and those cut short by the folds they scored.

On row rungs a trial cut short by time can be the best one: it is compared with the finished
trials on the rows it reached (``rung_leaders``)."""

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


def rung_leaders(records: Iterable[TrialRecord], metric: Metric, splits: Splits,
                 running: bool = False) -> list[TrialRecord]:
    """On row rungs: the trials cut short by time or by you (``running`` ones too), not pruned for
    their score, that scored better on the largest rung they reached than every finished trial did
    on that rung; deepest rung first, then best score. Empty without row rungs.

    Successive halving compares trials on the same rows, and a ranking there mostly holds on more
    rows; a trial stopped only because the next rung could not fit the time left (1M rows, 60 s:
    default boosting at 0.986 on 33,334 rows, where the finished ones had 0.931 at most) is
    likelier the best model than any finished one."""
    if splits.kind != "rows":
        return []
    records = list(records)
    finished = [r for r in records if r.state == "finished" and r.score is not None]
    states = ("stopped", "running") if running else ("stopped",)
    leaders = []
    for r in records:
        if r.state not in states or not r.folds:
            continue
        deepest = max(r.folds)
        rivals = [f.folds[deepest].score for f in finished if deepest in f.folds]
        if all(metric.is_better(r.folds[deepest].score, s) for s in rivals):
            leaders.append(r)
    sign = -1.0 if metric.greater_is_better else 1.0
    return sorted(leaders, key=lambda r: (-max(r.folds), sign * r.folds[max(r.folds)].score, r.number))


def ranked_for_reserve(records: Iterable[TrialRecord], metric: Metric, splits: Splits) -> list[TrialRecord]:
    """What the final model would be chosen from now: the trials leading their rung (running ones
    too), then the finished trials, else (a table so large that nothing has finished yet) those
    that scored some folds, running ones too."""
    records = list(records)
    finished = ranked_finished(records, metric)
    if not finished:
        return ranked_partial(records, metric, splits, running=True)
    return rung_leaders(records, metric, splits, running=True) + finished
