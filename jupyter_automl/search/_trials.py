"""TrialRecord: what the coordinator knows about one trial; the leaderboard is built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from optuna.trial import TrialState

from ..problem import Metric
from ._objective import FoldResult
from ._storage import INTERRUPTED

STATUSES = ("running", "finished", "pruned", "stopped", "failed")

LEADERBOARD_COLUMNS = ["rank", "trial", "family", "score", "score_std", "status", "n_folds",
                       "fit_time", "duration", "ensemble_weight", "reason", "params"]
"""Columns of ``AutoML.leaderboard()``:

rank (1 = best finished trial), trial (Optuna trial number), family, score (mean over folds),
score_std, status (running / finished / pruned / stopped / failed), n_folds (folds scored),
fit_time (seconds of fitting, summed over folds), duration (wall seconds of the trial),
ensemble_weight (share in the final model, 0 if not in it), reason (why pruned, stopped or
failed), params (the configuration, a dict).
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

    def running_mean(self) -> float:
        return float(np.mean(self.fold_scores))


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
        rec = TrialRecord(number=t.number, params=dict(t.params), started=0.0,
                          state=attrs.get("status", state),
                          score=t.values[0] if state == "finished" else None,
                          score_std=attrs.get("score_std"), resumed=True, duration=duration,
                          reason=attrs.get("reason", INTERRUPTED if state == "failed" else ""),
                          fit_time_total=attrs.get("fit_time", 0.0),
                          n_folds_done=len(attrs.get("fold_scores", [])))
        if state == "finished" and objective_names:
            rec.objectives = dict(zip(objective_names, t.values[1:], strict=True))
        records.append(rec)
    return records


def pareto_optimal(records: list[TrialRecord], directions: list[str]) -> list[TrialRecord]:
    """Finished trials not dominated on (score, *objectives), in the given directions."""
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
    return front


def leaderboard_frame(records: list[TrialRecord], metric: Metric,
                      weights: dict[int, float] | None = None) -> pd.DataFrame:
    """One row per trial, best first; unfinished trials after the finished ones."""
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
            "ensemble_weight": float(weights.get(r.number, 0.0)), "reason": r.reason,
            "params": {k: v for k, v in r.params.items() if k != "family"},
            **r.objectives,
        })
    extra = sorted({k for r in records for k in r.objectives})
    frame = pd.DataFrame(rows, columns=[c for c in LEADERBOARD_COLUMNS if c != "rank"] + extra)
    if frame.empty:
        return pd.DataFrame(columns=LEADERBOARD_COLUMNS)
    finished = frame["status"] == "finished"
    key = frame["score"] if metric.greater_is_better else -frame["score"]
    frame["_order"] = np.where(finished, 0, 1)
    frame["_key"] = key.fillna(-np.inf)
    frame = frame.sort_values(["_order", "_key", "trial"], ascending=[True, False, True])
    frame = frame.drop(columns=["_order", "_key"]).reset_index(drop=True)
    rank = np.full(len(frame), np.nan)
    n_finished = int((frame["status"] == "finished").sum())
    rank[:n_finished] = np.arange(1, n_finished + 1)
    frame.insert(0, "rank", pd.array(rank, dtype="Int64"))
    return frame
