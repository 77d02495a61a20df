"""Phased feature search (``AutoML(feature_search="sequential" | "pseudo_joint")``): a strategy the
coordinator asks which columns its next trials read, and which configurations it runs next.

Every evaluation is an ordinary trial of the study (leaderboard, events, budget, stop, pause,
failures and resume as usual); a trial's columns are its config's ``FEATURE_SET`` (also a trial
user attribute), which ``build_pipeline`` turns into a pipeline that reads only those columns.

- ``"sequential"``: recursive feature elimination first. Each step is one trial of a fixed cheap
  model (gradient boosting's first default, else the first family's) on the current columns; the
  fifth of them with the lowest permutation importance (that model, fitted on the first fold's
  training rows, scored on its validation rows) is dropped. It ends after ``RFE_SHARE`` of the
  time budget or of ``n_trials``, at one column, or after ``PATIENCE`` steps in a row worse than
  the best, or when a step did not finish (failed, stopped); it keeps the fewest columns that
  scored within ``TOLERANCE`` of the best step. The model search then runs on those columns only.
- ``"pseudo_joint"``: ``ROUNDS`` generations of the model search, each on the current columns.
  Between two, an elimination step driven by the permutation importances of the best two
  configurations on those columns drops a fifth of them, and those configurations are re-scored
  on the reduced set first; if that costs more than ``TOLERANCE`` of the best score, the step is
  undone and elimination stops. The sampler learns across rounds (one study).

The final model is chosen among trials that read only the kept columns, so ``selected_features_``
is that set (or a subset of it). The phase's state is a study user attribute, so a resumed search
goes on where it stopped instead of starting the elimination again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import optuna
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

from .._logging import get_logger
from ..events import EventBus, FeaturesSelected
from ._budget import Budget
from ._objective import TrainingData, predict_aligned
from ._trials import TrialRecord
from .space import FEATURE_SET, SearchSpace, build_pipeline

_log = get_logger(__name__)
PHASED = ("sequential", "pseudo_joint")
RFE_SHARE = 0.25  # of the time budget (and of n_trials) the sequential elimination may spend
DROP_SHARE = 0.2  # of the columns one elimination step drops
ROUNDS = 5  # pseudo-joint: generations of the model search
TOLERANCE = 0.005  # relative score a smaller column set may cost and still be preferred
PATIENCE = 2  # sequential: steps in a row worse than the best before the elimination stops
MAX_PERMUTED_ROWS = 2000  # validation rows permuted per column: bounds an importance's cost
STATE_ATTR = "feature_phase"  # the study user attribute holding the phase's state
SEARCH = "search"  # the stage of the model search on the kept columns


def feature_phase(mode: str, **kwargs: Any) -> NoPhase:
    """The phase of a ``feature_search`` mode ("joint", "off": one that never intervenes)."""
    return FeaturePhase(mode, **kwargs) if mode in PHASED else NoPhase()


class NoPhase:
    """What the coordinator asks, for a search without a feature phase: every trial reads every column."""

    summary: dict[str, Any] | None = None

    def blocked(self) -> bool:
        return False

    def next_config(self) -> tuple[dict, dict] | None:
        return None

    def started(self, trial: optuna.Trial, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def ended(self, rec: TrialRecord) -> None:
        pass

    def eligible(self, records: list[TrialRecord]) -> list[TrialRecord]:
        return records

    def decides_on(self, rec: TrialRecord) -> bool:
        """Whether ``rec`` is one of the phase's own trials (its decision needs every fold)."""
        return False


