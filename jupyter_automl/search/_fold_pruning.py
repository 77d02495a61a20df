"""When a trial may be pruned between its folds, what it reports, and what its next fold costs.

Between CV folds a trial reports its running mean; between row rungs (large tables, see
``problem.Splits``) it reports the rung's own score, and the next rung costs its share of rows.
The first trials of a search are never pruned: they give the pruner something to compare with
(and run their folds side by side). Within a network's first fold, epoch rungs may stop it
earlier (``_epochs``): its unit carries their thresholds (``unit_params``), and that fold runs
alone (``waits_for_rungs``). The sub-networks a supernet hands back for retraining
(``nas="supernet"``) are ranked among themselves on their first folds (successive halving): only
the best goes on to every fold (``_behind_another_retrain``).
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

RETRAIN_BEHIND_MESSAGE = ("stopped after {n} fold(s): {score:.4g} on its first fold, no better than the "
                          "{best:.4g} of trial {rival}, another sub-network retrained from the supernet "
                          "(only the best of them there goes on to every fold)")


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
        self._n_retrains = 0  # sub-networks the supernet hands back (nas="supernet")

    def expect_retrains(self, n: int) -> None:
        """The supernet hands back ``n`` sub-networks to retrain: until each has its first fold
        (or has ended), they all run their folds in order and may be stopped."""
        self._n_retrains = n

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
        if _is_retrained(rec):  # retrained from a supernet: judged by the others, but the winner
            return self._retrain_winner() is not rec
        return len(earlier) >= self.startup

    def unit_params(self, rec: TrialRecord, fold: int, records: Iterable[TrialRecord]) -> dict:
        """What a unit of ``rec`` runs with: its params, plus (a network's first fold, pruning on)
        the epoch rungs' thresholds that earlier networks' curves set.

        The family's default networks train past the rungs: they are what the rungs compare with,
        and some learn slowly at first (german credit: TabM-mini, the best network out of fold
        at 0.773 ROC AUC, was stopped at epoch 3 behind the three defaults before it).
        A supernet's retrained sub-networks are judged at the rungs too, by the ones before them."""
        enabled = self.enabled and fold == 0 and not self._is_default(rec.params)
        params = with_rungs(rec.params, fold, records, self.metric, enabled=enabled)
        if params is not rec.params:
            self._at_rungs.add(rec.number)
        return params

    def waits(self, rec: TrialRecord, in_flight: set[int], may_prune: bool) -> bool:
        """Whether ``rec``'s next fold waits: a trial that ``may_prune`` runs its folds in order,
        a network's first fold at the epoch rungs runs alone (``waits_for_rungs``), and a
        supernet's retrained sub-network waits with its first fold in until the others have theirs
        (then only the best goes on: ``lost_retrain_round``)."""
        if in_flight and (may_prune or self.waits_for_rungs(rec, in_flight)):
            return True
        return self.enabled and _is_retrained(rec) and 0 in rec.folds and self._retrain_winner() is None

    def lost_retrain_round(self, rec: TrialRecord) -> str | None:
        """Why ``rec``, a retrained sub-network waiting between folds, stops now: another one's
        first fold beat its own, or tied it and started earlier (``_behind_another_retrain``)."""
        return self._behind_another_retrain(rec) if self.enabled and rec.state == "running" else None

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
        behind = self._behind_another_retrain(rec)
        if behind:
            return behind
        with self.snapshot():
            return message if trial.should_prune() else None

    def _behind_another_retrain(self, rec: TrialRecord) -> str | None:
        """Successive halving among a supernet's retrained sub-networks (``nas="supernet"``): their
        inherited scores rank them poorly, so each trains its first fold and waits for the others'
        (``waits``); one whose first fold is no better than another's stops, and the best trains
        its other folds side by side. On a tie the earlier goes on (the better by inherited score).
        Before, the first retrained trained every fold before the next started, and a later one
        that beat it there did too: on wine, breast cancer and digits two of the three paid a
        full CV (2026-12-07)."""
        if not _is_retrained(rec) or 0 not in rec.folds:
            return None
        rival = self._best_retrain(exclude=rec)
        if rival is None:
            return None
        score, best = rec.folds[0].score, rival.folds[0].score
        if self.metric.is_better(score, best) or (score == best and rec.number < rival.number):
            return None
        return RETRAIN_BEHIND_MESSAGE.format(n=len(rec.folds), score=score, best=best, rival=rival.number)

    def _best_retrain(self, exclude: TrialRecord | None = None) -> TrialRecord | None:
        """The retrained sub-network still in the search with the best first fold (the earliest
        among equals); one stopped inside its first fold (an epoch rung) is not a rival."""
        alive = [r for r in self.records() if r is not exclude and _is_retrained(r) and 0 in r.folds
                 and r.state in ("running", "finished")]
        sign = 1.0 if self.metric.greater_is_better else -1.0
        return max(alive, key=lambda r: (sign * r.folds[0].score, -r.number), default=None)

    def _retrain_winner(self) -> TrialRecord | None:
        """The best retrained sub-network once every one has its first fold or has ended."""
        done = [r for r in self.records() if _is_retrained(r) and (0 in r.folds or r.state != "running")]
        return self._best_retrain() if len(done) >= self._n_retrains else None

    def next_fold_seconds(self, rec: TrialRecord, fold: int) -> float:
        """What ``fold`` of a running trial should take, from its folds so far."""
        seconds = rec.mean_fold_seconds() or 0.0
        if self.row_rungs and rec.folds:  # a rung costs about its share of rows
            seconds *= self.splits.train_rows(fold) / np.mean([self.splits.train_rows(k) for k in rec.folds])
        return seconds


def _is_retrained(rec: TrialRecord) -> bool:
    """A sub-network handed back by a supernet and trained from scratch (not one of its rows)."""
    return rec.inherited_score is not None and not rec.inherited_weights
