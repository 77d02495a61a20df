"""Hyperparameter importance from a leaderboard, with Optuna's fANOVA evaluator.

A search over several model families is define-by-run: each family has its own parameters, so
Optuna's importance (which needs a search space shared by all trials) is computed per family, on
an in-memory study rebuilt from that family's finished trials. This works the same for a live
search and for a loaded AutoML, whose study may be gone.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MIN_TRIALS = 5  # fewer finished trials of a family: no importance (it would be noise)


@dataclass(frozen=True)
class FamilyImportance:
    """Importance (shares summing to 1) of each parameter of one family, largest first."""

    family: str
    n_trials: int
    importances: dict[str, float]


def _distributions(params: pd.DataFrame) -> dict[str, Any]:
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    out: dict[str, Any] = {}
    for name in params.columns:
        values = params[name].dropna()
        if values.nunique() < 2:
            continue  # a parameter that never changed cannot explain anything
        if all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
            out[name] = FloatDistribution(float(values.min()), float(values.max()))
        else:
            out[name] = CategoricalDistribution(sorted({_choice(v) for v in values}, key=str))
    return out


def _choice(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


EVALUATORS = ("fanova", "mean_decrease_impurity", "ped_anova")


def _evaluator(name: str, seed: int) -> Any:
    from optuna import importance

    if name == "fanova":
        return importance.FanovaImportanceEvaluator(seed=seed)
    if name == "mean_decrease_impurity":
        return importance.MeanDecreaseImpurityImportanceEvaluator(seed=seed)
    return importance.PedAnovaImportanceEvaluator()


def family_importance(board: pd.DataFrame, family: str, direction: str, seed: int = 0,
                      evaluator: str = "fanova") -> FamilyImportance | None:
    """Importance of ``family``'s parameters over its finished trials, or None if too few.

    ``evaluator``: one of Optuna's importance evaluators, "fanova" (default),
    "mean_decrease_impurity" or "ped_anova".
    """
    import optuna
    from optuna.importance import get_param_importances

    rows = board[(board["family"] == family) & (board["status"] == "finished")
                 & board["score"].notna()]
    if len(rows) < MIN_TRIALS:
        return None
    prefix = f"{family}."
    params = pd.DataFrame([{k[len(prefix):] if k.startswith(prefix) else k: v
                            for k, v in p.items()} for p in rows["params"]])
    distributions = _distributions(params)
    if not distributions:
        return None
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "A new study created" line
    try:
        study = optuna.create_study(direction=direction, storage=None)
    finally:
        optuna.logging.set_verbosity(verbosity)
    trials = []
    for (_, row), (_, values) in zip(rows.iterrows(), params.iterrows(), strict=True):
        chosen = {k: (float(values[k]) if isinstance(d, optuna.distributions.FloatDistribution)
                      else _choice(values[k]))
                  for k, d in distributions.items() if pd.notna(values[k])}
        trials.append(optuna.trial.create_trial(
            value=float(row["score"]), params=chosen,
            distributions={k: distributions[k] for k in chosen}))
    study.add_trials(trials)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-API warnings of optuna
        try:
            found = get_param_importances(study, evaluator=_evaluator(evaluator, seed),
                                          params=list(distributions))
        except (RuntimeError, ValueError):  # e.g. no parameter shared by every trial
            return None
    return FamilyImportance(family, len(rows), {k: float(v) for k, v in found.items()})


def importances(board: pd.DataFrame, direction: str, max_families: int = 2) -> list[FamilyImportance]:
    """Importance for the best-ranked families that have enough finished trials."""
    finished = board[board["status"] == "finished"]
    out = []
    for family in dict.fromkeys(finished["family"]):
        result = family_importance(board, family, direction)
        if result is not None:
            out.append(result)
        if len(out) >= max_families:
            break
    return out
