"""TrialRecord: what the coordinator knows about one trial; the leaderboard is built from them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from optuna.trial import TrialState

from ..exceptions import InputError
from ..problem import (
    SECONDARY,
    Metric,
    Problem,
    best_threshold,
    cross_fitted_scores,
    metric_direction,
    needs_threshold,
    secondary_scores,
)
from ._objective import FoldResult
from ._provenance import COORDINATOR_ATTR, WORKERS_ATTR
from ._storage import INTERRUPTED
from .space import FEATURE_SET

STATUSES = ("running", "finished", "pruned", "stopped", "failed")
SPACE_DEFAULT = "space_default"  # the user attribute that marks the space's defaults when enqueued

LEADERBOARD_COLUMNS = ["rank", "trial", "family", "score", "score_std", "status", "n_folds",
                       "fit_time", "duration", "predict_ms", "model_kb", "ensemble_weight",
                       "reason", "coordinator", "params"]
"""Columns of ``AutoML.leaderboard()``:

rank (1 = best finished trial), trial (Optuna trial number), family, score (mean over folds),
score_std, status (running / finished / pruned / stopped / failed), n_folds (folds scored),
fit_time (seconds of fitting, summed over folds), duration (wall seconds of the trial),
predict_ms (milliseconds to predict 1,000 rows, on the validation folds), model_kb (size of the
fitted model, pickled, in kB),
ensemble_weight (share in the final model, 0 if not in it), reason (why pruned, stopped or
failed), coordinator (who ran it: the id of the process that searched it, ``hostname:pid`` or
``$JUPYTER_AUTOML_COORDINATOR``; several processes can share a study), params (the
configuration, a dict).

