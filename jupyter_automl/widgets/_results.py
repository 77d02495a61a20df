"""The wizard's Results step: the chosen model and why, its scores, plots, and the tabs where
the explanation, fairness and export views plug in. JSON-able panels; figures become PNG data
URLs drawn with matplotlib's Agg canvas (no pyplot: this runs on the widget's worker thread).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import AutoMLWarning, InputError
from ..export import figure_png
from ..insight import cost_front_of, diagnose, summarise_notes
from ..problem import metric_label
from ..search import end_reason_text, faster_in_leaderboard, threshold_text
from ..search.space import FAMILIES
from ._compare import COMPARE_LIMITS
from ._mitigation import mitigation_options
from ._networks import networks_of
from ._protocol import jsonable

__all__ = ["explain_part", "export_file", "fairness_part", "results_part",
           "tabs_available"]

PLOT_TITLES = {"confusion_matrix": "Confusion matrix", "roc": "ROC curve",
               "precision_recall": "Precision-recall curve", "residuals": "Residuals",
               "predicted_vs_actual": "Predicted vs actual", "reliability": "Reliability diagram",
               "cost": "Score against predict time"}
PLOT_CAPTIONS = {
    "confusion_matrix": "How often each true class (rows) was predicted as each class (columns).",
    "roc": "True against false positive rate over every threshold; the diagonal is guessing.",
    "precision_recall": "Of the rows flagged positive, the share that are (precision), against "
                        "the share of positives found (recall).",
    "residuals": "Errors against predictions: a good model scatters evenly around zero.",
    "predicted_vs_actual": "A perfect model puts every point on the diagonal.",
    "reliability": "Of the rows given a probability near p, the share that were that class: a "
                   "well-calibrated model follows the diagonal.",
    "cost": "Every finished trial by its score and the time it takes to predict 1,000 rows; the "
            "ringed point is the model. AutoML.select_faster(tolerance) picks a faster one.",
}
EXPLAIN_ROWS = 300  # rows explained in the Explain tab (SHAP cost grows with rows)
MSG_NOT_AVAILABLE = ("{what} is not available in this version of jupyter_automl "
                     "(AutoML.{method} is missing).")
MSG_NO_SENSITIVE = ("Mark at least one sensitive column (e.g. sex, age) in the Columns step, "
                    "or pick one here, to check fairness.")
MSG_NO_HOLDOUT = ("No rows were kept aside, so the checks below use the training rows: they look "
                  "better than they would on new data. Keep a share aside in the Search step.")
EXPORTS = {
    "model": ("save", "model.skops", "the fitted model (load it with AutoML.load)"),
    "code": ("export_code", "train_model.py", "a Python script that rebuilds the model"),
    "report": ("report", "report.html", "an HTML report of the search and the model"),
}


def tabs_available(automl: Any) -> dict[str, bool]:
    """Which of the plug-in views the installed AutoML supports."""
    return {"explain": hasattr(automl, "explain"), "fairness": hasattr(automl, "fairness"),
            "export": any(hasattr(automl, m) for m, _, _ in EXPORTS.values())}


def _trials(n: int) -> str:
    return f"{n} trial" if n == 1 else f"{n} trials"


def _why(automl: Any, board: pd.DataFrame, metric: str) -> list[str]:
    search = automl.search_
    label = metric_label(metric)
    finished = board[board["status"] == "finished"]
    n_finished = len(finished)
    lines = []
    if len(search.members) > 1:
        best = finished.iloc[0] if n_finished else None
        versus = (f", better than the best single model (trial {int(best['trial'])}, "
                  f"{best['score']:.4f})") if best is not None else ""
        lines.append(f"Averaging the predictions of {len(search.members)} trials scored "
                     f"{label} {search.score:.4f} out of fold{versus}, so the ensemble was kept.")
    elif n_finished:
        row = board[board["trial"] == search.best_trial]
        std = f" ± {float(row['score_std'].iloc[0]):.4f}" if len(row) and \
            np.isfinite(row["score_std"].iloc[0]) else ""
        of = "the only trial that finished" if n_finished == 1 else \
            f"the best cross-validated {label} of the {n_finished} trials that finished"
        lines.append(f"Trial {search.best_trial} had {of}: {label} {search.score:.4f}{std}.")
    reason = end_reason_text(search.reason)
    counts = board["status"].value_counts()
    n_done = int(counts.get("finished", 0))
    # a supernet's rows (scored with its weights, never trained) are not trials cut short
    n_shared = int(board["inherited_weights"].fillna(False).astype(bool).sum()) \
        if "inherited_weights" in board else 0
    n_cut = int(counts.get("pruned", 0) + counts.get("stopped", 0)) - n_shared
    shared = f"{n_shared} scored with the supernet's shared weights, " if n_shared else ""
    lines.append(
        f"The search ended because {reason}: {_trials(n_done)} finished, {n_cut} "
        f"{'was' if n_cut == 1 else 'were'} pruned or stopped early, {shared}"
        f"{int(counts.get('failed', 0))} failed.")
    positive = automl.problem_.positive_class
    decision = threshold_text(search, label, positive.item() if hasattr(positive, "item") else positive)
    columns = columns_text(automl)
    return lines + ([columns] if columns else []) + ([decision] if decision else []) + \
        summarise_notes(list(search.notes))


PHASES = {"sequential": "chosen before the model search", "pseudo_joint": "chosen in rounds with it"}
MAX_COLUMNS_NAMED = 8


def columns_text(automl: Any) -> str | None:
    """Which columns the chosen model reads, when the feature search left some out (or a phased
    feature search ran): a person should not have to guess from the configuration strings."""
    used = [c.name for c in automl.problem_.used_columns]
    kept = set(automl.selected_features_)
    left_out = [c for c in used if c not in kept]
    phase = getattr(automl.search_, "feature_phase", None) or {}
    steps = len(phase.get("steps", []))
    how = f" (columns {PHASES[phase['mode']]}, {steps} elimination step{'s' * (steps != 1)})" \
        if phase.get("mode") in PHASES else ""
    if not left_out:
        return f"It reads all {len(used)} columns{how}." if how else None
    named = ", ".join(left_out[:MAX_COLUMNS_NAMED]) + (
        f" and {len(left_out) - MAX_COLUMNS_NAMED} more" if len(left_out) > MAX_COLUMNS_NAMED else "")
    return (f"It reads {len(used) - len(left_out)} of the {len(used)} columns{how}; "
            f"left out: {named}.")


def results_part(automl: Any, X_holdout: pd.DataFrame | None, y_holdout: pd.Series | None, *,
                 holdout_note: str) -> dict[str, Any]:
    """The Results step's panel for a fitted AutoML and the rows kept aside."""
    problem = automl.problem_
    metric = problem.metric.name
    board = automl.leaderboard()
    search = automl.search_
    members = []
    for number, weight in zip(search.members, search.weights, strict=False):
        row = board[board["trial"] == number]
        family = str(row["family"].iloc[0]) if len(row) else "?"
        params = row["params"].iloc[0] if len(row) else {}
        members.append({"trial": int(number), "family": family,
                        "label": FAMILIES[family].label if family in FAMILIES else family,
                        "weight": float(weight), "params": jsonable(params)})
    part: dict[str, Any] = {
        "model": search.description, "members": members, "why": _why(automl, board, metric),
        "metric": metric, "metric_label": metric_label(metric),
        "direction": problem.metric.direction, "task": problem.task,
        "cv": {"value": search.score, "validation": problem.splits.reason,
               "n_folds": problem.splits.n_folds},
        "study_name": getattr(automl, "study_name_", None),
        "tabs": tabs_available(automl), "holdout": None, "holdout_note": holdout_note,
        "plots": [], "compare_limits": COMPARE_LIMITS,
    }
    # the chosen model's networks ("nas" members), drawn
    part["networks"] = networks_of(board, [m["trial"] for m in members], problem,
                                   {m["trial"]: m["weight"] for m in members})
    part["pareto"] = pareto_part(automl)
    part["mitigation"] = mitigation_options(automl)
    if X_holdout is not None and y_holdout is not None and len(y_holdout):
        d = diagnose(automl, X_holdout, y_holdout)
        part["holdout"] = {
            "n_rows": d.n_rows,
            "scores": [{"name": k, "label": metric_label(k), "value": v,
                        "direction": d.directions[k]} for k, v in d.scores.items()],
        }
        part["plots"] = [{"name": name, "title": PLOT_TITLES.get(name, name),
                          "caption": PLOT_CAPTIONS.get(name, ""),
                          "png": figure_png(result.plot)} for name, result in d.plots.items()]
    # a fairness-aware search's model is chosen on its Pareto front instead
    part["faster"] = None if part["pareto"] else faster_part(automl)
    cost = cost_front_of(automl)
    if cost is not None:  # over the search's trials: shown with or without held-out rows
        part["plots"].append({"name": "cost", "title": PLOT_TITLES["cost"],
                              "caption": PLOT_CAPTIONS["cost"], "png": figure_png(cost.plot)})
    return jsonable(part)


