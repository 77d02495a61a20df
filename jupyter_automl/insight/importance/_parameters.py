"""``parameter_importance``: which choices mattered in a search, the family choice included.

Per family: Optuna's importance evaluator over that family's finished trials (``_importance``).
For the family choice itself: the trials of different families share no other parameter, so the
choice is scored the way fANOVA scores a main effect, as the share of the score variance across
all finished trials that lies between the families' mean scores (the rest lies within families,
where their own parameters act). Works on a live leaderboard as well as a finished one.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...exceptions import InputError
from ._importance import EVALUATORS, MIN_TRIALS, FamilyImportance, family_importance

MSG_EVALUATOR = "evaluator must be one of {names}. Got {got!r} instead."
NOTE_FEW = "{family}: {n} finished trial(s); importance needs at least {k}."
NOTE_NONE = "No trial has finished yet."
NOTE_ONE_FAMILY = "Only one model family has finished trials, so the family choice has no importance yet."


@dataclass
class ParameterImportance:
    """What made the score move in a search.

    Attributes
    ----------
    family_choice : float or None
        Share (0-1) of the variance of the finished trials' scores that lies between model
        families; None with fewer than two families or ``MIN_TRIALS`` trials.
    families : dict of str to FamilyImportance
        Per family with enough finished trials: each parameter's share (summing to 1).
    family_scores : DataFrame
        Per family: finished trials, mean and best score.
    evaluator : str
    notes : list of str
        Families left out and why.
    """

    family_choice: float | None
    families: dict[str, FamilyImportance]
    family_scores: pd.DataFrame
    evaluator: str
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per (scope, parameter): scope "family choice" or a family's name."""
        rows = []
        if self.family_choice is not None:
            rows.append({"scope": "family choice", "parameter": "family",
                         "importance": self.family_choice, "n_trials": int(self.family_scores["n_trials"].sum())})
        for name, found in self.families.items():
            rows += [{"scope": name, "parameter": p, "importance": v, "n_trials": found.n_trials}
                     for p, v in found.importances.items()]
        return pd.DataFrame(rows, columns=["scope", "parameter", "importance", "n_trials"])

    def to_dict(self) -> dict:
        """Plain data (for a widget or JSON)."""
        return {"family_choice": self.family_choice, "evaluator": self.evaluator, "notes": list(self.notes),
                "families": {k: {"n_trials": v.n_trials, "importances": dict(v.importances)}
                             for k, v in self.families.items()},
                "family_scores": self.family_scores.to_dict(orient="records")}

    def __repr__(self) -> str:
        choice = "n/a" if self.family_choice is None else f"{self.family_choice:.0%}"
        tops = ", ".join(f"{k}: {next(iter(v.importances))}" for k, v in self.families.items() if v.importances)
        return f"ParameterImportance(family choice {choice}; most important per family: {tops or 'none yet'})"

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        frame["importance"] = frame["importance"].map(lambda v: f"{v:.0%}")
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return frame.to_html(index=False) + (f"<ul>{notes}</ul>" if notes else "")


def family_choice_share(board: pd.DataFrame) -> tuple[float | None, pd.DataFrame]:
    """Between-family share of the score variance, and per-family trial counts and scores."""
    done = board[(board["status"] == "finished") & board["score"].notna()]
    scores = done.groupby("family", sort=False)["score"].agg(n_trials="size", mean="mean",
                                                              best_max="max", best_min="min")
    if len(scores) < 2 or len(done) < MIN_TRIALS:
        return None, scores
    total = float(np.sum((done["score"] - done["score"].mean()) ** 2))
    between = float(np.sum(scores["n_trials"] * (scores["mean"] - done["score"].mean()) ** 2))
    return (between / total if total > 0 else 0.0), scores


def parameter_importance(board: pd.DataFrame, direction: str, *, evaluator: str = "fanova",
                         seed: int = 0) -> ParameterImportance:
    """Importance of each family's parameters, and of the family choice, from a leaderboard."""
    if evaluator not in EVALUATORS:
        raise InputError(MSG_EVALUATOR.format(names=list(EVALUATORS), got=evaluator))
    share, scores = family_choice_share(board)
    best = scores["best_max"] if direction == "maximize" else scores["best_min"]
    table = pd.DataFrame({"family": scores.index, "n_trials": scores["n_trials"].to_numpy(),
                          "mean_score": scores["mean"].to_numpy(), "best_score": best.to_numpy()})
    notes = [] if share is not None or len(scores) >= 2 else [NOTE_NONE if len(scores) == 0 else NOTE_ONE_FAMILY]
    families = {}
    for family, n in zip(table["family"], table["n_trials"], strict=True):
        found = family_importance(board, family, direction, seed=seed, evaluator=evaluator)
        if found is not None:
            families[family] = found
        elif n < MIN_TRIALS:
            notes.append(NOTE_FEW.format(family=family, n=n, k=MIN_TRIALS))
    return ParameterImportance(share, families, table, evaluator, notes)