After these come the out-of-fold scores of the usual metrics (``jupyter_automl.problem.SECONDARY``:
e.g. roc_auc, log_loss, accuracy, balanced_accuracy, f1, average_precision), the decision
``threshold`` of binary label metrics (F1...) when one was tuned, and a fairness-aware search's
extra objectives, on a Dask cluster ``workers`` (the worker address that ran each scored
fold, in fold order), and for the "nas" family's networks ``epochs`` (epochs trained; a network
pruned at an epoch rung says at which epoch in ``reason``). A supernet search (``nas="supernet"``)
adds ``inherited_weights`` (True for the supernet's rows: the supernet itself and the sub-networks
scored with its weights, status "pruned", never a final model) and ``inherited_score`` (the
score with inherited weights, also on the retrained trials, to compare with their own score).
"""


@dataclass
class TrialRecord:
    """One trial: its configuration, its folds so far and how it ended."""

    number: int
    params: dict[str, Any]
    started: float
    state: str = "running"
    folds: dict[int, FoldResult] = field(default_factory=dict)
    fold_preds: dict[int, np.ndarray] = field(default_factory=dict)  # until the trial finishes
    score: float | None = None
    score_std: float | None = None
    reason: str = ""
    duration: float | None = None
    oof: np.ndarray | None = None
    resumed: bool = False
    fit_time_total: float | None = None  # for resumed trials, whose folds are not in memory
    n_folds_done: int | None = None
    objectives: dict[str, float] = field(default_factory=dict)  # extra objectives (SearchPlugin)
    metrics: dict[str, float] = field(default_factory=dict)  # usual metrics, out of fold
    predict_ms: float | None = None  # to predict 1,000 rows, mean over folds
    model_bytes: int | None = None
    threshold: float | None = None  # decision threshold tuned out of fold (binary label metrics)
    warm_start: str | None = None  # why it came first: "portfolio", "default", "history" (or None)
    predicted_score: float | None = None  # the meta-model's normalised estimate, for warm starts
    epochs: int | None = None  # epochs a network trained (most over its folds); None: not a network
    epoch_scores: list[float] = field(default_factory=list)  # a network's first-fold score per epoch
    epochs_total: int = 0  # epochs a network trained, summed over its folds (the training cost)
    inherited_weights: bool = False  # a supernet row: scored with the supernet's weights, not trained
    inherited_score: float | None = None  # the score with the supernet's weights (nas="supernet")
    space_default: bool = False  # one of the search space's default configurations
    coordinator: str | None = None  # the id of the process that asked for it (_provenance)
    stored_workers: list[str] | None = None  # a stored trial's fold workers (no folds in memory)

    @classmethod
    def of_trial(cls, trial: Any, started: float) -> TrialRecord:
        """The record of a trial just asked for (what its enqueueing said about it included)."""
        attrs = trial.user_attrs
        return cls(number=trial.number, params=dict(trial.params), started=started,
                   warm_start=attrs.get("warm_start"), predicted_score=attrs.get("predicted_score"),
                   inherited_score=attrs.get("inherited_score"), space_default=bool(attrs.get(SPACE_DEFAULT)),
                   coordinator=attrs.get(COORDINATOR_ATTR))

    @property
    def family(self) -> str:
        return str(self.params.get("family", "?"))

    @property
    def fold_scores(self) -> list[float]:
        return [self.folds[k].score for k in sorted(self.folds)]

    @property
    def fit_time(self) -> float:
        if self.fit_time_total is not None:
            return self.fit_time_total
        return float(sum(f.fit_time for f in self.folds.values()))

    def mean_fold_seconds(self) -> float | None:
        if not self.folds:
            return None
        return float(np.mean([f.fit_time + f.predict_time for f in self.folds.values()]))

    def mean_fit_seconds(self) -> float | None:
        if self.fit_time_total is not None and self.n_folds_done:
            return self.fit_time_total / self.n_folds_done
        if not self.folds:
            return None
        return float(np.mean([f.fit_time for f in self.folds.values()]))

    @property
    def workers(self) -> list[str]:
        """The Dask worker that ran each scored fold, in fold order ([] when not known)."""
        if self.stored_workers is not None:
            return self.stored_workers
        return [f.worker for _, f in sorted(self.folds.items()) if f.worker]

    def running_mean(self) -> float:
        return float(np.mean(self.fold_scores))


def describe_trial(rec: TrialRecord, y: np.ndarray, oof: np.ndarray, problem: Problem,
                   tune_threshold: bool = True) -> list[float]:
    """Fill in what a finished trial's out-of-fold predictions say beyond its fold scores (the
    usual metrics, predict time, model size, a tuned decision threshold); return the fold scores
    that judge it: the folds' own, or, for binary label metrics (F1...), each fold's score at the
    threshold tuned on the other folds (cross-fitted, so not optimistic). A plugin that
    decides thresholds itself (fairness) turns the tuning off: ``tune_threshold=False``."""
    covered = problem.splits.covered(problem.n_rows)
    folds = [rec.folds[k] for k in sorted(rec.folds)]
    rec.metrics = secondary_scores(y[covered], oof[covered], problem.metric)
    # a batch of 1,000 rows timed on the first fold, else each fold's time scaled to 1,000 rows
    per_1k = [f.batch_ms for f in folds if f.batch_ms is not None] or [
        f.predict_ms_per_1k for f in folds if f.predict_ms_per_1k is not None]
    rec.predict_ms = float(np.mean(per_1k)) if per_1k else None
    rec.model_bytes = folds[0].model_bytes if folds else None
    if not (tune_threshold and needs_threshold(problem.metric)):
        return problem.splits.trial_scores(rec.fold_scores)
    rec.threshold, _ = best_threshold(y[covered], oof[covered], problem.metric)
    return cross_fitted_scores(y, oof, problem.splits.scored_folds, problem.metric)


def records_of_study(study: Any, objective_names: tuple[str, ...] = ()) -> list[TrialRecord]:
    """Records of a stored study's ended trials (a resumed search starts from them)."""
    records = []
    for t in study.get_trials(deepcopy=False):
        state = {TrialState.COMPLETE: "finished", TrialState.PRUNED: "pruned",
                 TrialState.FAIL: "failed"}.get(t.state)
        if state is None:
            continue
        attrs = t.user_attrs
        duration = (t.datetime_complete - t.datetime_start).total_seconds() \
            if t.datetime_complete and t.datetime_start else None
        # a phased feature search's trial reads only its FEATURE_SET (kept as a user attribute)
        feature_set = {FEATURE_SET: attrs[FEATURE_SET]} if FEATURE_SET in attrs else {}
        rec = TrialRecord(number=t.number, params=dict(t.params) | feature_set, started=0.0,
                          state=attrs.get("status", state),
                          score=t.values[0] if state == "finished" else None,
                          score_std=attrs.get("score_std"), resumed=True, duration=duration,
                          reason=attrs.get("reason", INTERRUPTED if state == "failed" else ""),
                          fit_time_total=attrs.get("fit_time", 0.0),
                          n_folds_done=len(attrs.get("fold_scores", [])),
                          metrics=dict(attrs.get("metrics", {})), predict_ms=attrs.get("predict_ms"),
                          model_bytes=attrs.get("model_bytes"), threshold=attrs.get("threshold"),
                          warm_start=attrs.get("warm_start"), predicted_score=attrs.get("predicted_score"),
                          epochs=attrs.get("epochs"), epoch_scores=list(attrs.get("epoch_scores", [])),
                          epochs_total=int(attrs.get("epochs_total", 0)),
                          inherited_weights=bool(attrs.get("inherited_weights", False)),
                          inherited_score=attrs.get("inherited_score"),
                          space_default=bool(attrs.get(SPACE_DEFAULT)),
                          coordinator=attrs.get(COORDINATOR_ATTR),
                          stored_workers=list(attrs.get(WORKERS_ATTR, [])))
        if state == "finished" and objective_names:
            rec.objectives = dict(zip(objective_names, t.values[1:], strict=True))
        records.append(rec)
    return records


