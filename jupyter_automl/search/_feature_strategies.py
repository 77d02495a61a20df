"""Features and models optimised in sequence, jointly, or pseudo-jointly, at an equal budget.

The budget is counted in cross-validated evaluations (one configuration on one feature set,
every fold), so the three procedures compare at equal cost whatever the machine does:

- ``"sequential"``: the feature set first, then the models. Recursive feature elimination (RFE)
  with one fixed model (the first default of gradient boosting, or of the first family) spends
  a quarter of the budget: each step scores the current set and drops the fifth of the columns
  with the lowest permutation importance; the best-scoring set is kept. The model search
  (families and hyperparameters, no selection) spends the rest on that set.
- ``"joint"``: one space, feature selection (``feature_fraction`` x ``selector``) x family x
  hyperparameters, searched by the same sampler for the whole budget.
- ``"pseudo_joint"``: the two iterative procedures merged. Rounds alternate a generation of the
  model search on the current feature set with one elimination step driven by the permutation
  importances of the best models found so far; the next generation starts by re-scoring those
  best models on the reduced set (the sampler keeps learning across rounds), and when that makes
  them worse by more than 0.5 % the last elimination is undone and the feature side stops.

Each evaluation records its score and feature set; the result is the best evaluation, refit on
all rows. ``history`` holds the best score after each evaluation (trials to reach a score).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd
from threadpoolctl import threadpool_limits

from ..exceptions import InputError
from ..problem import Problem, analyze
from ._feature_phase import importances
from ._objective import TrainingData, predict_aligned, run_fold
from ._samplers import make_sampler
from .space import SearchSpace, build_pipeline, kept_columns

STRATEGIES = ("sequential", "joint", "pseudo_joint")
RFE_SHARE = 0.25  # of the budget spent choosing the feature set first (sequential)
DROP_SHARE = 0.2  # of the columns dropped by one elimination step
ROUNDS = 5  # pseudo-joint: generations of the model search
ELIMINATION_TOLERANCE = 0.005  # pseudo-joint: relative score an elimination step may cost
MSG_STRATEGY = "strategy must be one of {valid}; got {got!r}."
MSG_BUDGET = "n_evaluations must be an integer of at least 6; got {got!r}."


@dataclass
class StrategyResult:
    """What one procedure found, and what it cost."""

    strategy: str
    cv_score: float
    params: dict[str, Any]
    columns: list[str]  # the original columns the final model reads
    n_evaluations: int
    seconds: float
    history: list[float] = field(default_factory=list)  # best score after each evaluation
    model: Any = None  # refit on every row
    problem: Problem | None = None  # of the final feature set
    notes: list[str] = field(default_factory=list)
    input_columns: list[str] = field(default_factory=list)  # the feature set the model is fitted on

    def evaluations_to_reach(self, share: float = 0.99) -> int | None:
        """Evaluations until the best score was within ``share`` of the final one (1-based)."""
        if self.problem is None or not self.history:
            return None
        greater = self.problem.metric.greater_is_better
        final = self.history[-1]
        target = final * share if greater == (final >= 0) else final / share
        for i, s in enumerate(self.history):
            if (s >= target) if greater else (s <= target):
                return i + 1
        return len(self.history)

    def predict_scores(self, X: pd.DataFrame) -> np.ndarray:
        """Predictions in the problem's layout (class probabilities or numbers)."""
        return predict_aligned(self.model, X[self.input_columns], self.problem)


