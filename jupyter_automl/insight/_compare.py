"""``compare_trials``: two or more trials side by side, from the leaderboard and the events.

One column per trial; rows: family, status, the score with its fold scores, every out-of-fold
metric the trial recorded, fit and predict times, size, who ran it, then the configuration, with the
settings that differ between the trials listed first and marked.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..exceptions import InputError

MSG_FEW = "Compare at least two trials; got {got}."
MSG_UNKNOWN = "No trial {missing} in this search; its trials are numbered {lo} to {hi}."
MEASURES = ("family", "status", "score", "score_std", "n_folds", "fit_time", "duration",
            "predict_ms", "model_kb", "ensemble_weight", "coordinator", "workers")


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def compare_trials(board: pd.DataFrame, numbers: list[int], events: list[Any] = ()) -> pd.DataFrame:
    """A table with one column per trial ("trial N") and a ``differs`` column for settings."""
    numbers = [int(n) for n in numbers]
    if len(numbers) < 2:
        raise InputError(MSG_FEW.format(got=numbers))
    by_trial = board.set_index(board["trial"].astype(int))
    missing = [n for n in numbers if n not in by_trial.index]
    if missing:
        raise InputError(MSG_UNKNOWN.format(missing=missing[0], lo=int(by_trial.index.min()),
                                            hi=int(by_trial.index.max())))
    rows = by_trial.loc[numbers]
    folds: dict[int, dict[int, float]] = {}
    for e in events:
        if getattr(e, "kind", "") == "fold_scored" and e.trial_number in numbers:
            folds.setdefault(e.trial_number, {})[e.fold] = e.score
    table: dict[str, dict[str, Any]] = {}
    for measure in [m for m in MEASURES if m in rows.columns]:
        table[measure] = {f"trial {n}": rows.loc[n, measure] for n in numbers}
    table["fold scores"] = {f"trial {n}": ", ".join(f"{folds[n][k]:.4g}" for k in sorted(folds.get(n, {})))
                            or "–" for n in numbers}
    extra = [c for c in rows.columns if c not in MEASURES and c not in ("rank", "trial", "reason", "params")
             and pd.api.types.is_numeric_dtype(rows[c])]
    for c in extra:
        table[f"out of fold: {c}"] = {f"trial {n}": rows.loc[n, c] for n in numbers}
    params = {n: {_short(k): v for k, v in (rows.loc[n, "params"] or {}).items()} for n in numbers}
    names = list(dict.fromkeys(k for n in numbers for k in params[n]))
    differs = {k: len({repr(params[n].get(k, "–")) for n in numbers}) > 1 for k in names}
    frame = pd.DataFrame(table).T
    frame["differs"] = ""
    settings = pd.DataFrame({f"trial {n}": [params[n].get(k, "–") for k in names] for n in numbers},
                            index=[f"setting: {k}" for k in names])
    settings["differs"] = ["yes" if differs[k] else "" for k in names]
    settings = settings.sort_values("differs", ascending=False, kind="stable")
    return pd.concat([frame, settings])