MSG_SORT_BY = ("leaderboard(sort_by=...) takes a column to rank by: {valid}. Got {got!r} instead.")
ASCENDING = ("predict_ms", "model_kb", "fit_time", "duration")  # less is better


def _sort_key(frame: pd.DataFrame, metric: Metric, sort_by: str | None) -> pd.Series:
    """Larger is better: the column to rank by, negated where lower is better."""
    if sort_by is None or sort_by == "score":
        return frame["score"] if metric.greater_is_better else -frame["score"]
    valid = ["score", *ASCENDING, *(c for c in SECONDARY.get(metric.task, ()) if c in frame)]
    if sort_by not in valid:
        raise InputError(MSG_SORT_BY.format(valid=valid, got=sort_by))
    values = frame[sort_by].astype(float)
    return -values if sort_by in ASCENDING or metric_direction(sort_by) == "minimize" else values


def pareto_optimal(records: list[TrialRecord], metric: Metric,
                   objective_directions: Iterable[str]) -> list[TrialRecord]:
    """Finished trials not dominated on (score, *objectives), best metric first; the objectives
    (a plugin's) in ``objective_directions``."""
    directions = [metric.direction, *objective_directions]
    done = [r for r in records if r.state == "finished" and r.score is not None]
    sign = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    names = list(done[0].objectives) if done else []
    points = np.array([[r.score, *(r.objectives.get(n, np.nan) for n in names)] for r in done]) * sign \
        if done else np.empty((0, len(directions)))
    front = []
    for i, p in enumerate(points):
        dominated = np.any(np.all(points <= p, axis=1) & np.any(points < p, axis=1))
        if not dominated and not np.any(np.isnan(p)):
            front.append(done[i])
    best_first = -1.0 if metric.greater_is_better else 1.0
    return sorted(front, key=lambda r: (best_first * r.score, r.number))


