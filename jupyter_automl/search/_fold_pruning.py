"""When a trial may be pruned between its folds, what it reports, and what its next fold costs.

Between CV folds a trial reports its running mean; between row rungs (large tables, see
``problem.Splits``) it reports the rung's own score, and the next rung costs its share of rows.
The first trials of a search are never pruned: they give the pruner something to compare with
(and run their folds side by side). Within a network's first fold, epoch rungs may stop it
earlier (``_epochs``): its unit carries their thresholds (``unit_params``), and that fold runs
alone (``waits_for_rungs``). The sub-networks a supernet hands back for retraining
(``nas="supernet"``) are ranked on their first fold: one that another of them beat there stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import optuna

from ..problem import Metric, Splits
from ._epochs import with_rungs
from ._samplers import (
    PRUNED_MESSAGE,
    PRUNED_RUNG_MESSAGE,
    PRUNER_STARTUP_TRIALS,
    RUNG_STARTUP_TRIALS,
)
from ._trials import TrialRecord

RETRAIN_BEHIND_MESSAGE = ("stopped after its first fold: {score:.4g} there, behind the {best:.4g} of "
                          "trial {rival}, another sub-network retrained from the supernet (only the "
                          "best of them goes on to every fold)")


class FoldPruning:
    def __init__(self, splits: Splits, enabled: bool, metric: Metric,
                 snapshot: Callable[[], AbstractContextManager] = nullcontext,
                 records: Callable[[], Iterable[TrialRecord]] = tuple):
        self.splits = splits
        self.snapshot = snapshot  # the pruner reads the study's trials once (see _snapshot)
        self.records = records  # the search's trials so far
        self.enabled = enabled
        self.metric = metric
        self.row_rungs = splits.kind == "rows"
        self.startup = RUNG_STARTUP_TRIALS if self.row_rungs else PRUNER_STARTUP_TRIALS
        self._is_default: Callable[[dict], bool] = lambda params: False
        self._at_rungs: set[int] = set()  # trials whose first fold was sent with rung thresholds

    def spare_defaults(self, space) -> None:
        """Let the default configurations of ``space`` (a ``SearchSpace``) train past the epoch
        rungs and, between folds, past the pruner (row rungs still judge them).

        A cold search never prunes its defaults: they are its first trials. A warm start puts its
        picks between them, and the pruner then stopped the ones that look weak alone after one
        fold (glass: the second boosting default and the default network), which left the warm
        searches' ensembles without the members that hold a fifth to a quarter of the weight of
        the cold ones'."""
        defaults = [space.completed(c) for c in space.default_configs()]
        # a trial's params hold its active params only; a default's hold them all
        self._is_default = lambda params: any(
            all(d.get(k) == v for k, v in space.completed(params).items()) for d in defaults)

    def may_prune(self, rec: TrialRecord, records: Iterable[TrialRecord]) -> bool:
        """Whether ``rec`` can be pruned between folds (then its folds run one after another)."""
        if not self.enabled or (not self.row_rungs and self._is_default(rec.params)):
            return False
        # a supernet's rows (scored with inherited weights) trained nothing: no trials to compare with
        earlier = [r for r in records if r.number < rec.number and not r.resumed and not r.inherited_weights]
        if _is_retrained(rec):  # retrained from a supernet: judged by the ones before it
            return any(_is_retrained(r) for r in earlier)
        return len(earlier) >= self.startup

    def unit_params(self, rec: TrialRecord, fold: int, records: Iterable[TrialRecord]) -> dict:
        """What a unit of ``rec`` runs with: its params, plus (a network's first fold, pruning on)
        the epoch rungs' thresholds that earlier networks' curves set.

        The family's default networks train past the rungs: they are what the rungs compare with,
        and some learn slowly at first (german credit: TabM-mini, the best network out of fold
        at 0.773 ROC AUC, was stopped at epoch 3 behind the three defaults before it)."""
        # a supernet's retrained sub-networks are judged on their whole first fold instead
        enabled = self.enabled and fold == 0 and not self._is_default(rec.params) and not _is_retrained(rec)
        params = with_rungs(rec.params, fold, records, self.metric, enabled=enabled)
        if params is not rec.params:
            self._at_rungs.add(rec.number)
        return params

    def waits_for_rungs(self, rec: TrialRecord, in_flight: set[int]) -> bool:
        """Whether ``rec``'s other folds wait for its first, which epoch rungs may stop. A fold
        already running cannot be interrupted, so one started beside it would train to the end
        for a network the rungs dropped (before this, among a search's first ten trials, whose
        folds run side by side, a network stopped at a rung left one training on the other worker)."""
        return 0 in in_flight and rec.number in self._at_rungs

    def should_stop(self, trial: optuna.Trial, rec: TrialRecord, fold: int) -> str | None:
        """Report the trial's score after ``fold``; the reason to prune it, or None."""
        if self.row_rungs:  # each rung is judged on its own rows, not averaged with smaller ones
            trial.report(rec.fold_scores[-1], step=len(rec.folds) - 1)
            message = PRUNED_RUNG_MESSAGE.format(rows=self.splits.train_rows(fold))
        else:
            trial.report(rec.running_mean(), step=len(rec.folds) - 1)
            message = PRUNED_MESSAGE.format(fold=fold + 1)
        behind = self._behind_another_retrain(rec, fold)
        if behind:
            return behind
        with self.snapshot():
            return message if trial.should_prune() else None

    def _behind_another_retrain(self, rec: TrialRecord, fold: int) -> str | None:
        """Successive halving among a supernet's retrained sub-networks (``nas="supernet"``): their
        inherited scores rank them poorly, so each trains its first fold, and one that another
        retrained sub-network beat on that fold stops there."""
        if not _is_retrained(rec) or len(rec.folds) != 1:
            return None
        rivals = [r for r in self.records() if r is not rec and _is_retrained(r) and fold in r.folds]
        if not rivals:
            return None
        sign = 1.0 if self.metric.greater_is_better else -1.0
        rival = max(rivals, key=lambda r: sign * r.folds[fold].score)  # the first among equals
        score, best = rec.folds[fold].score, rival.folds[fold].score
        if not self.metric.is_better(best, score):
            return None
        return RETRAIN_BEHIND_MESSAGE.format(score=score, best=best, rival=rival.number)

    def next_fold_seconds(self, rec: TrialRecord, fold: int) -> float:
        """What ``fold`` of a running trial should take, from its folds so far."""
        seconds = rec.mean_fold_seconds() or 0.0
        if self.row_rungs and rec.folds:  # a rung costs about its share of rows
            seconds *= self.splits.train_rows(fold) / np.mean([self.splits.train_rows(k) for k in rec.folds])
        return seconds


def _is_retrained(rec: TrialRecord) -> bool:
    """A sub-network handed back by a supernet and trained from scratch (not one of its rows)."""
    return rec.inherited_score is not None and not rec.inherited_weights