FASTER_TOLERANCE = 0.01


def faster_part(automl: Any, tolerance: float = FASTER_TOLERANCE) -> dict[str, Any] | None:
    """What ``select_faster(tolerance)`` would pick, in words (None when nothing is timed)."""
    board = automl.leaderboard()
    timed = board[board["trial"].isin(automl.search_.members)]["predict_ms"]
    if timed.isna().any() or board["predict_ms"].notna().sum() == 0:
        return None
    metric = automl.problem_.metric
    try:
        number = faster_in_leaderboard(board, automl.search_.score, metric.greater_is_better, tolerance)
    except InputError:
        return None
    row = board.set_index("trial").loc[number]
    now = float(timed.sum())
    if number in automl.search_.members and len(automl.search_.members) == 1:
        text = (f"The model is already the fastest within {tolerance:.0%} of its score: "
                f"{now:.1f} ms to predict 1,000 rows.")
    else:
        text = (f"Within {tolerance:.0%} of the score, trial {number} ({row['family']}) predicts "
                f"1,000 rows in {row['predict_ms']:.1f} ms instead of {now:.1f} ms; its "
                f"{metric_label(metric.name)} out of fold is {row['score']:.4f} "
                f"(the model's: {automl.search_.score:.4f}).")
    return {"tolerance": tolerance, "trial": int(number), "text": text}