def leaderboard_frame(records: list[TrialRecord], metric: Metric,
                      weights: dict[int, float] | None = None,
                      sort_by: str | None = None) -> pd.DataFrame:
    """One row per trial, best first; unfinished trials after the finished ones.

    ``sort_by``: rank by another column (a metric's name, "predict_ms", "model_kb", "fit_time"
    or "duration"); ``rank`` then follows that column, best first.
    """
    weights = weights or {}
    rows = []
    for r in records:
        scores = r.fold_scores
        score = r.score if r.score is not None else (float(np.mean(scores)) if scores else np.nan)
        std = r.score_std if r.score_std is not None else (float(np.std(scores)) if scores else np.nan)
        rows.append({
            "trial": r.number, "family": r.family, "score": score, "score_std": std,
            "status": r.state, "n_folds": r.n_folds_done if r.n_folds_done is not None else len(scores),
            "fit_time": round(r.fit_time, 3),
            "duration": np.nan if r.duration is None else round(r.duration, 3),
            "predict_ms": np.nan if r.predict_ms is None else round(r.predict_ms, 3),
            "model_kb": np.nan if r.model_bytes is None else round(r.model_bytes / 1024, 1),
            "ensemble_weight": float(weights.get(r.number, 0.0)), "reason": r.reason,
            "coordinator": r.coordinator, "workers": r.workers,
            "params": {k: v for k, v in r.params.items() if k != "family"},
            **r.metrics, **({"threshold": r.threshold} if r.threshold is not None else {}),
            **({"warm_start": r.warm_start, "predicted_score": r.predicted_score}
               if r.warm_start is not None else {}),
            **({"epochs": r.epochs} if r.epochs is not None else {}),
            "inherited_weights": r.inherited_weights,
            "inherited_score": np.nan if r.inherited_score is None else r.inherited_score,
            **r.objectives,
        })
    named = {k for r in records for k in r.metrics}
    extra = [m for m in SECONDARY.get(metric.task, ()) if m in named]
    extra += ["threshold"] * any(r.threshold is not None for r in records)
    extra += ["warm_start", "predicted_score"] * any(r.warm_start is not None for r in records)
    extra += ["epochs"] * any(r.epochs is not None for r in records)
    extra += ["workers"] * any(r.workers for r in records)
    supernet = any(r.inherited_weights or r.inherited_score is not None for r in records)
    extra += ["inherited_weights", "inherited_score"] * supernet
    extra += sorted({k for r in records for k in r.objectives})
    frame = pd.DataFrame(rows, columns=[c for c in LEADERBOARD_COLUMNS if c != "rank"] + extra)
    if frame.empty:
        return pd.DataFrame(columns=LEADERBOARD_COLUMNS)
    return rank_leaderboard(frame, metric, sort_by)


def rank_leaderboard(frame: pd.DataFrame, metric: Metric, sort_by: str | None = None) -> pd.DataFrame:
    """The leaderboard's rows in order (finished trials first, the best first by ``sort_by``,
    default the score) and their ``rank``; a ``rank`` column already there is replaced."""
    frame = frame.drop(columns=["rank"], errors="ignore")
    if frame.empty:
        return frame.reindex(columns=["rank", *frame.columns])
    finished = frame["status"] == "finished"
    key = _sort_key(frame, metric, sort_by)
    frame = frame.assign(_order=np.where(finished, 0, 1), _key=key.fillna(-np.inf).to_numpy())
    frame = frame.sort_values(["_order", "_key", "trial"], ascending=[True, False, True])
    frame = frame.drop(columns=["_order", "_key"]).reset_index(drop=True)
    rank = np.full(len(frame), np.nan)
    n_finished = int((frame["status"] == "finished").sum())
    rank[:n_finished] = np.arange(1, n_finished + 1)
    frame.insert(0, "rank", pd.array(rank, dtype="Int64"))
    return frame


def repeat_of(rec: TrialRecord, records: Iterable[TrialRecord]) -> TrialRecord | None:
    """An earlier trial with exactly ``rec``'s configuration (columns included) that is running,
    finished, or was pruned after scoring a fold: with the same seed and folds, fitting it again
    only repeats its result. TPE re-proposes configurations of small spaces (knn: 7 of 23 trials
    on glass). Not a stopped or failed one (a failure may be an interruption, whose
    configuration is retried), nor one pruned unfitted (a supernet's candidate, scored with
    inherited weights, is retrained from scratch with the same params)."""
    for other in records:
        fitted = other.state in ("finished", "running") or (other.state == "pruned" and other.folds)
        if other.number != rec.number and fitted and other.params == rec.params:
            return other
    return None


def count_states(records: Iterable[TrialRecord]) -> dict[str, int]:
    """How many trials are running, finished, pruned, stopped and failed."""
    out = {s: 0 for s in ("running", "finished", "pruned", "stopped", "failed")}
    for r in list(records):
        out[r.state] += 1
    return out
