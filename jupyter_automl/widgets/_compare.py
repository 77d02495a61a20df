"""The Results step's comparison of trials: ``AutoML.compare_trials`` as a JSON-able panel.

Rows come in sections: the model (family, then the settings, those that differ between the
trials first and marked ``differs`` for the front-end to highlight), the scores, the other
metrics out of fold, and time and size. Values stay raw; each row names its ``unit`` so that the
front-end formats it the way the leaderboard does.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from ..exceptions import InputError
from ..problem import metric_direction, metric_label
from ..search import NAS_FAMILY
from ._networks import networks_of
from ._protocol import jsonable
from .live import family_labels

__all__ = ["COMPARE_LIMITS", "MSG_COMPARE_COUNT", "compare_part"]

COMPARE_LIMITS = {"min": 2, "max": 4}  # more columns than four no longer read side by side
MSG_COMPARE_COUNT = "Pick {min} to {max} different trials to compare. Got {got}."
SETTING = "setting: "
OUT_OF_FOLD = "out of fold: "
# leaderboard measures shown, in order: (row of compare_trials, label, unit); the score's label
# names the search's metric, so it is filled in below
SCORES = (("score", "{metric}, mean over the folds", "score"), ("score_std", "Spread over the folds (std)", "score"),
          ("fold scores", "Fold scores", "text"), ("n_folds", "Folds scored", "count"))
COSTS = (("fit_time", "Fit time (summed over the folds)", "seconds"),
         ("duration", "Trial duration", "seconds"),
         ("predict_ms", "Predict time for 1,000 rows", "ms"), ("model_kb", "Model size", "kb"),
         ("ensemble_weight", "Share in the final model", "share"), ("status", "Status", "text"),
         ("coordinator", "Asked for by (coordinator)", "text"), ("workers", "Folds ran on (Dask workers)", "text"))
# numbers a trial records beside the usual metrics (compare_trials lists them "out of fold" too)
EXTRA_LABELS = {"predicted_score": "Score the warm start predicted (normalised)",
                "threshold": "Decision threshold"}


def _numbers(trials: Any) -> list[int]:
    try:
        numbers = [int(t) for t in trials]
    except (TypeError, ValueError):
        numbers = []
    if not COMPARE_LIMITS["min"] <= len(set(numbers)) == len(numbers) <= COMPARE_LIMITS["max"]:
        raise InputError(MSG_COMPARE_COUNT.format(**COMPARE_LIMITS, got=trials))
    return numbers


def _row(name: str, label: str, values: list[Any], unit: str, *, differs: bool = False,
         direction: str | None = None) -> dict[str, Any]:
    # compare_trials writes "–" where a trial has no such value (a setting of another family)
    values = [None if (isinstance(v, str) and v == "–") or (pd.api.types.is_scalar(v) and pd.isna(v))
              else v for v in values]
    known = [v for v in values if v is not None]
    best = None
    if direction is not None and len(set(known)) > 1:  # a tie has no best
        best = values.index((max if direction == "maximize" else min)(known))
    return {"name": name, "label": label, "values": values, "unit": unit, "differs": differs,
            "best": best}


def _fold_counts(workers: Any) -> Any:
    """"tcp://a (3 folds), tcp://b (2 folds)" for the worker of each fold of a trial."""
    if not isinstance(workers, (list, tuple)) or not workers:
        return workers
    counts = Counter(str(w) for w in workers)
    return ", ".join(f"{w} ({n} fold{'s' if n > 1 else ''})" for w, n in counts.most_common())


def compare_part(automl: Any, trials: Any) -> dict[str, Any]:
    """Two to four trials of ``automl``'s search side by side (``AutoML.compare_trials``)."""
    numbers = _numbers(trials)
    table = automl.compare_trials(numbers)
    columns = [f"trial {n}" for n in numbers]
    metric = automl.problem_.metric.name
    direction = automl.problem_.metric.direction
    values = {name: list(table.loc[name, columns]) for name in table.index}
    if "workers" in values:  # one entry per fold: each worker once, with its count of folds
        values["workers"] = [_fold_counts(ws) for ws in values["workers"]]
    labels = family_labels()

    families = [str(f) for f in values["family"]]
    model = [_row("family", "Model family", [labels.get(f, f) for f in families], "text",
                  differs=len(set(families)) > 1)]
    for name in table.index:
        if name.startswith(SETTING):
            model.append(_row(name, name.removeprefix(SETTING), values[name], "value",
                              differs=table.loc[name, "differs"] == "yes"))
    scores = [_row(name, label.format(metric=metric_label(metric)), values[name], unit,
                   direction=direction if name == "score" else None)
              for name, label, unit in SCORES if name in values]
    others, extras = [], []
    for name in table.index:
        short = name.removeprefix(OUT_OF_FOLD)
        if not name.startswith(OUT_OF_FOLD) or short == metric:  # the search's metric is the score
            continue
        if metric_direction(short) is not None:
            others.append(_row(name, metric_label(short), values[name], "score",
                               direction=metric_direction(short)))
        else:  # a warm-start estimate, a tuned threshold, a fairness objective...
            extras.append(_row(name, EXTRA_LABELS.get(short, short.replace("_", " ")), values[name], "value"))
    costs = [_row(name, label, values[name], unit) for name, label, unit in COSTS if name in values]
    sections = [{"title": "Model and settings", "rows": model}, {"title": "Scores", "rows": scores},
                {"title": "Other metrics, out of fold", "rows": others},
                {"title": "Time and size", "rows": costs}, {"title": "Also recorded", "rows": extras}]
    return jsonable({
        "trials": numbers, "families": families, "metric": metric, "direction": direction,
        "n_differing": sum(r["differs"] for r in model),
        "sections": [s for s in sections if s["rows"]],
        # the networks among them, drawn under the table
        "networks": networks_of(automl.leaderboard(), numbers, automl.problem_)
        if NAS_FAMILY in families else [],
    })
