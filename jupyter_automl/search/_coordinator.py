"""The coordinator: the one thread that owns the study.

It asks Optuna for trials, hands their CV folds to an executor as units of work, tells results
back, prunes between folds and emits events; workers never touch the study. Stop and pause are
flags checked between units. Helpers: ``Budget`` (clock, deadline, refit reserve), ``FinalModel``
(ensemble, refit) and the phases (``SupernetPhase``, ``FeaturePhase``). A unit starts only if it
should fit in the time left; the first trial's folds get every worker first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace

import numpy as np
import optuna
from optuna.trial import TrialState

from .._logging import get_logger
from ..events import (
    EventBus,
    FoldScored,
    SearchErrored,
    SearchFinished,
    SearchPaused,
    SearchResumed,
    SearchStarted,
    TrialStarted,
)
from ..exceptions import ExecutorLostError
from ._budget import Budget, first_fold_estimate, refit_scale
from ._epochs import note_epochs, stopped_reason
from ._feature_phase import feature_phase
from ._final_model import FinalModel, SearchResult
from ._fold_pruning import FoldPruning
from ._objective import FoldResult, TrainingData, describe_error
from ._oof import OofCache
from ._outcomes import emit_outcome, public
from ._provenance import ask_as_coordinator, store_fold_attrs
from ._quiet import search_warnings_logged
from ._ranking import ranked_finished, ranked_for_reserve
from ._shared import SharedStudy
from ._storage import StudyStore
from ._supernet_phase import SupernetPhase
from ._trials import TrialRecord, count_states, describe_trial, pareto_optimal, repeat_of
from ._warm_plan import WarmPlan, first_configs, n_defaults_first
from .executors import INTERRUPTED_LOST, BaseExecutor
from .space import SearchSpace

_log = get_logger(__name__)
_WAIT = 0.05  # seconds between checks of the stop/pause flags while units run
PRICED_RESERVE_MIN_GAIN = 0.5  # seconds the priced ensemble must free for the search to go on
MAX_TOO_SLOW_PICKS = 3  # sampled configurations too slow for the time left, before no new trial starts
MAX_REPEATS_IN_A_ROW = 10  # sampled repeats of tried configurations in a row that end the search


@dataclass(frozen=True)
class SearchSettings:
    time_budget: float | None
    n_trials: int | None
    ensemble: bool
    prune: bool
    seed: int
    t_start: float  # time.monotonic() when fit_async was called
    max_predict_ms: float | None = None  # the final model predicts 1,000 rows within this
    nas: str = "standard"  # "supernet": the nas family is searched through a supernet first
    sampler: str = "tpe"  # the study's sampler (the supernet phase uses one of its own kind)
    feature_search: str = "joint"  # "sequential", "pseudo_joint": phased, see _feature_phase


class Coordinator:
    """Runs one search. Call ``run`` in a thread; ``stop``/``pause``/``resume`` from any thread."""

    def __init__(self, *, data: TrainingData, space: SearchSpace, store: StudyStore,
                 executor: BaseExecutor, bus: EventBus, settings: SearchSettings,
                 on_result: Callable[[SearchResult], None],
                 warm_start: Callable[[], WarmPlan | None] | None = None):
        self.data, self.problem, self.metric = data, data.problem, data.problem.metric
        self.space = space
        self.store = store
        self.study = store.study
        self.executor = executor
        self.bus, self.settings = bus, settings
        self.on_result = on_result
        self._plan_warm_start = warm_start
        self.warm_plan: WarmPlan | None = None
        self.records: dict[int, TrialRecord] = {}
        self.status = "starting"
        self.result: SearchResult | None = None
        self.error: BaseException | None = None
        self.best_number: int | None = None
        self._trials: dict[int, optuna.Trial] = {}
        self._running: dict[Future, tuple[int, int]] = {}  # future -> (trial number, fold)
        self._stop, self._pause = threading.Event(), threading.Event()
        self._n_new_trials = 0
        self._first: list[tuple[dict, dict]] = []  # configurations to try before sampling
        self._no_new_trials = False
        self._too_slow_picks = self._repeats_in_a_row = 0
        self._end_reason = ""
        self.done = threading.Event()
        self.plugin = data.plugin
        self.multi_objective = bool(self.plugin is not None and self.plugin.objective_names)
        self._n_folds = data.problem.splits.n_folds
        self.pruning = FoldPruning(data.problem.splits, settings.prune and not self.multi_objective,
                                   self.metric, store.snapshot, lambda: self.records.values())
        self.budget = Budget(
            settings.time_budget, settings.t_start, n_workers=executor.n_workers,
            ranking=lambda: ranked_for_reserve(self.records.values(), self.metric, self.problem.splits),
            refit_scale=lambda rec: refit_scale(self.problem, rec), ensemble=settings.ensemble)
        self.oof = OofCache(self.problem, store)
        self.shared = SharedStudy(self.study, self.records, self.plugin.objective_names
                                  if self.multi_objective else (), shared=store.shared)
        self.final = FinalModel(data=data, budget=self.budget, executor=executor, oof=self.oof,
                                bus=bus, ensemble=settings.ensemble, seed=settings.seed,
                                study_name=store.name, max_predict_ms=settings.max_predict_ms)
        self.supernet = SupernetPhase(
            data=data, space=space, study=self.study, records=self.records, bus=bus,
            budget=self.budget, sampler=settings.sampler, n_threads=executor.n_workers,
        ) if settings.nas == "supernet" else None
        self.features = feature_phase(settings.feature_search, data=data, space=space, study=self.study,
                                      records=self.records, bus=bus, budget=self.budget,
                                      n_trials=settings.n_trials, seed=settings.seed)
        self._trial_limit: int | None = None  # new trials after which the search ends

    # -- control, from any thread ------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()
        self._pause.clear()

    def pause(self) -> None:
        if not self.done.is_set():
            self._pause.set()

    def resume(self) -> None:
        self._pause.clear()

    def elapsed(self) -> float:
        return self.budget.elapsed()

    # -- the thread ---------------------------------------------------------------------------

    def run(self) -> None:
        with search_warnings_logged():  # fit warnings of hundreds of trials would flood the notebook
            self._run()

    def _run(self) -> None:
        try:
            self.status = "searching"
            self.executor.start(self.data)
            self.budget.invalidate()
            resumed = self.shared.merge()  # the stored study's ended trials (a resumed search counts them)
            self.warm_plan = self._plan_warm_start() if self._plan_warm_start else None
            self.bus.emit(SearchStarted, study_name=self.store.name, task=self.problem.task,
                          metric=self.metric.name, direction=self.metric.direction,
                          time_budget=self.settings.time_budget, n_trials=self.settings.n_trials,
                          n_folds=self._n_folds, families=self.space.family_names,
                          n_resumed_trials=len(resumed),
                          warm_start=None if self.warm_plan is None else self.warm_plan.as_event())
            for rec in resumed:  # replayed after SearchStarted, so that views rebuild them
                self._emit_outcome(rec)
            self._enqueue_defaults()
            if self.supernet is not None:  # its best sub-networks come first (see SupernetPhase.plan)
                self._first, self._trial_limit = self.supernet.plan(
                    self._go_on, self._first, self.space.family_names, self._n_new_trials)
                self.pruning.expect_retrains(self.supernet.n_retrains)
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
            if isinstance(exc, ExecutorLostError):  # no trial is left RUNNING in the study
                self._abandon_running(lost=True)
            _log.exception("search failed")
            self.bus.emit(SearchErrored, message=str(exc), error_type=type(exc).__name__)
        finally:
            try:
                self.executor.shutdown()
                self.store.close()
            finally:
                self.done.set()

    def counts(self) -> dict[str, int]:
        return count_states(self.records.values())

    # -- resume -------------------------------------------------------------------------------

    def _merge_others(self, new: list[TrialRecord]) -> None:
        """Trials another process sharing the study ended meanwhile: shown and ranked here too."""
        if new:
            self.budget.invalidate()
        for rec in new:
            self._emit_outcome(rec)

    def _enqueue_defaults(self) -> None:
        """Queue the first configurations (``first_configs``), each enqueued only once asked for."""
        tried = [r.params for r in self.records.values()]
        self.pruning.spare_defaults(self.space)
        self._first = first_configs(self.warm_plan, self.space.default_configs(), tried,
                                    self.space.completed, n_defaults_first(self.problem))

    def _go_on(self) -> bool:
        """Between steps of work done on this thread: wait while paused; False once stopped."""
        if self._pause.is_set():
            self._paused_wait()
        return not self._stop.is_set()

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
            self._merge_others(self.shared.merge_if_due())
            if not self._running:
                if self._price_the_ensemble():
                    continue
                break  # nothing could be started: budget, n_trials or the space is used up
            done, _ = wait(list(self._running), timeout=_WAIT, return_when=FIRST_COMPLETED)
            for future in done:
                self._on_unit_done(future)
            if self.budget.search_time_left() <= 0:
                if self._price_the_ensemble():
                    continue
                self._end_reason = "time_budget"
                break
        self._abandon_running()

    def _price_the_ensemble(self) -> bool:
        """When the search would end for time, once: price the refit of the ensemble chosen now
        instead of the estimated reserve (which keeps time for the top trials and each family's
        best; digits: 11 s kept, a 4 s refit). True when that frees time for the search."""
        if (self.budget.priced or not self.settings.ensemble or self.multi_objective
                or self.budget.deadline is None or self._stop.is_set() or self._no_new_trials
                or self._end_reason not in ("", "time_budget")):
            return False
        ranked = self.ranked_finished()
        if len(ranked) < 2:
            return False
        t0 = self.budget.now()
        members, weights, _ = self.final.choose_ensemble(ranked, notes=[])
        self.budget.price(members, weights, self.budget.now() - t0)
        if self.budget.search_time_left() < PRICED_RESERVE_MIN_GAIN:
            return False
        _log.debug("ensemble priced: reserve %.1f s, the search goes on for %.1f s",
                   self.budget.refit_reserve(), self.budget.search_time_left())
        return True

    def _paused_wait(self) -> None:
        self.budget.pause()
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
        self.budget.resume()
        self.status = "searching"
        self.bus.emit(SearchResumed)

    def _fill_slots(self) -> None:
        while len(self._running) < self.executor.n_workers:
            unit = self._next_unit()
            if unit is None:
                return
            number, fold = unit
            params = self.pruning.unit_params(self.records[number], fold, self.records.values())
            future = self.executor.submit_fold(params, fold, self.budget.unit_deadline())
            self._running[future] = (number, fold)

    def _folds_in_flight(self, number: int) -> set[int]:
        return {k for n, k in self._running.values() if n == number}

    def _may_prune(self, rec: TrialRecord) -> bool:
        return self.pruning.may_prune(rec, self.records.values()) and not self.features.decides_on(rec)

    def _next_unit(self) -> tuple[int, int] | None:
        # depth first: continue the oldest running trial. A trial that may be pruned runs its folds
        # in order; the first trials (never pruned) run them side by side for a fast first result
        for rec in sorted(self.records.values(), key=lambda r: r.started):
            if rec.state != "running":
                continue
            in_flight = self._folds_in_flight(rec.number)
            lost = not in_flight and self.pruning.lost_retrain_round(rec)
            if lost:  # a supernet's retrained sub-network that another beat on the first fold
                self._end_trial(rec, "pruned", lost)
                continue
            if self.pruning.waits(rec, in_flight, self._may_prune(rec)):
                continue
            pending = [k for k in range(self._n_folds) if k not in rec.folds and k not in in_flight]
            if not pending:
                continue
            estimate = self.pruning.next_fold_seconds(rec, pending[0])
            if estimate > self.budget.search_time_left():
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
        if self._trial_limit is not None and self._n_new_trials >= self._trial_limit:
            self._end_reason = self._end_reason or "supernet_done"
            return None
        if self._no_new_trials or self._first_result_pending() or self.features.blocked():
            return None
        first_folds = [r.folds[0].fit_time + r.folds[0].predict_time
                       for r in self.records.values() if 0 in r.folds]
        typical = float(np.median(first_folds)) if first_folds else 0.0
        if self.budget.search_time_left() <= max(0.5 * typical, 0.05):
            self._end_reason = self._end_reason or "time_budget"
            return None
        picked = self.features.next_config()  # the feature phase's trials come first
        if picked or self._first:
            params, attrs = picked or self._first.pop(0)
            self.study.enqueue_trial(params, user_attrs=attrs)
        trial = ask_as_coordinator(self.study)
        with self.store.snapshot():  # the sampler reads the trials once, not once per param group
            self.space.suggest(trial)
        self._n_new_trials += 1
        rec = TrialRecord.of_trial(trial, self.budget.now())
        rec.params = self.features.started(trial, rec.params)  # the columns this trial reads
        self.records[trial.number] = rec
        self._trials[trial.number] = trial
        self.bus.emit(TrialStarted, trial_number=rec.number, family=rec.family, params=public(rec.params))
        twin = repeat_of(rec, self.records.values())
        if twin is not None:  # not fitted, not one of n_trials; pruned, it steers TPE away
            self._repeats_in_a_row, self._n_new_trials = self._repeats_in_a_row + 1, self._n_new_trials - 1
            self._end_trial(rec, "pruned", f"not fitted: the same configuration as trial {twin.number}")
            self._no_new_trials = self._repeats_in_a_row >= MAX_REPEATS_IN_A_ROW  # the space is used up
            return None if self._no_new_trials else self._new_trial()
        self._repeats_in_a_row = 0
        estimate = first_fold_estimate(self.problem, rec, self.records.values(), self.warm_plan)
        if estimate is not None and estimate > self.budget.search_time_left():
            # too slow for the time left: ask again (a cheaper one may fit), a few times at most
            left = max(0.0, self.budget.search_time_left())
            self._end_trial(rec, "stopped", f"not started: a {rec.family} fit would take about "
                            f"{estimate:.0f} s, more than the {left:.0f} s left")
            self._too_slow_picks += 1
            if self._too_slow_picks >= MAX_TOO_SLOW_PICKS:
                self._no_new_trials = True
                self._end_reason = self._end_reason or "time_budget"
                return None
            return self._new_trial()
        return rec.number, 0

    def _first_result_pending(self) -> bool:
        """Whether the first trial still runs: it gets every worker, for an early first result (big
        data: another trial's fold slowed its last by 60 %, both need the GIL). Not if its folds
        cannot fill them (a holdout; a cluster; folds in order, if prunable): the rest idle."""
        finished = any(r.state == "finished" for r in self.records.values())
        if self.executor.n_workers > self._n_folds or finished:
            return False
        return any(r.state == "running" and not self._may_prune(r) for r in self.records.values())

    def _on_unit_done(self, future: Future) -> None:
        number, fold = self._running.pop(future)
        rec = self.records[number]
        try:
            result: FoldResult = future.result()
        except ExecutorLostError:
            raise  # no unit can run any more: the search ends with a clear error, the study is kept
        except Exception as exc:  # the executor itself failed (lost worker, cancelled...)
            reason, kind = describe_error(exc)
            result = FoldResult(fold, None, 0.0, 0.0, None, reason, kind)
        if rec.state != "running":
            return
        if result.truncated:
            self._end_trial(rec, "stopped", stopped_reason(result))
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
        if self.best_number is None or self.problem.splits.kind == "rows":
            self.budget.invalidate()  # the reserve counts partial trials: _ranking.ranked_for_reserve
        trial = self._trials[number]
        note_epochs(rec, result, trial)
        self.bus.emit(FoldScored, trial_number=number, fold=fold, score=result.score,
                      fit_time=round(result.fit_time, 4), epoch_scores=list(result.epoch_scores))
        if len(rec.folds) == self._n_folds and not result.pruned:
            self._complete_trial(rec)
            return
        # an epoch rung stopped the network within the fold (_epochs), or the fold-level pruner
        message = result.pruned or (self._may_prune(rec) and self.pruning.should_stop(trial, rec, fold))
        if message:
            self._end_trial(rec, "pruned", message)

    def _complete_trial(self, rec: TrialRecord) -> None:
        rec.state = "finished"
        rec.duration = self.budget.now() - rec.started
        self.budget.invalidate()
        oof = self.oof.assemble(rec)
        judged = describe_trial(rec, self.data.y, oof, self.problem,
                                tune_threshold=self.plugin is None)
        rec.score, rec.score_std = float(np.mean(judged)), float(np.std(judged))
        trial = self._trials.pop(rec.number)
        store_fold_attrs(trial, rec)
        trial.set_user_attr("score_std", rec.score_std)
        for key, value in (("metrics", rec.metrics), ("predict_ms", rec.predict_ms),
                           ("model_bytes", rec.model_bytes), ("threshold", rec.threshold)):
            if value is not None:
                trial.set_user_attr(key, value)
        values = [rec.score]
        if self.multi_objective:
            covered = self.problem.splits.covered(self.problem.n_rows)
            extra = self.plugin.evaluate(self.data.y[covered], oof[covered], np.flatnonzero(covered))
            rec.objectives = {n: float(v) for n, v in zip(self.plugin.objective_names, extra, strict=True)}
            values += list(rec.objectives.values())
        self.study.tell(trial, values)
        self.oof.trim(self.ranked_finished())
        self._emit_outcome(rec)

    def _end_trial(self, rec: TrialRecord, state: str, reason: str, error_type: str = "") -> None:
        rec.state, rec.reason = state, reason
        rec.duration = self.budget.now() - rec.started
        trial = self._trials.pop(rec.number, None)
        if trial is not None:
            trial.set_user_attr("reason", reason)
            trial.set_user_attr("status", state)
            store_fold_attrs(trial, rec)
            optuna_state = TrialState.FAIL if state == "failed" else TrialState.PRUNED
            self.study.tell(trial, state=optuna_state)
        for future in [f for f, (n, _) in self._running.items() if n == rec.number]:
            if self.executor.cancel(future):  # its other folds, where they have not started yet
                del self._running[future]
        self._emit_outcome(rec, error_type)

    def _emit_outcome(self, rec: TrialRecord, error_type: str = "") -> None:
        best = self.records.get(self.best_number) if self.best_number is not None else None
        if emit_outcome(self.bus, rec, self.metric, best, error_type):
            self.best_number = rec.number
        self.features.ended(rec)

    def _abandon_running(self, lost: bool = False) -> None:
        """Trials still running when the search ends are recorded as stopped; as failed
        (interrupted) when the executor was ``lost``."""
        why = ("stopped by the user" if self._end_reason == "stopped"
               else "stopped: the time budget ran out before it finished")
        state, why = ("failed", INTERRUPTED_LOST) if lost else ("stopped", why)
        for rec in list(self.records.values()):
            if rec.state == "running":
                self._end_trial(rec, state, why)
        for future in self._running:
            future.cancel()
        self._running.clear()
        if not self._end_reason:
            self._end_reason = "space_exhausted"

    # -- rankings -------------------------------------------------------------------------------

    def ranked_finished(self) -> list[TrialRecord]:
        """Finished trials, best score first (ties: the earlier trial)."""
        return ranked_finished(self.records.values(), self.metric)

    # -- the final model ----------------------------------------------------------------------

    def _finish(self) -> SearchResult:
        self.store.sync()
        self._merge_others(self.shared.merge())  # the final model is chosen from every process's trials
        multi = (lambda: self.plugin.choose(pareto_optimal(
            list(self.records.values()), self.metric, self.plugin.objective_directions))) \
            if self.multi_objective else None
        result = self.final.from_records(self.features.eligible(list(self.records.values())),
                                         self._end_reason, self.settings.time_budget, multi)
        result.training_epochs = sum(r.epochs_total for r in self.records.values()) + (
            self.supernet.path_epochs if self.supernet else 0)
        result.supernet = dict(self.supernet.summary) if self.supernet else None
        result.feature_phase = self.features.summary
        return result
