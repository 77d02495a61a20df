"""The final model of a search: chosen among the finished trials (a weighted ensemble when it
beats the best trial alone out of fold), then refit on every row before the deadline.

Members whose refit cannot end before the deadline are left out, and the ensemble is chosen
again among the ones that can; when no refit succeeds, the next best single trials are tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.model_selection import FixedThresholdClassifier

from ..estimators import WeightedEnsembleClassifier, WeightedEnsembleRegressor
from ..events import EventBus, RefitStarted
from ..exceptions import AllTrialsFailedError, SearchError
from ..problem import TunedMetric, best_threshold, class_codes, cross_fitted_scores, needs_threshold
from ._budget import Budget, best_of_each_family, refit_makespan, rows_within
from ._ensemble import MAX_CANDIDATES, select_ensemble
from ._latency import trim_to_latency, within_latency
from ._objective import TrainingData, describe_error
from ._oof import OofCache
from ._ranking import ranked_finished, ranked_partial, rung_leaders
from ._trials import TrialRecord
from .executors import BaseExecutor

END_REASONS = {
    "time_budget": "the time budget ran out",
    "n_trials": "the maximum number of trials was reached",
    "stopped": "you stopped it",
    "space_exhausted": "every configuration it could try was tried",
    "supernet_done": "the supernet's best sub-networks were trained from scratch",
}
"""Why a search ended (``SearchResult.reason``) in words, for the wizard and the report."""


def threshold_text(result: SearchResult, metric_name: str, positive: Any) -> str:
    """One sentence on a tuned decision threshold, or '' when the model decides at 0.5."""
    if getattr(result, "threshold", None) is None:
        return ""
    return (f"It predicts {positive!r} when that class's probability reaches {result.threshold:.3f}: "
            f"the threshold that scored {metric_name} best on the out-of-fold predictions "
            "(instead of 0.5), kept in the model.")


def end_reason_text(reason: str) -> str:
    """``SearchResult.reason`` as a phrase ("the time budget ran out")."""
    return END_REASONS.get(reason, reason or "the search finished")


@dataclass
class SearchResult:
    """The chosen model and how it was chosen."""

    model: Any
    best_trial: int
    score: float  # out-of-fold score of the chosen model (the ensemble's when there is one)
    members: list[int]
    weights: list[float]
    description: str
    reason: str  # why the search ended (a key of END_REASONS)
    notes: list[str] = field(default_factory=list)
    study_name: str = ""
    refit_blas_threads: int | None = None  # BLAS threads the refit ran with (None: the default)
    threshold: float | None = None  # decision threshold of a binary label metric, tuned out of fold
    # rows the final model learned from when not all (a lone model on a large table, short of time)
    refit_rows: int | None = None
    # why the same data, seed and settings could give another result ([]: they give this one)
    variability: list[str] = field(default_factory=list)
    # network epochs trained by the search: every fold of every trial, plus the supernet's
    # single-path epochs (nas="supernet"); 0 without networks. Final refits not included.
    training_epochs: int = 0
    supernet: dict[str, Any] | None = None  # what the supernet phase did (nas="supernet")
    feature_phase: dict[str, Any] | None = None  # what a phased feature search did (see _feature_phase)


class FinalModel:
    """Chooses and refits the final model. Used from the coordinator thread only."""

    def __init__(self, *, data: TrainingData, budget: Budget, executor: BaseExecutor,
                 oof: OofCache, bus: EventBus, ensemble: bool, seed: int, study_name: str,
                 max_predict_ms: float | None = None):
        self.data = data
        self.problem = data.problem
        self.metric = data.problem.metric
        self.budget = budget
        self.executor = executor
        self.oof = oof
        self.bus = bus
        self.ensemble = ensemble
        self.seed = seed
        self.study_name = study_name
        self.max_predict_ms = max_predict_ms
        # a plugin (the fairness-aware search) decides its own thresholds
        self.thresholded = needs_threshold(self.metric) and data.plugin is None
        # candidates are compared as they will be used: each at its own best threshold
        self.selection_metric = TunedMetric(self.metric) if self.thresholded else self.metric

    # -- choosing -------------------------------------------------------------------------------

    def choose(self, ranked: list[TrialRecord], notes: list[str]):
        """(members, weights, out-of-fold score): the best trial, or an ensemble that beats it,
        predicting within ``max_predict_ms`` when that is set."""
        limit = self.max_predict_ms
        if limit is not None:
            ranked = within_latency(ranked, limit, notes)
        if not (self.ensemble and len(ranked) > 1):
            return [ranked[0]], [1.0], ranked[0].score
        members, weights, score = self.choose_ensemble(ranked, notes)
        if limit is not None and len(members) > 1:
            kept, weights = trim_to_latency(members, weights, limit, notes)
            if len(kept) < len(members):
                score = self._blend_score(kept, weights) if len(kept) > 1 else kept[0].score
                members = kept
        return members, weights, score

    def _blend_score(self, members: list[TrialRecord], weights: list[float]) -> float:
        covered = self.problem.splits.covered(self.problem.n_rows)
        blend = sum(w * self.oof.get(m)[covered].astype(np.float64)
                    for w, m in zip(weights, members, strict=True))
        return self.selection_metric.score(self.data.y[covered], blend)

    def choose_ensemble(self, ranked: list[TrialRecord], notes: list[str]):
        """The best ensemble whose members can be refit in the time left (or the best trial).

        It is never worse out of fold than the ensemble priced when the search first ran out of
        time (``Budget.price``): the search went on because that one fits, and the trials it
        added may not (german credit, 60 s: a lone linear model, 0.724 test ROC AUC, where the
        priced ensemble gave 0.77)."""
        covered = self.problem.splits.covered(self.problem.n_rows)
        y = self.data.y[covered]
        candidates, preds = self._candidates(ranked, covered, notes)
        chosen = self._choose_in_time(ranked, candidates, preds, y, notes)
        priced = self._priced_choice(candidates)
        if priced is None or not {m.number for m in chosen[0]} <= {c.number for c in candidates}:
            return chosen
        # both scored alike: blends of out-of-fold predictions on every covered row
        priced_score = self._blend_score(priced[0], priced[1])
        if not self.metric.is_better(priced_score, self._blend_score(chosen[0], chosen[1])):
            return chosen
        notes.append("the ensemble is the one priced when the search first ran out of time: the "
                     "members chosen among the later trials could not all be refit in time")
        return priced[0], priced[1], priced_score

    def _priced_choice(self, candidates: list[TrialRecord]):
        """The ensemble priced when the search first ran out of time, if it can still be refit."""
        priced = self.budget.priced_ensemble
        members = [c for c in candidates if c.number in priced]
        if len(members) < 2 or len(members) < len(priced):
            return None
        weights = np.array([priced[m.number] for m in members])
        if len(self._affordable(members, weights, [])) < len(members):
            return None
        return members, list(weights / weights.sum())

    def _choose_in_time(self, ranked: list[TrialRecord], candidates: list[TrialRecord],
                        preds: list[np.ndarray], y: np.ndarray, notes: list[str]):
        single = [ranked[0]], [1.0], ranked[0].score
        if len(candidates) < 2:
            return single
        selection = select_ensemble(preds, y, self.selection_metric, seed=self.seed)
        chosen = [candidates[i] for i in selection.indices]
        kept = self._affordable(chosen, selection.weights, notes)
        if len(kept) < len(chosen):
            # some members cannot be refit in time: choose again among the ones that can, without
            # bagging (1 s for 15 candidates on 750 rows, time the refits have not got)
            dropped = {m.number for m in chosen} - {m.number for m in kept}
            pool = [i for i, c in enumerate(candidates) if c.number not in dropped]
            selection = select_ensemble([preds[i] for i in pool], y, self.selection_metric,
                                        seed=self.seed, n_bags=1)
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
        return kept, list(weights), self.selection_metric.score(y, avg)

    def _candidates(self, ranked: list[TrialRecord], covered: np.ndarray, notes: list[str]):
        """The best trial of each family, the space's defaults, then the next best trials, with
        out-of-fold predictions and a refit that alone fits in the time left (the best trial
        always: it is the fallback).

        Each family's best is a candidate because the top of the ranking is often one family's
        near-copies (wine: 250 logistic regressions), which an ensemble cannot improve on. The
        defaults are made to differ from each other: in a cold search they are often their
        family's best, and a warm one, whose picks beat them alone, should not lose them
        (glass: the second boosting default, weak alone, held 19-26 % of cold ensembles)."""
        diverse = best_of_each_family(ranked)
        family_best = {r.number for r in diverse}
        diverse += [r for r in ranked if r.space_default and r.number not in family_best]
        chosen_first = {r.number for r in diverse}
        candidates, preds = [], []
        for rec in diverse + [r for r in ranked if r.number not in chosen_first]:
            oof = self.oof.get(rec)
            if oof is None or oof.shape[0] != self.problem.n_rows:
                continue
            p = oof[covered]
            if any(np.array_equal(p, q) for q in preds):
                continue  # the same predictions twice add nothing
            seconds = self.budget.refit_estimate(rec)
            if candidates and seconds > self._refit_limit([self.budget.refit_estimate(candidates[0])], seconds):
                notes.append(f"trial {rec.number} not considered for the ensemble: "
                             "no time left to refit it")
                continue
            candidates.append(rec)
            preds.append(p)
            if len(candidates) >= MAX_CANDIDATES:
                break
        return candidates, preds

    def _affordable(self, members: list[TrialRecord], weights: np.ndarray,
                    notes: list[str]) -> list[TrialRecord]:
        """The members (heaviest weight first) whose refits, shared among the workers, end before
        the deadline; the heaviest is always kept."""
        kept: list[TrialRecord] = []
        for i in np.argsort(-np.asarray(weights), kind="stable"):
            fits = [self.budget.refit_estimate(m) for m in kept + [members[i]]]
            if kept and refit_makespan(fits, self.executor.n_workers) > self._refit_limit(fits[:-1], fits[-1]):
                notes.append(f"trial {members[i].number} left out of the ensemble: "
                             "no time left to refit it")
                continue
            kept.append(members[i])
        return kept

    def _refit_limit(self, kept: list[float], added: float) -> float:
        """When refits taking ``kept`` seconds and one taking ``added``, started now, should end:
        before the deadline with a margin; or, for a short refit (at most half the longest kept
        one) run beside the kept ones on an idle worker, when they end. Such a member costs no time
        (german credit at 5 s: boosting's refit alone overran the margin, so the linear model that
        would have been refit beside it was dropped, and boosting alone was the model)."""
        limit = self.budget.time_left() - 0.5
        if kept and added <= 0.5 * max(kept):
            limit = max(limit, refit_makespan(kept, self.executor.n_workers))
        return limit

    def from_records(self, records: list[TrialRecord], end_reason: str, time_budget: float | None,
                     choose_multi: Callable[[], TrialRecord] | None = None) -> SearchResult:
        """The search's final model: chosen among the finished trials (or, when none finished,
        the partial ones: see ``ranked_partial``), then refit. ``choose_multi`` picks the trial
        of a multi-objective search (no ensemble there)."""
        ranked = ranked_finished(records, self.metric)
        notes: list[str] = []
        if not ranked:
            ranked = ranked_partial(records, self.metric, self.problem.splits)
            if not ranked:
                raise no_model_error(records, end_reason, time_budget)
            notes.append(f"no trial finished every fold; the model is trial {ranked[0].number}, "
                         f"scored on {len(ranked[0].folds)} fold(s) only")
        leader = None if choose_multi is not None else self._rung_leader(records, ranked, notes)
        if leader is not None:
            members, weights, score = [leader], [1.0], leader.score
            ranked = [leader] + ranked
        elif choose_multi is not None:
            best = choose_multi() if ranked[0].objectives else ranked[0]
            members, weights, score = [best], [1.0], best.score
        else:
            members, weights, score = self.choose(ranked, notes)
        result = self.refit(members, weights, score, ranked, notes, end_reason)
        result.variability = variability(records, self.executor.n_workers, time_budget, end_reason)
        return result

    def _rung_leader(self, records: list[TrialRecord], ranked: list[TrialRecord],
                     notes: list[str]) -> TrialRecord | None:
        """A trial cut short on row rungs that beat every finished trial on the rows it reached
        (see ``rung_leaders``), within ``max_predict_ms``; it is the model, alone (it has no
        predictions on every validation row to weigh in an ensemble). None: there is none."""
        finished = {r.number for r in ranked}
        leaders = [r for r in rung_leaders(records, self.metric, self.problem.splits)
                   if r.number not in finished]
        if self.max_predict_ms is not None:
            leaders = [r for r in leaders if (r.predict_ms or np.inf) <= self.max_predict_ms]
        if not leaders or not ranked:
            return None
        leader = leaders[0]
        deepest = max(leader.folds)
        rows = self.problem.splits.train_rows(deepest)
        best = max((r.folds[deepest].score for r in ranked if deepest in r.folds),
                   key=lambda s: s if self.metric.greater_is_better else -s)
        leader.score = leader.folds[deepest].score
        notes.append(f"trial {leader.number} was cut short after training on {rows:,} rows, where "
                     f"it scored {leader.score:.4f}, better than every finished trial there (best: "
                     f"{best:.4f}); the model is that trial")
        return leader

    # -- refitting ------------------------------------------------------------------------------

    def refit(self, members: list[TrialRecord], weights: list[float], score: float,
              ranked: list[TrialRecord], notes: list[str], reason: str) -> SearchResult:
        """Refit the members on every row (side by side) and build the SearchResult."""
        rows = self._refit_rows(members, notes)
        on = "all rows" if rows is None else f"{len(rows):,} of {self.problem.n_rows:,} rows"
        self.bus.emit(RefitStarted, description=f"refitting {describe(members, weights)} on {on}",
                      trial_numbers=[m.number for m in members])
        # forests still growing at the deadline keep the trees they have
        deadline = self.budget.wall_deadline()
        futures = [self.executor.submit_refit(m.params, deadline, rows) for m in members]
        fitted, kept_w, kept = [], [], []
        for m, w, f in zip(members, weights, futures, strict=True):
            try:
                fitted.append(f.result())
                kept_w.append(w)
                kept.append(m)
            except Exception as exc:
                why, _ = describe_error(exc)
                notes.append(f"trial {m.number} could not be refit ({why}); left out")
        if not fitted:
            return self._refit_a_runner_up(ranked, notes, reason)
        if len(fitted) == 1:
            model, kept_w = fitted[0], [1.0]
            score = kept[0].score if len(members) > 1 else score
        else:
            total = sum(kept_w)
            kept_w = [w / total for w in kept_w]
            cls = WeightedEnsembleClassifier if self.problem.is_classification else WeightedEnsembleRegressor
            estimators = [(f"trial_{m.number}", est) for m, est in zip(kept, fitted, strict=True)]
            model = cls(estimators, weights=kept_w, prefit=True).fit(self.data.X.iloc[:1], self.data.y[:1])
        threshold = None
        if self.thresholded:
            model, threshold, score = self._with_threshold(model, kept, kept_w, score)
        result = self._result(model, kept, kept_w, float(score), reason, notes)
        result.threshold = threshold
        result.refit_rows = None if rows is None else len(rows)
        return result

    def _refit_rows(self, members: list[TrialRecord], notes: list[str]) -> np.ndarray | None:
        """On a table with row rungs, the rows a lone model learns from when a refit on all of
        them should not end before the deadline: the largest stratified share that should (never
        fewer than it was judged on). None: every row.

        The search trained on subsamples of such a table already, and a model on 700,000 of
        1M rows loses little; a refit past the deadline breaks the budget the user set (1M rows,
        60 s: default boosting took 56 s on all rows, with 49 s left)."""
        if len(members) != 1 or self.problem.splits.kind != "rows" or self.budget.deadline is None:
            return None
        member, n_rows = members[0], self.problem.n_rows
        left = self.budget.time_left()
        n = rows_within(self.problem, member, (left - 0.5) / 1.15)
        n = max(n, max((self.problem.splits.train_rows(k) for k in member.folds), default=0))
        if n >= n_rows:
            return None
        rows = stratified_share(self.data.y, n, self.seed, self.problem.is_classification)
        notes.append(f"trial {member.number} learned from {len(rows):,} of the {n_rows:,} rows: a "
                     f"refit on all of them would take about {self.budget.refit_estimate(member):.0f}"
                     f" s, and {left:.0f} s were left")
        return rows

    def _with_threshold(self, model: Any, members: list[TrialRecord], weights: list[float],
                        score: float) -> tuple[Any, float | None, float]:
        """The model deciding at the threshold best for its out-of-fold predictions (scikit-learn's
        FixedThresholdClassifier around it), the threshold, and the cross-fitted score."""
        oofs = [self.oof.get(m) for m in members]
        if any(o is None or o.shape[0] != self.problem.n_rows for o in oofs):
            return model, None, score  # a member without predictions (e.g. cut short): keep 0.5
        covered = self.problem.splits.covered(self.problem.n_rows)
        blend = sum(w * o.astype(np.float64) for w, o in zip(weights, oofs, strict=True))
        threshold, _ = best_threshold(self.data.y[covered], blend[covered], self.metric)
        score = float(np.mean(cross_fitted_scores(self.data.y, blend, self.problem.splits.scored_folds,
                                                   self.metric)))
        wrapped = FixedThresholdClassifier(model, threshold=threshold, pos_label=self.problem.positive_class,
                                           response_method="predict_proba")
        return wrapped, threshold, score

    def _refit_a_runner_up(self, ranked: list[TrialRecord], notes: list[str], reason: str) -> SearchResult:
        for rec in ranked[1:4]:
            try:
                model = self.executor.submit_refit(rec.params).result()
            except Exception:
                continue
            return self._result(model, [rec], [1.0], rec.score, reason, notes)
        raise SearchError("The final model could not be refit on all rows: " + "; ".join(notes))

    def _result(self, model: Any, members: list[TrialRecord], weights: list[float], score: float,
                reason: str, notes: list[str]) -> SearchResult:
        return SearchResult(model, members[0].number, float(score), [m.number for m in members],
                            [float(w) for w in weights], describe(members, weights), reason, notes,
                            study_name=self.study_name,
                            refit_blas_threads=self.executor.refit_blas_threads)


def stratified_share(y: np.ndarray, n: int, seed: int, stratify: bool) -> np.ndarray:
    """``n`` row indices (sorted), drawn at random; each class keeps its share when ``stratify``
    (at least one row of each)."""
    rng = np.random.default_rng(seed)
    if not stratify:
        return np.sort(rng.permutation(len(y))[:n])
    codes = class_codes(y)
    picked = []
    for c in range(codes.max() + 1):
        members = np.flatnonzero(codes == c)
        take = max(1, round(n * len(members) / len(y)))
        picked.append(rng.permutation(members)[:take])
    return np.sort(np.concatenate(picked))


def variability(records: list[TrialRecord], n_workers: int, time_budget: float | None,
                end_reason: str) -> list[str]:
    """What could make the same data, seed and settings give another result: time (the budget
    decides how many trials run and which are cut short) and parallel units (trials finish in
    another order, and the sampler sees them in that order). Empty for a sequential search
    limited by n_trials, which is reproducible exactly."""
    reasons = []
    cut = sum(1 for r in records if r.state == "stopped" and "time" in r.reason)
    if time_budget is not None and (end_reason == "time_budget" or cut):
        reasons.append(f"the time budget decided when the search ended ({len(records)} trials"
                       + (f", {cut} cut short by time" if cut else "") + "); a faster or busier "
                       "machine runs more or fewer")
    if n_workers > 1:
        reasons.append(f"{n_workers} units ran side by side, so trials could finish in another "
                       "order, and the sampler learns from them in that order")
    return reasons


def no_model_error(records: list[TrialRecord], end_reason: str, time_budget: float | None) -> Exception:
    """The error of a search that ended without a model, saying why and what to do."""
    failed = [r for r in records if r.state == "failed"]
    if failed and len(failed) == len(records):
        reasons: dict[str, int] = {}
        for r in failed:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
        common = sorted(reasons.items(), key=lambda kv: -kv[1])[:3]
        lines = "; ".join(f"{n}x {why}" for why, n in common)
        return AllTrialsFailedError(
            f"All {len(failed)} trials failed, so there is no model. Most common reasons: {lines}. "
            "Check the data, or leave the failing model families out with families=[...].")
    if time_budget is None or end_reason == "stopped":
        return SearchError("No trial finished before the search was stopped, so there is no model.")
    return SearchError(
        f"No trial finished within the time budget of {time_budget:g} s ({len(records)} started). "
        f"Give the search more time, e.g. time_budget={int(2 * time_budget + 30)}, or use fewer rows.")


def describe(members: list[TrialRecord], weights: list[float]) -> str:
    """"gradient_boosting (trial 3)" or "an ensemble of 2 models: ..."."""
    if len(members) == 1:
        return f"{members[0].family} (trial {members[0].number})"
    parts = ", ".join(f"{m.family} #{m.number} ({w:.0%})" for m, w in zip(members, weights, strict=True))
    return f"an ensemble of {len(members)} models: {parts}"
