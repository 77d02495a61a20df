"""The time budget of one search: its clock, its deadline and the reserve kept for the final refit.

``deadline = start + time_budget + paused time``. The search phase ends early enough to refit the
final model before the deadline: the reserve is estimated from the measured fit times of the
trials most likely to be in the final model (the top three and each family's best), and, once
the ensemble has been chosen as it stands ("priced"), from what refitting that choice costs.

The budget reads the ranking of finished trials through a function given to it, and caches the
reserve until ``invalidate`` is called (the coordinator does when a trial finishes): the search
loop asks for the time left many times a step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..problem import Problem
from ._trials import TrialRecord
from .space import FAMILIES, family_values

ENSEMBLE_REFIT_SHARE = 0.15  # of the time budget, kept at most to refit the runners-up of an ensemble
UNIT_DEADLINE_SLACK = 1.0  # seconds a unit may run past the end of the search phase
MAX_SPEED_SAMPLES = 20  # first folds that say how fast this search runs against corpus prices


class Budget:
    """Clock, deadline and refit reserve of one search. Used from the coordinator thread only.

    Parameters
    ----------
    time_budget : float or None
        Seconds for the whole search, final refit included; None: no time limit.
    t_start : float
        ``time.monotonic()`` when the search was asked for (``fit_async``).
    ranking : callable
        Returns the finished trials, best first.
    n_workers : int
        Units that run side by side (refits share them too).
    refit_scale : callable
        ``refit_scale(rec)``: a refit of ``rec`` on every row takes this many times its mean fold
        fit (folds may differ in size: row rungs).
    ensemble : bool
        Whether the final model may be an ensemble (its runners-up need refit time as well).
    """

    def __init__(self, time_budget: float | None, t_start: float, *,
                 ranking: Callable[[], list[TrialRecord]], n_workers: int,
                 refit_scale: Callable[[TrialRecord], float],
                 ensemble: bool):
        self.time_budget = time_budget
        self.t_start = t_start
        self.n_workers = n_workers
        self.refit_scale = refit_scale
        self.ensemble = ensemble
        self._ranking = ranking
        self._paused_since: float | None = None
        self._paused_total = 0.0
        self._reserve: float | None = None
        self._priced: float | None = None  # the reserve for the ensemble chosen once, when priced
        self.priced_ensemble: dict[int, float] = {}  # that ensemble: trial -> weight (refits fit the reserve)

    # -- the clock ------------------------------------------------------------------------------

    @staticmethod
    def now() -> float:
        return time.monotonic()

    def elapsed(self) -> float:
        """Seconds since the start, paused time not counted."""
        paused = self._paused_total + (self.now() - self._paused_since if self._paused_since else 0.0)
        return self.now() - self.t_start - paused

    def pause(self) -> None:
        self._paused_since = self.now()

    def resume(self) -> None:
        if self._paused_since is not None:
            self._paused_total += self.now() - self._paused_since
            self._paused_since = None

    @property
    def deadline(self) -> float | None:
        """``time.monotonic()`` by which the final model must be ready, or None."""
        if self.time_budget is None:
            return None
        return self.t_start + self.time_budget + self._paused_total

    def time_left(self) -> float:
        return np.inf if self.deadline is None else self.deadline - self.now()

    def wall_deadline(self) -> float | None:
        """The deadline on the ``time.time()`` clock (what workers in other processes compare)."""
        return None if self.deadline is None else time.time() + self.time_left()

    # -- the refit reserve ----------------------------------------------------------------------

    def refit_estimate(self, rec: TrialRecord) -> float:
        """Seconds a refit of ``rec`` on every row should take."""
        return (rec.mean_fit_seconds() or 0.0) * self.refit_scale(rec)

    def reserve_for(self, refit_seconds: float) -> float:
        """The reserve for refits taking this long, with margins for the estimate and the rest
        of the end (choosing the ensemble, storing the result)."""
        margin = 0.2 + 0.01 * (self.time_budget or 0.0)
        return margin + 1.15 * refit_seconds + 0.3

    def invalidate(self) -> None:
        """The ranking changed (a trial finished, trials were loaded): estimate the reserve again."""
        self._reserve = None

    def refit_reserve(self) -> float:
        """Seconds to keep for the final refit."""
        if self._reserve is None:
            self._reserve = self._estimate()
            if self._priced is not None:
                # the ensemble was priced; the best model, which may have changed since, must fit
                ranked = self._ranking()
                best_alone = self.reserve_for(self.refit_estimate(ranked[0])) if ranked else 0.0
                self._reserve = min(self._reserve, max(self._priced, best_alone))
        return self._reserve

    def _estimate(self) -> float:
        """The likely final members' refits (the top three and each family's best), in parallel."""
        budget = self.time_budget or 0.0
        ranked = self._ranking()
        if not ranked:
            return 0.2 + 0.06 * budget
        top_numbers = {r.number for r in ranked[:3]}
        top = ranked[:3] + [r for r in best_of_each_family(ranked) if r.number not in top_numbers]
        estimates = [self.refit_estimate(r) for r in top]
        needed = estimates[0]
        if self.ensemble:
            # the best model must be refit; the runners-up are likely ensemble members, but the
            # ensemble is chosen among what fits in the time left, so they get a share of the budget
            together = refit_makespan(estimates, self.n_workers)
            needed = max(needed, min(together, ENSEMBLE_REFIT_SHARE * budget))
        return self.reserve_for(needed)

    @property
    def priced(self) -> bool:
        return self._priced is not None

    def price(self, members: list[TrialRecord], weights: list[float], choosing_seconds: float) -> None:
        """Replace the estimate with what refitting these members costs (once per search)."""
        refits = refit_makespan([self.refit_estimate(m) for m in members], self.n_workers)
        self.priced_ensemble = {m.number: float(w) for m, w in zip(members, weights, strict=True)}
        # the final choice is made again, among more trials: keep that time and some slack for it
        self._priced = self.reserve_for(refits) + 2 * choosing_seconds
        self._reserve = None

    def search_time_left(self) -> float:
        """Seconds the search phase may still use."""
        return self.time_left() - self.refit_reserve()

    def unit_deadline(self) -> float | None:
        """``time.time()`` at which a unit should give up (forests stop growing)."""
        if self.deadline is None:
            return None
        return time.time() + max(0.0, self.search_time_left()) + UNIT_DEADLINE_SLACK


def _rows_and_fixed(problem: Problem, rec: TrialRecord) -> tuple[float, int]:
    """The mean rows ``rec``'s folds trained on, and its family's fixed cost in rows."""
    splits = problem.splits
    rows = float(np.mean([splits.train_rows(k) for k in rec.folds] or [splits.train_rows(0)]))
    family = FAMILIES.get(rec.family)
    return rows, family.fixed_cost_rows if family is not None else 0


def refit_scale(problem: Problem, rec: TrialRecord) -> float:
    """A refit of ``rec`` on every row against its mean fold fit, from the rows its folds trained
    on. Between a fold and all rows (up to twice the rows) the fit grows a little faster than the
    rows (``ratio ** 1.15``); from a small row rung, as a fixed cost plus a cost per row, a little
    faster too (``2 ** 0.15``, to join the first rule at twice the rows).

    The fixed cost (``Family.fixed_cost_rows``) is measured where it matters: on 1M rows x 50
    columns, one thread, a linear model took 1.1 s on 33,334 rows and 15 s on all (13.6x where
    the rows grow 30x); default gradient boosting 13 ms per iteration on 33,334 rows, 26 ms on
    100,000, 74 ms on 300,000 and 212 ms on 1M: about 6 ms + 0.2 ms per 1,000 rows, a fixed cost
    worth 30,000 rows. The rows ratio alone kept twice the time needed there, and left no time
    for a single trial to finish within 60 s. Other families count none: networks train more
    epochs on more rows (1M rows: 7.5 s on 33,334 rows, 93 s on 492,000), forests grow about as
    their rows and stop growing at the deadline."""
    rows, fixed = _rows_and_fixed(problem, rec)
    ratio = problem.n_rows / rows
    if ratio <= 2:
        return ratio ** 1.15
    return max(2 ** 1.15, 2 ** 0.15 * (fixed + problem.n_rows) / (fixed + rows))


def rows_within(problem: Problem, rec: TrialRecord, seconds: float) -> int:
    """The rows a refit of ``rec`` can learn from in ``seconds``, priced as ``refit_scale`` prices
    a refit from a small row rung; at most every row."""
    rows, fixed = _rows_and_fixed(problem, rec)
    per_row = (rec.mean_fit_seconds() or 0.0) * 2 ** 0.15 / (fixed + rows)
    if per_row <= 0:
        return problem.n_rows
    return int(min(problem.n_rows, max(0.0, seconds / per_row - fixed)))


def first_fold_estimate(problem: Problem, rec: TrialRecord, records: Iterable[TrialRecord],
                        plan: Any = None) -> float | None:
    """Seconds the first fold of ``rec`` should take, from earlier trials of its family (their
    times scaled by the family's cost factors); before any, once some trial has finished, the
    warm start's guess from the reference corpus, scaled by how fast this search's first folds
    ran against their corpus prices (``WarmPlan.first_fold_guess``); else None.
    Not before a first result: a search must end with a model."""
    family, values = family_values(problem, rec.params)
    seen, measured, finished = [], [], False
    for r in records:
        finished = finished or r.state == "finished"
        if 0 not in r.folds:
            continue
        f = r.folds[0]
        if len(measured) < MAX_SPEED_SAMPLES:
            measured.append((r.params, f.fit_time + f.predict_time))
        if r.family == rec.family:
            factor = max(family.cost_factor(family_values(problem, r.params)[1]), 1e-3)
            seen.append((f.fit_time + f.predict_time) / factor)
    if seen:
        return float(np.median(seen)) * family.cost_factor(values)
    return plan.first_fold_guess(rec.params, measured) if plan is not None and finished else None


def best_of_each_family(ranked: list[TrialRecord]) -> list[TrialRecord]:
    """The first (best) trial of each family in ``ranked``."""
    best: dict[str, TrialRecord] = {}
    for rec in ranked:
        best.setdefault(rec.family, rec)
    return list(best.values())


def refit_makespan(seconds: list[float], n_workers: int) -> float:
    """When the last of these refits ends, started in this order on ``n_workers`` workers."""
    loads = [0.0] * max(1, n_workers)
    for t in seconds:
        loads[loads.index(min(loads))] += t
    return max(loads)