def pareto_part(automl: Any) -> dict[str, Any] | None:
    """After a fairness-aware search: the Pareto front (score against disparity) and its plot."""
    front_fn = getattr(automl, "pareto_front", None)
    if front_fn is None:
        return None
    try:
        front = front_fn()
    except Exception:  # a search with one objective has no front (InputError says so)
        return None
    from ..insight import FRONT_COLUMNS, plot_pareto

    objectives = [c for c in front.columns if c not in FRONT_COLUMNS]
    shown = front.drop(columns=["params"], errors="ignore")
    return {"objective": objectives[0] if objectives else "", "table": _frame_table(shown.set_index("trial")),
            "trials": [int(t) for t in front["trial"]],
            "chosen": [int(t) for t, c in zip(front["trial"], front["chosen"], strict=False) if c],
            "png": figure_png(lambda ax: plot_pareto(automl, ax=ax), size=(5.6, 4.0))}


def _frame_table(frame: pd.DataFrame, max_rows: int = 30, index_name: str | None = None) -> dict[str, Any]:
    shown = frame.head(max_rows)
    if index_name is not None or shown.index.name is None:
        shown = shown.rename_axis(index_name or "")
    shown = shown.reset_index()
    return {"columns": [str(c) for c in shown.columns],
            "rows": [[jsonable(_round(v)) for v in row] for row in shown.itertuples(index=False, name=None)]}


def _round(v: Any) -> Any:
    if isinstance(v, (float, np.floating)) and math.isfinite(v):
        return float(f"{v:.4g}")
    return v


def _plots_of(result: Any, names: tuple[str, ...]) -> list[dict[str, str]]:
    """PNG data URLs of a result's plot methods that accept ``ax=`` (whichever it has)."""
    plots = []
    for name in names:
        method = getattr(result, name, None)
        if not callable(method):
            continue
        try:
            png = figure_png(lambda ax, m=method: m(ax=ax), size=(5.6, 4.0))
        except TypeError:  # a plot method that cannot draw on a given axes
            continue
        plots.append({"name": name, "title": name.replace("plot_", "").replace("_", " "), "png": png})
    return plots