class _Run:
    """Evaluations of one procedure: the budget, the best so far and its history."""

    def __init__(self, X, y, options: dict[str, Any], budget: int):
        self.X, self.y, self.options, self.budget = X, y, options, budget
        self.used = 0
        self.history: list[float] = []
        self.best: tuple[float, dict, list[str]] | None = None
        self.greater = True
        self._problems: dict[tuple[str, ...], tuple[Problem, pd.DataFrame, np.ndarray]] = {}

    def problem(self, columns: list[str]):
        key = tuple(columns)
        if key not in self._problems:
            problem, X, y = analyze(self.X[columns], self.y, check_leakage=False, **self.options)
            self._problems[key] = (problem, X, y.to_numpy())
            self.greater = problem.metric.greater_is_better
        return self._problems[key]

    def evaluate(self, params: dict[str, Any], columns: list[str]) -> float | None:
        """Cross-validate ``params`` on ``columns``: one unit of the budget."""
        problem, X, y = self.problem(columns)
        data = TrainingData(X, y, problem, self.options.get("seed", 0))
        folds = [run_fold(data, params, k) for k in range(problem.splits.n_folds)]
        self.used += 1
        score = None if not all(f.ok for f in folds) else float(np.mean([f.score for f in folds]))
        if score is not None and (self.best is None or self._better(score, self.best[0])):
            self.best = (score, dict(params), list(columns))
        if self.best is not None:
            self.history.append(self.best[0])
        return score

    def _better(self, a: float, b: float) -> bool:
        return a > b if self.greater else a < b

    @property
    def left(self) -> int:
        return self.budget - self.used


def _search(run: _Run, space: SearchSpace, study: optuna.Study, columns: list[str], n: int,
            first: list[dict[str, Any]] = ()) -> None:
    """``n`` evaluations of the model search on ``columns`` (``first`` configurations first)."""
    for config in first:
        study.enqueue_trial(space.completed(config), skip_if_exists=False)
    for _ in range(min(n, run.left)):
        trial = study.ask()
        params = space.suggest(trial)
        score = run.evaluate(params, columns)
        if score is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            trial.set_user_attr("columns", list(columns))
            study.tell(trial, score)


def _importances(run: _Run, configs: list[dict[str, Any]], columns: list[str], seed: int) -> np.ndarray:
    """Mean permutation importance of each column for ``configs``: the search's own measure
    (``_feature_phase.importances``), on this strategy's table of ``columns``."""
    problem, X, y = run.problem(columns)
    return importances(TrainingData(X, y, problem, seed), configs, columns, seed)


def _drop_weakest(columns: list[str], importance: np.ndarray) -> list[str]:
    n_drop = max(1, int(math.floor(DROP_SHARE * len(columns))))
    order = np.argsort(importance, kind="stable")
    drop = {columns[i] for i in order[:n_drop]}
    return [c for c in columns if c not in drop]


def _top_configs(study: optuna.Study, columns: list[str], k: int, greater: bool) -> list[dict]:
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE
            and t.user_attrs.get("columns") == list(columns)]
    done.sort(key=lambda t: t.value, reverse=greater)
    return [dict(t.params) for t in done[:k]]


def _space_and_study(run: _Run, columns: list[str], families, seed: int,
                     feature_search: str = "off") -> tuple[SearchSpace, optuna.Study]:
    """The search space over ``columns`` and a fresh TPE study in the metric's direction."""
    problem, _, _ = run.problem(columns)
    space = SearchSpace(problem, families, feature_search=feature_search)
    study = optuna.create_study(direction=problem.metric.direction, sampler=make_sampler("tpe", seed))
    return space, study


def _sequential(run: _Run, families, seed: int, notes: list[str]) -> None:
    columns = list(run.X.columns)
    problem, _, _ = run.problem(columns)
    space = SearchSpace(problem, families, feature_search="off")
    fixed_family = "gradient_boosting" if "gradient_boosting" in space.family_names else space.family_names[0]
    fixed = SearchSpace(problem, [fixed_family], feature_search="off").default_configs()[0]
    steps: list[tuple[float, list[str]]] = []
    rfe_budget = max(2, int(RFE_SHARE * run.budget))
    while run.used < rfe_budget and columns:
        score = run.evaluate(fixed, columns)
        if score is not None:
            steps.append((score, columns))
        if len(columns) == 1:
            break
        columns = _drop_weakest(columns, _importances(run, [fixed], columns, seed))
    if steps:
        best = max(steps, key=lambda s: s[0]) if run.greater else min(steps, key=lambda s: s[0])
        columns = best[1]
    notes.append(f"RFE with {fixed_family}: {len(steps)} steps, kept {len(columns)} of {run.X.shape[1]} columns")
    space, study = _space_and_study(run, columns, families, seed)
    _search(run, space, study, columns, run.left, space.default_configs())