class FeaturePhase(NoPhase):
    """State and decisions of one phased feature search. Coordinator thread only."""

    def __init__(self, mode: str, *, data: TrainingData, space: SearchSpace, study: optuna.Study,
                 records: dict[int, TrialRecord], bus: EventBus, budget: Budget,
                 n_trials: int | None, seed: int):
        self.mode, self.data, self.space, self.study, self.records = mode, data, space, study, records
        self.bus, self.budget, self.n_trials, self.seed = bus, budget, n_trials, seed
        self.greater = data.problem.metric.greater_is_better
        self.all_columns = [c.name for c in data.problem.used_columns]
        families = space.family_names
        fixed = "gradient_boosting" if "gradient_boosting" in families else families[0]
        self.fixed = space.completed(next(c for c in space.default_configs() if c["family"] == fixed))
        self.state: dict[str, Any] = {"columns": self.all_columns, "stage": "rfe" if mode == "sequential"
                                      else "generation", "steps": [], "eliminating": True,
                                      "generation": 0, "previous": None}
        stored = study.user_attrs.get(STATE_ATTR)
        if isinstance(stored, dict) and stored.get("mode") == mode:  # a resumed search
            self.state |= stored["state"]
        self._queue: list[tuple[dict, dict]] = []  # configurations the phase runs next
        self._awaited: set[int] = set()  # their trials, until they end
        self._asked = 0  # configurations of the queue asked for but not yet started
        self._round_started = (budget.elapsed(), 0)  # (seconds, trials started) at this generation
        self._n_started = 0
        self._rescored: list[TrialRecord] = []

    @property
    def columns(self) -> list[str]:
        return list(self.state["columns"])

    # -- what the coordinator asks ----------------------------------------------------------------

    def blocked(self) -> bool:
        """Whether new trials must wait for the phase's trials to end (its next decision needs them)."""
        if self._queue:
            return False
        if self._awaited or self._asked:
            return True
        if self.state["stage"] == "rfe":
            self._queue.append((self.fixed, {"feature_phase": "elimination"}))
        elif self.state["stage"] == "generation" and self._generation_over():
            self._eliminate_between_generations()
            return self.blocked()
        return False

    def next_config(self) -> tuple[dict, dict] | None:
        """A configuration the phase wants run before anything sampled, or None."""
        if not self._queue:
            return None
        self._asked += 1
        return self._queue.pop(0)

    def started(self, trial: optuna.Trial, params: dict[str, Any]) -> dict[str, Any]:
        """A new trial's params with the columns it reads (recorded with the trial too)."""
        if trial.user_attrs.get("feature_phase") and self._asked:
            self._asked -= 1
            self._awaited.add(trial.number)
        self._n_started += 1
        trial.set_user_attr(FEATURE_SET, self.columns)
        return params | {FEATURE_SET: self.columns}

    def decides_on(self, rec: TrialRecord) -> bool:
        return rec.number in self._awaited

    def ended(self, rec: TrialRecord) -> None:
        """After any trial ended: the phase's own trials drive its next decision."""
        if rec.number not in self._awaited:
            return
        self._awaited.discard(rec.number)
        if self.state["stage"] == "rfe":
            self._after_rfe_step(rec)
        elif self._awaited or self._queue or self._asked:  # one executor slot: they run in turn
            self._rescored.append(rec)
        else:
            self._after_rescoring([*self._rescored, rec])
            self._rescored = []

    def eligible(self, records: list[TrialRecord]) -> list[TrialRecord]:
        """The records the final model may be chosen from: those that read only kept columns."""
        kept = set(self.final_columns())
        fit = [r for r in records if set(r.params.get(FEATURE_SET, self.all_columns)) <= kept]
        return fit if any(r.state == "finished" for r in fit) else records

    def final_columns(self) -> list[str]:
        """The kept columns: an elimination step the search ended before judging does not count."""
        if self.state["stage"] == "rfe":
            return self._rfe_choice() or self.all_columns  # stopped during the elimination
        steps, previous = self.state["steps"], self.state["previous"]
        if self.mode == "pseudo_joint" and steps and "after" not in steps[-1] and previous:
            return list(previous["columns"])
        return self.columns

    @property  # type: ignore[override]
    def summary(self) -> dict[str, Any]:
        """What the phase did (``SearchResult.feature_phase``)."""
        return {"mode": self.mode, "columns": self.final_columns(), "n_columns_in": len(self.all_columns),
                "steps": [dict(s) for s in self.state["steps"]]}

    # -- sequential: recursive feature elimination ------------------------------------------------

    def _after_rfe_step(self, rec: TrialRecord) -> None:
        columns = self.columns
        score = rec.score if rec.state == "finished" else None
        step = len(self.state["steps"]) + 1
        self.state["steps"].append({"step": step, "n_columns": len(columns), "score": score,
                                    "columns": columns, "status": rec.state, "trial": rec.number})
        n_steps = len(self.state["steps"])
        spent = self.budget.time_budget is not None and (
            self.budget.elapsed() >= RFE_SHARE * self.budget.time_budget)
        # a step that failed or was stopped (by the user, or too slow for the time left) ends it
        done = (spent or len(columns) <= 1 or rec.state != "finished" or self._no_gain()
                or not self._affordable([rec], len(columns))
                or (self.n_trials is not None and n_steps >= max(2, int(RFE_SHARE * self.n_trials))))
        if not done:
            dropped = self._drop(columns, [self.fixed])
            if dropped:
                self._move(columns, dropped, "elimination", step, score,
                           f"RFE step {step}: {rec.family} scored {_fmt(score)} on {len(columns)} columns; "
                           f"dropped the {len(dropped)} least important")
                return
        kept = self._rfe_choice() or self.all_columns
        self.state |= {"columns": kept, "stage": SEARCH}
        self._emit("chosen", step, [], score, f"RFE ended after {n_steps} steps: the model search "
                   f"reads {len(kept)} of {len(self.all_columns)} columns")

    def _affordable(self, recs: list[TrialRecord], n_columns: int) -> bool:
        """Whether importances for ``recs`` (one fit, 3 predictions per column each; on this
        thread, so not stoppable) should take under half of the search time left."""
        cost = 0.0
        for rec in recs:
            folds = list(rec.folds.values())
            if folds:
                cost += np.mean([f.fit_time for f in folds]) + 3 * n_columns * np.mean(
                    [f.predict_time for f in folds])
        return cost < 0.5 * self.budget.search_time_left()

    def _rfe_choice(self) -> list[str] | None:
        """The fewest columns that scored within ``TOLERANCE`` of the best step."""
        scored = [s for s in self.state["steps"] if s["score"] is not None]
        if not scored:
            return None
        best = (max if self.greater else min)(s["score"] for s in scored)
        near = [s for s in scored if not _worse(s["score"], best, self.greater)]
        return list(min(near, key=lambda s: (s["n_columns"], s["step"]))["columns"])

    def _no_gain(self) -> bool:
        scores = [s["score"] for s in self.state["steps"]]
        best = [s for s in scores if s is not None]
        if len(scores) <= PATIENCE or not best:
            return False
        top = (max if self.greater else min)(best)
        return all(s is None or _worse(s, top, self.greater) for s in scores[-PATIENCE:])

    # -- pseudo-joint: generations and elimination steps ------------------------------------------

    def _generation_over(self) -> bool:
        if not self.state["eliminating"]:
            return False
        top = self._top_on(self.columns)[:2]
        if len(top) < 2 or not self._affordable(top, len(self.columns)):
            return False
        seconds, n_before = self._round_started
        # a step needs room after it: its re-scoring (two trials) and a trial or a round more
        if self.n_trials is not None:
            per_round = max(2, self.n_trials // ROUNDS)
            if self._n_started + 3 > self.n_trials:
                return False
            if self._n_started - n_before >= per_round:
                return True
        if self.budget.time_budget is not None:
            per_round = self.budget.time_budget / ROUNDS
            return (self.budget.elapsed() - seconds >= per_round
                    and self.budget.search_time_left() > per_round)
        return False

    def _eliminate_between_generations(self) -> None:
        columns = self.columns
        top = self._top_on(columns)[:2]
        self.state["generation"] += 1
        self._round_started = (self.budget.elapsed(), self._n_started)
        if len(columns) <= 1:
            self.state["eliminating"] = False
            return
        dropped = self._drop(columns, [_config(r.params) for r in top])
        step = len(self.state["steps"]) + 1
        self.state["previous"] = {"columns": columns, "score": top[0].score}
        self._move(columns, dropped, "elimination", step, top[0].score,
                   f"round {self.state['generation']}: dropped the {len(dropped)} least important of "
                   f"{len(columns)} columns for the best {len(top)} trials ({', '.join(str(r.number) for r in top)}); "
                   "re-scoring them on the rest")
        self.state["steps"].append({"step": step, "n_columns": len(self.columns), "dropped": dropped,
                                    "before": top[0].score})
        self._queue += [(_config(r.params), {"feature_phase": "rescore"}) for r in top]

    def _after_rescoring(self, recs: list[TrialRecord]) -> None:
        previous = self.state["previous"]
        scores = [r.score for r in recs if r.state == "finished"]
        after = ((max if self.greater else min)(scores)) if scores else None
        step = self.state["steps"][-1]
        step |= {"after": after, "rescored": [r.number for r in recs]}
        if after is None or _worse(after, previous["score"], self.greater):
            self.state |= {"columns": previous["columns"], "eliminating": False}
            step["undone"] = True
            self._emit("reverted", step["step"], [], after,
                       f"the best trials scored {_fmt(after)} on {step['n_columns']} columns against "
                       f"{_fmt(previous['score'])} before: kept {len(previous['columns'])} columns "
                       "and stopped eliminating")
        self._save()
        self._round_started = (self.budget.elapsed(), self._n_started)

    def _top_on(self, columns: list[str]) -> list[TrialRecord]:
        """Finished trials of this search on ``columns``, best first."""
        sign = -1.0 if self.greater else 1.0
        done = [r for r in self.records.values() if r.state == "finished"
                and r.params.get(FEATURE_SET) == columns]
        return sorted(done, key=lambda r: (sign * r.score, r.number))

    # -- shared steps --------------------------------------------------------------------------------

    def _drop(self, columns: list[str], configs: list[dict[str, Any]]) -> list[str]:
        """The weakest ``DROP_SHARE`` of ``columns`` by mean permutation importance for ``configs``."""
        importance = importances(self.data, configs, columns, self.seed)
        n_drop = max(1, int(math.floor(DROP_SHARE * len(columns))))
        order = np.argsort(importance, kind="stable")
        return [columns[i] for i in sorted(order[:n_drop])]

    def _move(self, columns: list[str], dropped: list[str], phase: str, step: int,
              score: float | None, message: str) -> None:
        self.state["columns"] = [c for c in columns if c not in set(dropped)]
        self._emit(phase, step, dropped, score, message + f": {', '.join(dropped)}")

    def _emit(self, phase: str, step: int, dropped: list[str], score: float | None, message: str) -> None:
        _log.info("feature search (%s): %s", self.mode, message)
        self._save()
        self.bus.emit(FeaturesSelected, phase=phase, step=step, n_columns=len(self.columns),
                      dropped=list(dropped), columns=self.columns, score=score, message=message)

    def _save(self) -> None:
        self.study.set_user_attr(STATE_ATTR, {"mode": self.mode, "state": self.state})


def importances(data: TrainingData, configs: list[dict[str, Any]], columns: list[str],
                seed: int) -> np.ndarray:
    """Mean permutation importance of each of ``columns`` for ``configs`` (fitted on the first
    scored fold's training rows, scored on its validation rows; higher: more useful)."""
    problem = data.problem
    train, valid = problem.splits.scored_folds[0]
    if len(valid) > MAX_PERMUTED_ROWS:
        valid = np.sort(np.random.default_rng(seed).choice(valid, MAX_PERMUTED_ROWS, replace=False))
    X, y = data.X[columns], data.y
    sign = 1.0 if problem.metric.greater_is_better else -1.0

    def scorer(model: Any, Xv: Any, yv: Any) -> float:
        return sign * problem.metric.score(np.asarray(yv), predict_aligned(model, Xv, problem))

    total = np.zeros(len(columns))
    with threadpool_limits(1, user_api="openmp"):  # as in run_fold: spinning OpenMP threads
        for params in configs:
            model = build_pipeline(problem, params | {FEATURE_SET: columns}, seed).fit(X.iloc[train], y[train])
            result = permutation_importance(model, X.iloc[valid], y[valid], scoring=scorer,
                                            n_repeats=3, random_state=seed)
            total += np.nan_to_num(result.importances_mean)
    return total / max(1, len(configs))


def _config(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != FEATURE_SET}


def _worse(score: float, best: float, greater: bool) -> bool:
    """Whether ``score`` is worse than ``best`` by more than ``TOLERANCE`` of it."""
    slack = TOLERANCE * abs(best)
    return score < best - slack if greater else score > best + slack


def _fmt(score: float | None) -> str:
    return "nothing" if score is None else f"{score:.4g}"
