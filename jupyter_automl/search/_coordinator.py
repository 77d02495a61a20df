"""The coordinator: the one thread that owns the study.

It asks Optuna for trials, hands their CV folds to an executor as units of work, tells results
back, prunes between folds, keeps the time budget (final refit included) and emits events.
Workers never touch the study. Stop and pause are flags checked between units.

Budget: ``deadline = start + time_budget`` (paused time is added back). The search phase ends
early enough to refit the final model before the deadline: the reserve is estimated from the
measured fit times of the best trials. A unit is only started if its estimated duration fits.
The first trial's folds get every worker before a second trial starts, for an early first result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState

from .._logging import get_logger
from ..estimators import WeightedEnsembleClassifier, WeightedEnsembleRegressor
from ..events import (
    BestChanged,
    EventBus,
    FoldScored,
    RefitStarted,
    SearchErrored,
    SearchFinished,
    SearchPaused,
    SearchResumed,
    SearchStarted,
    TrialFailed,
    TrialFinished,
    TrialPruned,
    TrialStarted,
)
from ..exceptions import AllTrialsFailedError, SearchError
from ._ensemble import MAX_CANDIDATES, select_ensemble
from ._objective import FoldResult, TrainingData, describe_error
from ._quiet import search_warnings_logged
from ._samplers import PRUNER_STARTUP_TRIALS
from ._storage import INTERRUPTED, StudyStore
from ._trials import TrialRecord, pareto_optimal
from .executors import BaseExecutor
from .space import SearchSpace, family_values

_log = get_logger(__name__)
_WAIT = 0.05  # seconds between checks of the stop/pause flags while units run
MAX_OOF_IN_MEMORY = 40
UNIT_DEADLINE_SLACK = 1.0  # seconds a unit may run past the end of the search phase
ENSEMBLE_REFIT_SHARE = 0.15  # of the time budget, kept at most to refit the runners-up of an ensemble
PRICED_RESERVE_MIN_GAIN = 0.5  # seconds the priced ensemble must free for the search to go on
MAX_TOO_SLOW_PICKS = 3  # sampled configurations too slow for the time left, before no new trial starts


@dataclass(frozen=True)
class SearchSettings:
    time_budget: float | None
    n_trials: int | None
    ensemble: bool
    prune: bool
    seed: int
    t_start: float  # time.monotonic() when fit_async was called


@dataclass
class SearchResult:
    """The chosen model and how it was chosen."""

    model: Any
    best_trial: int
    score: float  # out-of-fold score of the chosen model (the ensemble's when there is one)
    members: list[int]
    weights: list[float]
    description: str
    reason: str  # why the search ended
    notes: list[str] = field(default_factory=list)


class Coordinator:
    """Runs one search. Call ``run`` in a thread; ``stop``/``pause``/``resume`` from any thread."""

    def __init__(self, *, data: TrainingData, space: SearchSpace, store: StudyStore,
                 executor: BaseExecutor, bus: EventBus, settings: SearchSettings,
                 on_result: Callable[[SearchResult], None]):
        self.data = data
        self.problem = data.problem
        self.metric = data.problem.metric
        self.space = space
        self.store = store
        self.study = store.study
        self.executor = executor
        self.bus = bus
        self.settings = settings
        self.on_result = on_result
        self.records: dict[int, TrialRecord] = {}
        self.status = "starting"
        self.result: SearchResult | None = None
        self.error: BaseException | None = None
        self.best_number: int | None = None
        self._trials: dict[int, optuna.Trial] = {}
        self._running: dict[Future, tuple[int, int]] = {}  # future -> (trial number, fold)
        self._stop = threading.Event()
        self._pause = threading.Event()
        self._paused_since: float | None = None
        self._paused_total = 0.0
        self._n_new_trials = 0
        self._no_new_trials = False
        self._too_slow_picks = 0
        self._reserve: float | None = None  # the refit reserve; it changes only when a trial finishes
        self._priced_reserve: float | None = None  # the reserve for the ensemble chosen once priced
        self._end_reason = ""
        self.done = threading.Event()
        self.plugin = data.plugin
        self.multi_objective = bool(self.plugin is not None and self.plugin.objective_names)
        self._n_folds = data.problem.splits.n_folds
        train_sizes = [len(tr) for tr, _ in data.problem.splits.folds]
        self._refit_scale = (data.problem.n_rows / float(np.mean(train_sizes))) ** 1.15

    # -- control, from any thread ------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()
        self._pause.clear()

    def pause(self) -> None:
        if not self.done.is_set():
            self._pause.set()

    def resume(self) -> None:
        self._pause.clear()

    # -- time -------------------------------------------------------------------------------

    def now(self) -> float:
        return time.monotonic()

    def elapsed(self) -> float:
        paused = self._paused_total + (self.now() - self._paused_since if self._paused_since else 0.0)
        return self.now() - self.settings.t_start - paused

    @property
    def deadline(self) -> float | None:
        if self.settings.time_budget is None:
            return None
        return self.settings.t_start + self.settings.time_budget + self._paused_total

    def time_left(self) -> float:
        return np.inf if self.deadline is None else self.deadline - self.now()

    def _refit_reserve(self) -> float:
        """Seconds to keep for the final refit (cached: the search loop asks many times a step)."""
        if self._reserve is None:
            self._reserve = self._estimate_refit_reserve()
            if self._priced_reserve is not None:
                # the ensemble was priced (see _price_the_ensemble); the best model, which may
                # have changed since, must still fit
                ranked = self._ranked_finished()
                best_alone = self._reserve_for(self._refit_estimate(ranked[0])) if ranked else 0.0
                self._reserve = min(self._reserve, max(self._priced_reserve, best_alone))
        return self._reserve

    def _reserve_for(self, refit_seconds: float) -> float:
        """The reserve for refits taking this long, with margins for the estimate and the rest
        of the end (choosing the ensemble, storing the result)."""
        margin = 0.2 + 0.01 * (self.settings.time_budget or 0.0)
        return margin + 1.15 * refit_seconds + 0.3

    def _estimate_refit_reserve(self) -> float:
        """Seconds to keep for the final refit: the likely ensemble members' fits, in parallel."""
        budget = self.settings.time_budget or 0.0
        ranked = self._ranked_finished()
        if not ranked:
            return 0.2 + 0.06 * budget
        # likely members: the top three and each family's best (see _ensemble_candidates)
        top_numbers = {r.number for r in ranked[:3]}
        top = ranked[:3] + [r for r in _best_of_each_family(ranked) if r.number not in top_numbers]
        estimates = [self._refit_estimate(r) for r in top]
        needed = estimates[0]
        if self.settings.ensemble:
            # the best model must be refit; the runners-up are likely ensemble members, but the
            # ensemble is chosen among what fits in the time left, so they get a share of the budget
            together = refit_makespan(estimates, self.executor.n_workers)
            needed = max(needed, min(together, ENSEMBLE_REFIT_SHARE * budget))
        return self._reserve_for(needed)

    def search_time_left(self) -> float:
        return self.time_left() - self._refit_reserve()

    def _unit_deadline(self) -> float | None:
        """Wall-clock time (``time.time()``) at which a unit should give up (forests stop growing)."""
        if self.deadline is None:
            return None
        return time.time() + max(0.0, self.search_time_left()) + UNIT_DEADLINE_SLACK

    # -- the thread ---------------------------------------------------------------------------

    def run(self) -> None:
        with search_warnings_logged():  # fit warnings of hundreds of trials would flood the notebook
            self._run()

    def _run(self) -> None:
        try:
            self.status = "searching"
            self.executor.start(self.data)
            resumed = self._load_previous_trials()
            self.bus.emit(SearchStarted, study_name=self.store.name, task=self.problem.task,
                          metric=self.metric.name, direction=self.metric.direction,
                          time_budget=self.settings.time_budget, n_trials=self.settings.n_trials,
                          n_folds=self._n_folds, families=self.space.family_names,
                          n_resumed_trials=len(resumed))
            for rec in resumed:  # replayed after SearchStarted, so that views rebuild them
                self._emit_outcome(rec)
            self._enqueue_defaults()
            self._search()
            self.status = "refitting"
            self.result = self._finish()
            self.on_result(self.result)
            self.status = "finished"
            counts = self.counts()
            self.bus.emit(SearchFinished, reason=self.result.reason, n_finished=counts["finished"],
                          n_pruned=counts["pruned"] + counts["stopped"], n_failed=counts["failed"],
                          best_trial=self.result.best_trial, best_score=self.result.score,
                          model=self.result.description, duration=round(self.elapsed(), 3))
        except BaseException as exc:  # reported through the handle and an event
            self.error = exc
            self.status = "failed"
            _log.exception("search failed")
            self.bus.emit(SearchErrored, message=str(exc), error_type=type(exc).__name__)
        finally:
            try:
                self.executor.shutdown()
            finally:
                self.done.set()

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in ("running", "finished", "pruned", "stopped", "failed")}
        for r in list(self.records.values()):
            out[r.state] += 1
        return out

    # -- resume -------------------------------------------------------------------------------

    def _load_previous_trials(self) -> list[TrialRecord]:
        """Records of the stored study's ended trials (a resumed search counts them)."""
        previous = self.study.get_trials(deepcopy=False)
        for t in previous:
            state = {TrialState.COMPLETE: "finished", TrialState.PRUNED: "pruned",
                     TrialState.FAIL: "failed"}.get(t.state)
            if state is None:
                continue
            attrs = t.user_attrs
            duration = (t.datetime_complete - t.datetime_start).total_seconds() \
                if t.datetime_complete and t.datetime_start else None
            rec = TrialRecord(number=t.number, params=dict(t.params), started=0.0, state=attrs.get("status", state),
                              score=t.values[0] if state == "finished" else None,
                              score_std=attrs.get("score_std"), resumed=True, duration=duration,
                              reason=attrs.get("reason", INTERRUPTED if state == "failed" else ""),
                              fit_time_total=attrs.get("fit_time", 0.0),
                              n_folds_done=len(attrs.get("fold_scores", [])))
            if state == "finished" and self.multi_objective:
                rec.objectives = dict(zip(self.plugin.objective_names, t.values[1:], strict=True))
            self.records[t.number] = rec
        self._reserve = None
        return list(self.records.values())

    def _enqueue_defaults(self) -> None:
        tried = [r.params for r in self.records.values()]
        for config in self.space.default_configs():
            if config not in tried:
                self.study.enqueue_trial(config, skip_if_exists=True)

    # -- the search loop ----------------------------------------------------------------------

    def _search(self) -> None:
        while True:
            if self._stop.is_set():
                self._end_reason = "stopped"
                break
            if self._pause.is_set():
                self._paused_wait()
                continue
            self._fill_slots()
            if not self._running:
                if self._price_the_ensemble():
                    continue
                break  # nothing could be started: budget, n_trials or the space is used up
            done, _ = wait(list(self._running), timeout=_WAIT, return_when=FIRST_COMPLETED)
            for future in done:
                self._on_unit_done(future)
            if self.search_time_left() <= 0:
                if self._price_the_ensemble():
                    continue
                self._end_reason = "time_budget"
                break
        self._abandon_running()

    def _price_the_ensemble(self) -> bool:
        """When the search phase would end for time, once: choose the ensemble as it would be now
        and replace the estimated reserve with what refitting that choice costs. Returns True
        when that frees enough time for the search to go on.

        The estimate keeps time for the top trials and each family's best, in case they are
        chosen; usually fewer and cheaper ones are (digits: 11 s kept, a 4 s refit)."""
        if (self._priced_reserve is not None or not self.settings.ensemble or self.multi_objective
                or self.deadline is None or self._stop.is_set() or self._no_new_trials
                or self._end_reason not in ("", "time_budget")):
            return False
        ranked = self._ranked_finished()
        if len(ranked) < 2:
            return False
        t0 = self.now()
        members, _, _ = self._choose_ensemble(ranked, notes=[])
        choosing = self.now() - t0
        # the final choice is made again, among more trials: keep that time and some slack for it
        refits = refit_makespan([self._refit_estimate(m) for m in members], self.executor.n_workers)
        self._priced_reserve = self._reserve_for(refits) + 2 * choosing
        self._reserve = None
        if self.search_time_left() < PRICED_RESERVE_MIN_GAIN:
            return False
        _log.debug("ensemble priced: reserve %.1f s, the search goes on for %.1f s",
                   self._refit_reserve(), self.search_time_left())
        return True

    def _paused_wait(self) -> None:
        self._paused_since = self.now()
        self.status = "paused"
        self.bus.emit(SearchPaused)
        while self._pause.is_set() and not self._stop.is_set():
            # units already running finish; nothing new starts
            done, _ = wait(list(self._running), timeout=_WAIT, return_when=FIRST_COMPLETED) \
                if self._running else (set(), set())
            for future in done:
                self._on_unit_done(future)
            if not self._running:
                time.sleep(_WAIT)
        self._paused_total += self.now() - self._paused_since
        self._paused_since = None
        self.status = "searching"
        self.bus.emit(SearchResumed)

    def _fill_slots(self) -> None:
        while len(self._running) < self.executor.n_workers:
            unit = self._next_unit()
            if unit is None:
                return
            number, fold = unit
            params = self.records[number].params
            future = self.executor.submit_fold(params, fold, self._unit_deadline())
            self._running[future] = (number, fold)

    def _folds_in_flight(self, number: int) -> set[int]:
        return {k for n, k in self._running.values() if n == number}

    def _may_prune(self, rec: TrialRecord) -> bool:
        """Whether a trial can be pruned between folds (then its folds run one after another)."""
        return (self.settings.prune and not self.multi_objective
                and self._pruner_startup_done(rec))

    def _pruner_startup_done(self, rec: TrialRecord) -> bool:
        earlier = sum(1 for r in self.records.values() if r.number < rec.number and not r.resumed)
        return earlier >= PRUNER_STARTUP_TRIALS

    def _next_unit(self) -> tuple[int, int] | None:
        # depth first: continue the oldest running trial. A trial that may be pruned runs its folds
        # in order; the first trials (never pruned) run them side by side for a fast first result
        for rec in sorted(self.records.values(), key=lambda r: r.started):
            if rec.state != "running":
                continue
            in_flight = self._folds_in_flight(rec.number)
            if in_flight and self._may_prune(rec):
                continue
            pending = [k for k in range(self._n_folds) if k not in rec.folds and k not in in_flight]
            if not pending:
                continue
            estimate = rec.mean_fold_seconds() or 0.0
            if estimate > self.search_time_left():
                self._end_reason = self._end_reason or "time_budget"
                self._end_trial(rec, "stopped", f"stopped after {len(rec.folds)} of {self._n_folds} "
                                "folds: not enough time left in the budget")
                continue
            return rec.number, pending[0]
        return self._new_trial()

    def _new_trial(self) -> tuple[int, int] | None:
        if self.settings.n_trials is not None and self._n_new_trials >= self.settings.n_trials:
            self._end_reason = self._end_reason or "n_trials"
            return None
        if self._no_new_trials or self._first_result_pending():
            return None
        first_folds = [r.folds[0].fit_time + r.folds[0].predict_time
                       for r in self.records.values() if 0 in r.folds]
        typical = float(np.median(first_folds)) if first_folds else 0.0
        if self.search_time_left() <= max(0.5 * typical, 0.05):
            self._end_reason = self._end_reason or "time_budget"
            return None
        trial = self.study.ask()
        self.space.suggest(trial)
        self._n_new_trials += 1
        rec = TrialRecord(number=trial.number, params=dict(trial.params), started=self.now())
        self.records[trial.number] = rec
        self._trials[trial.number] = trial
        self.bus.emit(TrialStarted, trial_number=rec.number, family=rec.family, params=_public(rec.params))
        estimate = self._estimate_first_fold(rec)
        if estimate is not None and estimate > self.search_time_left():
            # the sampler picked something too slow for the time left: ask again (a cheaper
            # configuration may fit), and after a few such picks start nothing new
            self._end_trial(rec, "stopped", f"not started: a {rec.family} fit would take about "
                            f"{estimate:.0f} s, more than the {max(0.0, self.search_time_left()):.0f} s left")
            self._too_slow_picks += 1
            if self._too_slow_picks >= MAX_TOO_SLOW_PICKS:
                self._no_new_trials = True
                self._end_reason = self._end_reason or "time_budget"
                return None
            return self._new_trial()
        return rec.number, 0

    def _first_result_pending(self) -> bool:
        """Whether the search's first trial is still running: it gets every worker until it is
        scored, so that a first result shows as early as possible (on large data a second trial's
        fold in the other thread slowed its last fold down by 60 %: both need the GIL)."""
        if self._n_folds < 2:
            return False  # a single holdout fold would leave the other workers idle
        if any(r.state == "finished" for r in self.records.values()):
            return False
        return any(r.state == "running" for r in self.records.values())

    def _estimate_first_fold(self, rec: TrialRecord) -> float | None:
        """Seconds the first fold of ``rec`` should take, from earlier trials of its family."""
        family, values = family_values(self.problem, rec.params)
        factor = family.cost_factor(values)
        seen = []
        for r in self.records.values():
            if r.family == rec.family and 0 in r.folds:
                f = r.folds[0]
                seen.append((f.fit_time + f.predict_time) / max(family.cost_factor(family_values(
                    self.problem, r.params)[1]), 1e-3))
        return float(np.median(seen)) * factor if seen else None

    def _on_unit_done(self, future: Future) -> None:
        number, fold = self._running.pop(future)
        rec = self.records[number]
        try:
            result: FoldResult = future.result()
        except Exception as exc:  # the executor itself failed (lost worker, cancelled...)
            reason, kind = describe_error(exc)
            result = FoldResult(fold, None, 0.0, 0.0, None, reason, kind)
        if rec.state != "running":
            return
        if result.truncated:
            self._end_trial(rec, "stopped", f"stopped during fold {fold + 1}: the time budget ran out")
            return
        timeout = self.executor.unit_timeout
        if result.ok and timeout and not self.executor.hard_limits and result.fit_time > timeout:
            result = FoldResult(fold, None, result.fit_time, 0.0, None,
                                f"took {result.fit_time:.1f} s, over the time limit of {timeout:g} s "
                                "for one fit", "TimeoutError")
        if not result.ok:
            self._end_trial(rec, "failed", f"fold {fold + 1}: {result.error}", error_type=result.error_type)
            return
        rec.folds[fold] = replace(result, valid_pred=None)
        rec.fold_preds[fold] = result.valid_pred
        self.bus.emit(FoldScored, trial_number=number, fold=fold, score=result.score,
                      fit_time=round(result.fit_time, 4))
        trial = self._trials[number]
        if len(rec.folds) == self._n_folds:
            self._complete_trial(rec)
            return
        if not self._may_prune(rec):
            return
        trial.report(rec.running_mean(), step=len(rec.folds) - 1)
        if trial.should_prune():
            self._end_trial(rec, "pruned", f"pruned after fold {fold + 1}: its mean score so far "
                            "is in the worst third of earlier trials")

    def _complete_trial(self, rec: TrialRecord) -> None:
        scores = rec.fold_scores
        rec.score, rec.score_std = float(np.mean(scores)), float(np.std(scores))
        rec.state = "finished"
        self._reserve = None
        rec.duration = self.now() - rec.started
        rec.oof = self._assemble_oof(rec)
        trial = self._trials.pop(rec.number)
        trial.set_user_attr("fold_scores", scores)
        trial.set_user_attr("score_std", rec.score_std)
        trial.set_user_attr("fit_time", round(rec.fit_time, 4))
        values = [rec.score]
        if self.multi_objective:
            covered = self.problem.splits.covered(self.problem.n_rows)
            extra = self.plugin.evaluate(self.data.y[covered], rec.oof[covered], np.flatnonzero(covered))
            rec.objectives = {n: float(v) for n, v in zip(self.plugin.objective_names, extra, strict=True)}
            values += list(rec.objectives.values())
        self.study.tell(trial, values)
        self.store.save_oof(rec.number, rec.oof)
        self._trim_oof()
        self._emit_outcome(rec)

    def _end_trial(self, rec: TrialRecord, state: str, reason: str, error_type: str = "") -> None:
        rec.state, rec.reason = state, reason
        rec.duration = self.now() - rec.started
        trial = self._trials.pop(rec.number, None)
        if trial is not None:
            trial.set_user_attr("reason", reason)
            trial.set_user_attr("status", state)
            trial.set_user_attr("fold_scores", rec.fold_scores)
            trial.set_user_attr("fit_time", round(rec.fit_time, 4))
            optuna_state = TrialState.FAIL if state == "failed" else TrialState.PRUNED
            self.study.tell(trial, state=optuna_state)
        self._emit_outcome(rec, error_type)

    def _emit_outcome(self, rec: TrialRecord, error_type: str = "") -> None:
        params = _public(rec.params)
        if rec.state == "finished":
            self.bus.emit(TrialFinished, trial_number=rec.number, family=rec.family, params=params,
                          score=rec.score, score_std=rec.score_std or 0.0,
                          fit_time=round(rec.fit_time, 4), duration=round(rec.duration or 0.0, 4),
                          objectives=dict(rec.objectives))
            best = self.records.get(self.best_number) if self.best_number is not None else None
            if best is None or self.metric.is_better(rec.score, best.score):
                self.best_number = rec.number
                self.bus.emit(BestChanged, trial_number=rec.number, family=rec.family, score=rec.score,
                              previous_score=None if best is None else best.score)
        elif rec.state == "failed":
            self.bus.emit(TrialFailed, trial_number=rec.number, family=rec.family, params=params,
                          reason=rec.reason, error_type=error_type or "Error")
        else:
            scores = rec.fold_scores
            self.bus.emit(TrialPruned, trial_number=rec.number, family=rec.family, params=params,
                          fold=len(scores), score=float(np.mean(scores)) if scores else None,
                          reason=rec.reason)

    def _abandon_running(self) -> None:
        """Trials still running when the search ends are recorded as stopped."""
        why = ("stopped by the user" if self._end_reason == "stopped"
               else "stopped: the time budget ran out before it finished")
        for number, _ in list(self._running.values()):
            rec = self.records[number]
            if rec.state == "running":
                self._end_trial(rec, "stopped", why)
        for rec in list(self.records.values()):
            if rec.state == "running":
                self._end_trial(rec, "stopped", why)
        for future in self._running:
            future.cancel()
        self._running.clear()
        if not self._end_reason:
            self._end_reason = "space_exhausted"

    # -- out-of-fold predictions ----------------------------------------------------------------

    def _assemble_oof(self, rec: TrialRecord) -> np.ndarray:
        first = rec.fold_preds[0]
        oof = np.full((self.problem.n_rows,) + first.shape[1:], np.nan, dtype=np.float32)
        for k, (_, valid) in enumerate(self.problem.splits.folds):
            oof[valid] = rec.fold_preds[k]
        rec.fold_preds.clear()  # the folds' copies are no longer needed
        return oof

    def _ranked_finished(self) -> list[TrialRecord]:
        done = [r for r in self.records.values() if r.state == "finished" and r.score is not None]
        sign = -1.0 if self.metric.greater_is_better else 1.0
        return sorted(done, key=lambda r: (sign * r.score, r.number))

    @property
    def directions(self) -> list[str]:
        """The study's directions: the metric's, then the plugin's objectives'."""
        extra = list(self.plugin.objective_directions) if self.multi_objective else []
        return [self.metric.direction] + extra

    def pareto_front(self) -> list[TrialRecord]:
        """Pareto-optimal finished trials, best metric first."""
        sign = -1.0 if self.metric.greater_is_better else 1.0
        front = pareto_optimal(list(self.records.values()), self.directions)
        return sorted(front, key=lambda r: (sign * r.score, r.number))

    def _ranked_partial(self) -> list[TrialRecord]:
        """Trials cut short (stopped or pruned) ranked by the mean of the folds they scored."""
        partial = [r for r in self.records.values() if r.state in ("stopped", "pruned") and r.folds]
        for r in partial:
            r.score = r.running_mean()
        sign = -1.0 if self.metric.greater_is_better else 1.0
        return sorted(partial, key=lambda r: (sign * r.score, r.number))

    def _trim_oof(self) -> None:
        in_memory = [r for r in self._ranked_finished() if r.oof is not None]
        for r in in_memory[MAX_OOF_IN_MEMORY:]:
            r.oof = None  # still on disk

    def _oof(self, rec: TrialRecord) -> np.ndarray | None:
        if rec.oof is None:
            rec.oof = self.store.load_oof(rec.number)
        return rec.oof

    # -- the final model ----------------------------------------------------------------------

    def _finish(self) -> SearchResult:
        ranked = self._ranked_finished()
        notes: list[str] = []
        if not ranked:
            ranked = self._ranked_partial()
            if not ranked:
                raise self._no_model_error()
            notes.append(f"no trial finished every fold; the model is trial {ranked[0].number}, "
                         f"scored on {len(ranked[0].folds)} fold(s) only")
        best = ranked[0]
        if self.multi_objective:
            best = self.plugin.choose(self.pareto_front()) if ranked[0].objectives else best
        members, weights, score = [best], [1.0], best.score
        if self.settings.ensemble and len(ranked) > 1 and not self.multi_objective:
            members, weights, score = self._choose_ensemble(ranked, notes)
        return self._refit(members, weights, score, ranked, notes)

    def _choose_ensemble(self, ranked: list[TrialRecord], notes: list[str]):
        covered = self.problem.splits.covered(self.problem.n_rows)
        y = self.data.y[covered]
        candidates, preds = self._ensemble_candidates(ranked, covered, notes)
        single = [ranked[0]], [1.0], ranked[0].score
        if len(candidates) < 2:
            return single
        selection = select_ensemble(preds, y, self.metric, seed=self.settings.seed)
        chosen = [candidates[i] for i in selection.indices]
        kept = self._affordable(chosen, selection.weights, notes)
        if len(kept) < len(chosen):
            # some members cannot be refit in time: choose again among the ones that can
            dropped = {m.number for m in chosen} - {m.number for m in kept}
            pool = [i for i, c in enumerate(candidates) if c.number not in dropped]
            selection = select_ensemble([preds[i] for i in pool], y, self.metric, seed=self.settings.seed)
            chosen = [candidates[pool[i]] for i in selection.indices]
            kept = self._affordable(chosen, selection.weights, notes)
        if len(kept) < 2 or not self.metric.is_better(selection.score, selection.single_score):
            return single
        weight_of = {m.number: w for m, w in zip(chosen, selection.weights, strict=True)}
        weights = np.array([weight_of[m.number] for m in kept])
        weights = weights / weights.sum()
        if len(kept) == len(chosen):
            return kept, list(weights), selection.score
        pred_of = {c.number: p for c, p in zip(candidates, preds, strict=True)}
        avg = sum(w * pred_of[m.number].astype(np.float64) for w, m in zip(weights, kept, strict=True))
        return kept, list(weights), self.metric.score(y, avg)

    def _ensemble_candidates(self, ranked: list[TrialRecord], covered: np.ndarray, notes: list[str]):
        """The best trial of each family, then the next best trials, with out-of-fold predictions
        and a refit that alone fits in the time left (the best trial always: it is the fallback).

        Each family's best is a candidate because the top of the ranking is often one family's
        near-copies (wine: 250 logistic regressions), which an ensemble cannot improve on."""
        diverse = _best_of_each_family(ranked)
        chosen_first = {r.number for r in diverse}
        candidates, preds = [], []
        for rec in diverse + [r for r in ranked if r.number not in chosen_first]:
            oof = self._oof(rec)
            if oof is None or oof.shape[0] != self.problem.n_rows:
                continue
            p = oof[covered]
            if any(np.array_equal(p, q) for q in preds):
                continue  # the same predictions twice add nothing
            if candidates and self._refit_estimate(rec) > self.time_left() - 0.5:
                notes.append(f"trial {rec.number} not considered for the ensemble: "
                             "no time left to refit it")
                continue
            candidates.append(rec)
            preds.append(p)
            if len(candidates) >= MAX_CANDIDATES:
                break
        return candidates, preds

    def _refit_estimate(self, rec: TrialRecord) -> float:
        return (rec.mean_fit_seconds() or 0.0) * self._refit_scale

    def _affordable(self, members: list[TrialRecord], weights: np.ndarray,
                    notes: list[str]) -> list[TrialRecord]:
        """The members (heaviest weight first) whose refits, shared among the workers, end before
        the deadline; the heaviest is always kept."""
        kept: list[TrialRecord] = []
        for i in np.argsort(-np.asarray(weights), kind="stable"):
            fits = [self._refit_estimate(m) for m in kept + [members[i]]]
            if kept and refit_makespan(fits, self.executor.n_workers) > self.time_left() - 0.5:
                notes.append(f"trial {members[i].number} left out of the ensemble: "
                             "no time left to refit it")
                continue
            kept.append(members[i])
        return kept

    def _refit(self, members, weights, score, ranked, notes) -> SearchResult:
        description = _describe(members, weights)
        self.bus.emit(RefitStarted, description=f"refitting {description} on all rows",
                      trial_numbers=[m.number for m in members])
        single_thread = True  # see run_fold: one OpenMP thread per unit
        # forests still growing at the deadline keep the trees they have
        deadline = None if self.deadline is None else time.time() + self.time_left()
        futures = [self.executor.submit_refit(m.params, single_thread, deadline) for m in members]
        fitted, kept_w, kept = [], [], []
        for m, w, f in zip(members, weights, futures, strict=True):
            try:
                fitted.append(f.result())
                kept_w.append(w)
                kept.append(m)
            except Exception as exc:
                reason, _ = describe_error(exc)
                notes.append(f"trial {m.number} could not be refit ({reason}); left out")
        if not fitted:
            # fall back on the next best single trials
            for rec in ranked[1:4]:
                try:
                    model = self.executor.submit_refit(rec.params, True).result()
                except Exception:
                    continue
                return SearchResult(model, rec.number, rec.score, [rec.number], [1.0],
                                    _describe([rec], [1.0]), self._end_reason, notes)
            raise SearchError("The final model could not be refit on all rows: " + "; ".join(notes))
        if len(fitted) == 1:
            model, kept_w = fitted[0], [1.0]
            score = kept[0].score if len(members) > 1 else score
        else:
            total = sum(kept_w)
            kept_w = [w / total for w in kept_w]
            cls = WeightedEnsembleClassifier if self.problem.is_classification else WeightedEnsembleRegressor
            estimators = [(f"trial_{m.number}", est) for m, est in zip(kept, fitted, strict=True)]
            model = cls(estimators, weights=kept_w, prefit=True).fit(self.data.X.iloc[:1], self.data.y[:1])
        return SearchResult(model, kept[0].number, float(score), [m.number for m in kept],
                            [float(w) for w in kept_w], _describe(kept, kept_w), self._end_reason, notes)

    def _no_model_error(self) -> Exception:
        failed = [r for r in self.records.values() if r.state == "failed"]
        if failed and len(failed) == len(self.records):
            reasons: dict[str, int] = {}
            for r in failed:
                reasons[r.reason] = reasons.get(r.reason, 0) + 1
            common = sorted(reasons.items(), key=lambda kv: -kv[1])[:3]
            lines = "; ".join(f"{n}x {why}" for why, n in common)
            return AllTrialsFailedError(
                f"All {len(failed)} trials failed, so there is no model. Most common reasons: {lines}. "
                "Check the data, or leave the failing model families out with families=[...].")
        budget = self.settings.time_budget
        if budget is None or self._end_reason == "stopped":
            return SearchError("No trial finished before the search was stopped, so there is no model.")
        return SearchError(
            f"No trial finished within the time budget of {budget:g} s ({len(self.records)} started). "
            f"Give the search more time, e.g. time_budget={int(2 * budget + 30)}, or use fewer rows.")


def _best_of_each_family(ranked: list[TrialRecord]) -> list[TrialRecord]:
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


def _public(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}


def _describe(members: list[TrialRecord], weights: list[float]) -> str:
    if len(members) == 1:
        return f"{members[0].family} (trial {members[0].number})"
    parts = ", ".join(f"{m.family} #{m.number} ({w:.0%})" for m, w in zip(members, weights, strict=True))
    return f"an ensemble of {len(members)} models: {parts}"