def _joint(run: _Run, families, seed: int, notes: list[str]) -> None:
    columns = list(run.X.columns)
    space, study = _space_and_study(run, columns, families, seed, feature_search="joint")
    _search(run, space, study, columns, run.left, space.default_configs())


def _pseudo_joint(run: _Run, families, seed: int, notes: list[str]) -> None:
    columns = list(run.X.columns)
    space, study = _space_and_study(run, columns, families, seed)
    generation = max(2, run.budget // ROUNDS)
    _search(run, space, study, columns, generation, space.default_configs())
    previous: tuple[list[str], float] | None = None
    eliminating = True
    while run.left > 0:
        top = _top_configs(study, columns, 2, run.greater)
        if eliminating and top and len(columns) > 1:
            previous = (columns, _best_on(study, columns, run.greater))
            columns = _drop_weakest(columns, _importances(run, top, columns, seed))
            before = run.used
            _search(run, space, study, columns, len(top), top)  # the best models on the new set
            after = _best_on(study, columns, run.greater)
            if after is None or _worse_beyond(after, previous[1], run.greater):
                notes.append(f"dropping to {len(columns)} columns made the best models worse: "
                             f"kept {len(previous[0])} and stopped eliminating")
                columns, eliminating = previous[0], False
            else:
                notes.append(f"eliminated down to {len(columns)} columns")
            if run.used == before:
                break
        _search(run, space, study, columns, generation)


def _worse_beyond(after: float, before: float, greater: bool) -> bool:
    """Whether ``after`` is worse than ``before`` by more than ``ELIMINATION_TOLERANCE`` of it.

    The best score on a feature set is the maximum of many trials, the re-scored best models on
    the reduced set only a few: the tolerance makes up for that winner's bias (with none, one
    noisy step stopped every elimination on the benchmark)."""
    slack = ELIMINATION_TOLERANCE * abs(before)
    return after < before - slack if greater else after > before + slack


def _best_on(study: optuna.Study, columns: list[str], greater: bool) -> float | None:
    values = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE
              and t.user_attrs.get("columns") == list(columns)]
    return (max(values) if greater else min(values)) if values else None


PROCEDURES = {"sequential": _sequential, "joint": _joint, "pseudo_joint": _pseudo_joint}


def run_feature_strategy(X: pd.DataFrame, y: Any, strategy: str, *, n_evaluations: int = 40,
                         families: list[str] | None = None, seed: int = 0, **options: Any) -> StrategyResult:
    """Run one procedure (``"sequential"``, ``"joint"`` or ``"pseudo_joint"``) for ``n_evaluations``
    cross-validated evaluations; return the best configuration, its feature set and the cost.

    ``options`` go to ``jupyter_automl.problem.analyze`` (task, metric, cv, positive_class).
    """
    if strategy not in PROCEDURES:
        raise InputError(MSG_STRATEGY.format(valid=list(STRATEGIES), got=strategy))
    if not isinstance(n_evaluations, int) or n_evaluations < 6:
        raise InputError(MSG_BUDGET.format(got=n_evaluations))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X = pd.DataFrame(X).rename(columns=str)
    t0 = time.perf_counter()
    run = _Run(X, y, options | {"seed": seed}, n_evaluations)
    notes: list[str] = []
    PROCEDURES[strategy](run, families, seed, notes)
    if run.best is None:
        raise InputError(f"Every evaluation of the {strategy} procedure failed.")
    score, params, columns = run.best
    problem, Xf, yf = run.problem(columns)
    with threadpool_limits(1, user_api="openmp"):
        model = build_pipeline(problem, params, seed).fit(Xf, yf)
    return StrategyResult(strategy, score, params, kept_columns(model) or list(columns), run.used,
                          round(time.perf_counter() - t0, 2), run.history, model, problem, notes,
                          input_columns=list(columns))
