"""The Pareto front of a multi-objective (fairness-aware) search, and making one of its points
the model. The plot lives in ``jupyter_automl.insight``; this module lists and refits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, NotFittedError
from ._faster import refit_as_model
from ._final_model import SearchResult
from ._trials import pareto_optimal

FRONT_COLUMNS = ["trial", "family", "score", "mitigation", "chosen", "fit_time", "params"]
"""Columns of ``AutoML.pareto_front()``, plus one column per extra objective (after "score"):
trial (Optuna trial number), family, score (the search metric, out of fold), the disparity
(e.g. demographic_parity_difference, out of fold), mitigation ("none" or the thresholds'
tolerance), chosen (the current model), fit_time (seconds, summed over folds), params.
"""

MSG_NOT_MULTI = ("pareto_front() and select_trial() are for a fairness-aware search: fit "
                 "AutoML(fairness={{'sensitive_features': [...], 'constraint': ...}}). This search "
                 "had one objective ({metric}); use leaderboard() to compare trials.")
MSG_NO_SEARCH = ("The search is not in memory (this AutoML was loaded from a file, or never "
                 "fitted), so its trials cannot be {what}. Fit it again.")
MSG_RUNNING = "The search is still running; wait for it (handle.wait()) before choosing a trial."
MSG_UNKNOWN = ("Trial {number} is not a finished trial of this search. Finished trials: {finished}; "
               "the Pareto front is pareto_front()['trial'].")


def check_multi_objective(coordinator: Any, what: str) -> None:
    """Raise unless ``coordinator`` ran a multi-objective search (``what``: "listed", "refit")."""
    if coordinator is None:
        raise NotFittedError(MSG_NO_SEARCH.format(what=what))
    if not coordinator.multi_objective:
        raise InputError(MSG_NOT_MULTI.format(metric=coordinator.metric.name))


def pareto_frame(coordinator: Any, chosen: int | None) -> pd.DataFrame:
    """One row per Pareto-optimal finished trial, fairest first (see ``FRONT_COLUMNS``)."""
    check_multi_objective(coordinator, "listed")
    names = list(coordinator.plugin.objective_names)
    rows = []
    for r in pareto_optimal(list(coordinator.records.values()), coordinator.metric,
                            coordinator.plugin.objective_directions):
        tolerance = r.params.get("plugin.tolerance", "none")
        rows.append({
            "trial": r.number, "family": r.family, "score": r.score,
            **{n: r.objectives.get(n, np.nan) for n in names},
            "mitigation": "none" if tolerance == "none" else f"group thresholds, tolerance {tolerance}",
            "chosen": r.number == chosen, "fit_time": round(r.fit_time, 3),
            "params": {k: v for k, v in r.params.items() if k != "family"},
        })
    columns = FRONT_COLUMNS[:3] + names + FRONT_COLUMNS[3:]
    frame = pd.DataFrame(rows, columns=columns)
    if not frame.empty:
        frame = frame.sort_values([names[0], "trial"]).reset_index(drop=True)
    frame.attrs["metric"] = coordinator.metric.name
    frame.attrs["greater_is_better"] = coordinator.metric.greater_is_better
    frame.attrs["max_disparity"] = getattr(coordinator.plugin, "max_disparity", None)
    return frame


def refit_trial(coordinator: Any, result: SearchResult, number: int) -> SearchResult:
    """Refit trial ``number`` on every training row; the SearchResult that makes it the model."""
    check_multi_objective(coordinator, "refit")
    if not coordinator.done.is_set():
        raise InputError(MSG_RUNNING)  # before the check of the number: it may still finish
    record = coordinator.records.get(int(number))
    if record is None or record.state != "finished":
        finished = sorted(n for n, r in coordinator.records.items() if r.state == "finished")
        raise InputError(MSG_UNKNOWN.format(number=number, finished=finished[:30]))
    objectives = ", ".join(f"{k} {v:.3f}" for k, v in record.objectives.items())
    description = (f"trial {record.number} ({record.family}), chosen on the Pareto front "
                   f"({coordinator.metric.name} {record.score:.4f}; {objectives})")
    return refit_as_model(coordinator, result, record, description)