def explain_part(automl: Any, X: pd.DataFrame) -> dict[str, Any]:
    """The Explain tab: SHAP values of up to ``EXPLAIN_ROWS`` rows, by ``automl.explain``."""
    if not hasattr(automl, "explain"):
        raise NotImplementedError(MSG_NOT_AVAILABLE.format(what="Explaining the model",
                                                           method="explain"))
    rows = X if len(X) <= EXPLAIN_ROWS else X.sample(EXPLAIN_ROWS, random_state=0)
    result = automl.explain(rows)
    values = result.values
    importance = getattr(result, "importance", None)
    if not isinstance(importance, pd.Series):
        importance = values.abs().mean()
    importance = importance.sort_values(ascending=False)
    return jsonable({
        "n_rows": len(values), "output": getattr(result, "output", ""),
        "method": getattr(result, "method", ""), "seconds": getattr(result, "seconds", None),
        "base_value": getattr(result, "base_value", None),
        "notes": list(getattr(result, "notes", [])),
        "importance": [{"feature": str(k), "mean_abs_shap": float(v)}
                       for k, v in importance.head(15).items()],
        "plots": _plots_of(result, ("plot_bar", "plot_beeswarm")),
    })


def fairness_part(automl: Any, X: pd.DataFrame, y: pd.Series,
                  sensitive: pd.DataFrame) -> dict[str, Any]:
    """The Fairness tab: ``automl.fairness`` on the rows kept aside, one section per sensitive
    column (groups of one column each read more easily than their intersections)."""
    if not hasattr(automl, "fairness"):
        raise NotImplementedError(MSG_NOT_AVAILABLE.format(what="Checking fairness",
                                                           method="fairness"))
    if sensitive is None or sensitive.shape[1] == 0:
        raise ValueError(MSG_NO_SENSITIVE)
    sections = []
    for name in sensitive.columns:
        # small groups warn (AutoMLWarning); the message is also in result.notes, shown below.
        # catch_warnings is process-wide: held only around this call on the worker thread.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AutoMLWarning)
            result = automl.fairness(X, y, sensitive_features=sensitive[name])
        table = result.table() if callable(getattr(result, "table", None)) else result.by_group
        disparities = getattr(result, "disparities", {}) or {}
        if isinstance(disparities, dict):
            disparities = pd.Series(disparities, dtype=object).to_frame("value")
        sections.append({
            "sensitive": str(name), "by_group": _frame_table(table, index_name=str(name)),
            "disparities": _frame_table(disparities, index_name="measure"),
            "notes": list(getattr(result, "notes", [])),
            "plots": _plots_of(result, ("plot_by_group", "plot_disparities")),
        })
    return jsonable({"sensitive": [str(c) for c in sensitive.columns], "n_rows": len(X),
                     "sections": sections})


def export_file(automl: Any, what: str, path: str, *, X: pd.DataFrame | None = None,
                y: pd.Series | None = None, sensitive: pd.DataFrame | None = None) -> dict[str, Any]:
    """Save the model, its code or its report (``what``) to ``path``; return path and size.

    The report is given the rows kept aside (``X``, ``y``) and the sensitive columns' values,
    so that it has diagnostics, explanations and fairness sections.
    """
    if what not in EXPORTS:
        raise ValueError(f"Unknown export {what!r}; choose one of {list(EXPORTS)}.")
    method, _, description = EXPORTS[what]
    fn = getattr(automl, method, None)
    if fn is None:
        raise NotImplementedError(MSG_NOT_AVAILABLE.format(what=f"Saving {description}",
                                                           method=method))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if what == "report" and X is not None and y is not None:
        extra = {}
        if sensitive is not None and sensitive.shape[1]:
            extra["sensitive_features"] = sensitive
        fn(str(target), X, y, **extra)
    else:
        fn(str(target))
    return {"what": what, "path": str(target), "bytes": target.stat().st_size if target.exists() else None,
            "description": description}


def default_export_paths(runs_dir: str, study_name: str | None) -> dict[str, str]:
    folder = Path(runs_dir) / (study_name or "latest")
    return {what: str(folder / filename) for what, (_, filename, _) in EXPORTS.items()}
