"""The wizard's Target, Columns and Search steps: JSON-able panels and the AutoML arguments.

Everything is decided by the engine's public functions (``analyze``, ``detect_task``,
``SearchSpace``); this module only shapes their answers for people and turns the Search step's
settings into ``AutoML(...)`` keyword arguments.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ..exceptions import InputError
from ..nn import TORCH_INSTALL
from ..problem import FRIENDLY_METRICS, Problem, analyze, detect_task
from ..search import LimitNames, check_limits
from ..search.space import DEFAULT_FAMILIES, FAMILIES, OPT_IN_FAMILIES, nas_backend
from ._cluster import cluster_address
from ._data import sketch
from ._protocol import jsonable

__all__ = [
    "DEFAULT_SETTINGS",
    "PRESETS",
    "automl_kwargs",
    "columns_part",
    "search_part",
    "split_holdout",
    "target_part",
]

TASKS = ("auto", "binary", "multiclass", "regression")
METRICS = {
    "binary": ["roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1"],
    "multiclass": ["log_loss", "roc_auc", "accuracy", "balanced_accuracy", "f1"],
    "regression": ["rmse", "mae", "r2"],
}
MAX_CLASSES_SHOWN = 20
PRESETS = {
    "quick": {"label": "Quick look", "time_budget": 15,
              "help": "15 s: a first model, to see whether the data can be learned at all"},
    "balanced": {"label": "Balanced", "time_budget": 60,
                 "help": "1 minute: a good model for most tables"},
    "best": {"label": "Best quality", "time_budget": 300,
             "help": "5 minutes: many more trials and larger ensembles"},
}
# AutoML(feature_search=...): how the columns a model reads are chosen
FEATURE_SEARCHES = [
    {"value": "joint", "label": "With the model (joint)",
     "help": "each trial picks a selector and how many columns to keep, together with its model",
     "summary": ""},
    {"value": "sequential", "label": "First, then the models (sequential)",
     "help": "a quarter of the budget drops the least useful columns with a fixed model, then "
             "the search runs on the columns kept", "summary": ", choosing the columns first"},
    {"value": "pseudo_joint", "label": "In rounds with the models (pseudo-joint)",
     "help": "rounds of the search alternate with dropping the columns the best models use least",
     "summary": ", choosing the columns in rounds with the models"},
    {"value": "off", "label": "Every column", "help": "no column is left out",
     "summary": ", every column kept"},
]
MSG_FEATURE_SEARCH = "Pick how the columns are chosen: one of {valid}. Got {got!r}."
# AutoML(nas=...): how the "nas" family's networks are searched (shown when that family is checked)
NAS_MODES = [
    {"value": "standard", "label": "Standard: each network trains on its own",
     "help": "the search proposes architectures; each trains alone, and weak ones stop at the epoch "
             "rungs", "summary": ""},
    {"value": "supernet", "label": "Supernet: weight sharing (one-shot)",
     "help": "one weight-sharing network trains first and scores up to 40 of its sub-networks "
             "without training them; the best 3 train from scratch on one fold, and the best of "
             "those on every fold (as small ensembles of 8 heads; on images, as CNNs). Fewer "
             "training epochs; needs PyTorch",
     "summary": ", the networks through a weight-sharing supernet"},
]
MSG_NAS_MODE = "Pick how the networks are searched: one of {valid}. Got {got!r}."
SAMPLERS = [
    {"name": "tpe", "label": "Bayesian (TPE)",
     "help": "learns from earlier trials which settings work; the usual choice"},
    {"name": "random", "label": "Random search",
     "help": "tries settings at random: a fair baseline, and good for many parallel trials"},
    {"name": "evolutionary", "label": "Evolutionary (NSGA-II)",
     "help": "breeds new settings from a population of good ones"},
    {"name": "cmaes", "label": "CMA-ES",
     "help": "an evolution strategy for numeric settings; the rest is sampled by TPE"},
]
VALIDATIONS = [
    {"value": "auto", "label": "Automatic",
     "help": "5 folds up to 10,000 rows, 3 up to 50,000 (one 20% holdout when the time budget is short "
             "for the table), one 20% holdout above (weak trials stop on a subsample of its rows)"},
    {"value": "holdout", "label": "One holdout split", "help": "fastest, but the scores are noisier"},
    {"value": 3, "label": "3-fold cross-validation", "help": "each row is scored once, 3 fits per trial"},
    {"value": 5, "label": "5-fold cross-validation", "help": "each row is scored once, 5 fits per trial"},
    {"value": 10, "label": "10-fold cross-validation", "help": "steadiest scores; 10 fits per trial"},
]
HOLDOUTS = [0.0, 0.1, 0.2, 0.25, 0.3]
MIN_HOLDOUT_ROWS = 20
DEFAULT_SETTINGS: dict[str, Any] = {
    "preset": "quick", "time_budget": 15, "n_trials": None, "families": list(DEFAULT_FAMILIES),
    "sampler": "tpe", "cv": "auto", "holdout": 0.2, "seed": 0, "n_jobs": -1,
    "storage": "runs", "resume": None, "ensemble": True, "fairness_constraint": "none",
    "warm_start": True, "teaching": False, "feature_search": "joint", "nas": "standard",
    "executor": "local", "dask_address": "",  # "dask": the units run on the cluster at the address
}
MSG_DASK_ADDRESS = ("Give the Dask scheduler's address (for example tcp://10.0.0.5:8786), or run "
                    "the search in this kernel.")
FAIRNESS_CONSTRAINTS = {  # what AutoML(fairness={"constraint": ...}) accepts for each task
    "binary": ("none", "demographic_parity", "equalized_odds"),
    "multiclass": ("none", "demographic_parity", "equalized_odds"),
    "regression": ("none", "bounded_group_loss"),
}

WIZARD_NAMES = LimitNames("Time budget", "Maximum trials", "a time budget", "a maximum number of trials",
                          ", or empty for no limit")
MSG_BUDGET, MSG_TRIALS, MSG_NO_LIMIT = WIZARD_NAMES.messages()
MSG_FAMILIES = "Pick at least one model family."
MSG_HOLDOUT = "The part kept aside must be between 0 and 0.5 of the rows. Got {got!r}."
MSG_TARGET_MISSING = "Pick the column to predict (the target)."
MSG_TARGET_GONE = "The column {name!r} is not in this DataFrame. Pick another target."

# The "nas" choice in one line: what it does, what it costs, and what trains it here
NAS_NOTE = ("Designs the network (blocks, widths, skips) and stops weak ones after a few epochs; "
            "takes minutes, not seconds. {backend}")
NAS_TORCH = "PyTorch trains the full space."
NAS_NO_TORCH = "Without PyTorch a reduced space (scikit-learn's MLP) is searched: {install}."


def family_notes() -> dict[str, str]:
    """One line shown under a family's choice, for families that need more than a name (nas)."""
    try:
        torch = nas_backend() == "torch"
    except InputError as exc:  # JUPYTER_AUTOML_NN_BACKEND set to something else: say so
        return {"nas": NAS_NOTE.format(backend=str(exc))}
    backend = NAS_TORCH if torch else NAS_NO_TORCH.format(install=TORCH_INSTALL)
    return {"nas": NAS_NOTE.format(backend=backend)}


def _class_counts(y: pd.Series) -> list[dict[str, Any]]:
    counts = y.value_counts()
    total = max(int(counts.sum()), 1)
    return [{"label": label, "count": int(n), "fraction": int(n) / total}
            for label, n in counts.head(MAX_CLASSES_SHOWN).items()]


def target_part(df: pd.DataFrame, target: str, *, task: str = "auto", metric: str = "auto",
                positive_class: str | None = None, cv: Any = "auto", seed: int = 0,
                time_budget: float | None = None,
                feature_search: str = "joint") -> tuple[dict[str, Any], Problem | None]:
    """The Target step's panel, and the Problem when the choice is usable (else an ``error``).

    The task and metric come preselected with the engine's reason; a target the engine
    rejects (one class, infinite values...) gives its message, which says what to do.
    """
    if not target:
        return {"target": "", "error": MSG_TARGET_MISSING}, None
    if target not in df.columns:
        return {"target": target, "error": MSG_TARGET_GONE.format(name=target)}, None
    y = df[target]
    part: dict[str, Any] = {"target": target, "n_rows": int(len(df)),
                            "n_missing": int(y.isna().sum()), "error": None}
    try:
        detected, detected_reason = detect_task(y.dropna())
    except Exception:  # detection itself needs some values
        detected, detected_reason = None, ""
    part |= {"detected_task": detected, "detected_reason": detected_reason}
    if detected == "regression" or (task == "regression"):
        part["histogram"] = sketch(y, "numeric")
    else:
        part["classes"] = _class_counts(y.dropna())
        part["n_classes"] = int(y.nunique())
    try:
        problem, _, _ = analyze(df, target, task=task, metric=metric, cv=cv, seed=seed,
                                positive_class=positive_class or None, check_leakage=True,
                                time_budget=time_budget,  # folds and noise screen as the search's
                                screen_noise=feature_search != "off")
    except InputError as exc:
        part["error"] = str(exc)
        return jsonable(part), None
    summary = problem.summary()
    part |= {
        "task": problem.task, "task_reason": problem.task_reason,
        "metric": problem.metric.name, "metric_reason": problem.metric_reason,
        "direction": problem.metric.direction,
        "metric_choices": METRICS.get(problem.task, list(FRIENDLY_METRICS)),
        "positive_class": summary["positive_class"], "positive_reason": problem.positive_reason,
        "validation": summary["validation"], "notes": summary["notes"],
    }
    return jsonable(part), problem


def columns_part(problem: Problem, excluded: list[str], sensitive: list[str],
                 sensitive_reasons: dict[str, str] | None = None) -> dict[str, Any]:
    """The Columns step's panel: each column's detected role and why, and what is kept;
    ``sensitive_reasons``: why a column was suggested as sensitive (for the person to confirm)."""
    reasons = sensitive_reasons or {}
    rows = []
    n = max(problem.n_rows, 1)
    for c in problem.columns:
        leak = problem.leaks.get(c.name)
        if not c.used:
            role, why = c.kind, c.note
        elif leak is not None:
            role = "leak"
            why = (f"alone it predicts the target almost perfectly (score {leak}): if it is only "
                   "known after the outcome, leave it out")
        else:
            role, why = "feature", c.note
        rows.append({"name": c.name, "kind": c.kind, "role": role, "why": why,
                     "used_by_engine": c.used, "missing": c.n_missing / n, "n_unique": c.n_unique,
                     "included": c.used and c.name not in excluded,
                     "sensitive": c.name in sensitive, "sensitive_reason": reasons.get(c.name, "")})
    n_used = sum(r["included"] for r in rows)
    return jsonable({"target": problem.target, "columns": rows, "n_used": n_used,
                     "n_columns": len(rows), "sensitive": list(sensitive)})


def search_part(settings: dict[str, Any], *, n_rows: int, studies: list[dict[str, Any]],
                fairness_available: bool, task: str = "binary") -> dict[str, Any]:
    """The Search step's panel: the choices, presets, earlier studies and a one-line summary."""
    try:
        kwargs = automl_kwargs(settings, runs_dir="automl_runs")
        error = None
    except InputError as exc:
        kwargs, error = None, str(exc)
    return jsonable({
        "families": [{"name": f.name, "label": f.label, "help": f.help} for f in FAMILIES.values()],
        "family_notes": family_notes(),
        "presets": [{"name": k, **v} for k, v in PRESETS.items()],
        "samplers": SAMPLERS, "validations": VALIDATIONS, "holdouts": HOLDOUTS,
        "feature_searches": FEATURE_SEARCHES, "nas_modes": NAS_MODES,
        "n_cores": os.cpu_count() or 1, "studies": studies,
        "fairness_available": fairness_available,
        "fairness_constraints": list(FAIRNESS_CONSTRAINTS.get(task, ("none",))),
        "summary": None if kwargs is None else summary_line(settings, n_rows), "error": error,
    })


def summary_line(settings: dict[str, Any], n_rows: int) -> str:
    """What the search will do, in one sentence."""
    s = DEFAULT_SETTINGS | settings
    limits = []
    if s["time_budget"]:
        limits.append(f"for up to {float(s['time_budget']):g} s")
    if s["n_trials"]:  # "in" when it is the only limit: "Search ... in at most 4 trials"
        limits.append(f"{'' if limits else 'in '}at most {int(s['n_trials'])} trials")
    families = [FAMILIES[f].label.lower() for f in s["families"] if f in FAMILIES]
    left_out = [f for f in FAMILIES if f not in s["families"]]
    which = ", ".join(families)
    if list(s["families"]) == ["nas"]:  # not "Search neural architecture search"
        which = "neural network architectures"
    elif not left_out:
        which = "every model family"
    elif set(left_out) <= set(OPT_IN_FAMILIES):  # the default: opt-in families are unchecked
        which = "every model family except " + ", ".join(FAMILIES[f].label.lower() for f in left_out)
    sampler = next((x["label"] for x in SAMPLERS if x["name"] == s["sampler"]), s["sampler"])
    held = int(round(float(s["holdout"]) * n_rows))
    kept = (f"; {float(s['holdout']):.0%} of the rows ({held:,}) are kept aside to test the chosen "
            "model" if held else "; no rows kept aside (the results show cross-validated scores only)")
    resume = f", continuing study {s['resume']!r}" if s.get("resume") else ""
    warm = ", starting with what worked on similar data" if s.get("warm_start", True) else ""
    columns = next((x["summary"] for x in FEATURE_SEARCHES if x["value"] == s.get("feature_search")), "")
    if "nas" in s["families"]:
        columns += next((x["summary"] for x in NAS_MODES if x["value"] == s.get("nas")), "")
    where = f", on the Dask cluster at {cluster_address(s)}" if cluster_address(s) else ""
    return (f"Search {which} {' and '.join(limits)} with {sampler}{where}{resume}{warm}{columns}{kept}.")


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def automl_kwargs(settings: dict[str, Any], *, runs_dir: str) -> dict[str, Any]:
    """``AutoML(...)`` keyword arguments for the Search step's settings (validated)."""
    s = DEFAULT_SETTINGS | dict(settings or {})
    try:
        budget = _number(s["time_budget"])
    except (TypeError, ValueError):
        raise InputError(MSG_BUDGET.format(got=s["time_budget"])) from None
    try:
        trials = _number(s["n_trials"])
    except (TypeError, ValueError):
        raise InputError(MSG_TRIALS.format(got=s["n_trials"])) from None
    if trials is not None and trials == int(trials):
        trials = int(trials)  # a whole number typed in a field arrives as a float
    check_limits(budget, trials, WIZARD_NAMES, shown=(s["time_budget"], s["n_trials"]))
    families = [f for f in s["families"] if f in FAMILIES]
    if not families:
        raise InputError(MSG_FAMILIES)
    holdout = float(s["holdout"] or 0)
    if not 0 <= holdout <= 0.5:
        raise InputError(MSG_HOLDOUT.format(got=s["holdout"]))
    feature_search = s.get("feature_search") or "joint"
    if feature_search not in [x["value"] for x in FEATURE_SEARCHES]:
        raise InputError(MSG_FEATURE_SEARCH.format(valid=[x["value"] for x in FEATURE_SEARCHES],
                                                   got=feature_search))
    nas = s.get("nas") or "standard"
    if nas not in [x["value"] for x in NAS_MODES]:
        raise InputError(MSG_NAS_MODE.format(valid=[x["value"] for x in NAS_MODES], got=nas))
    cv = s["cv"]
    if isinstance(cv, str) and cv.isdigit():
        cv = int(cv)
    kwargs: dict[str, Any] = {
        "time_budget": budget, "n_trials": None if trials is None else int(trials),
        "families": families, "sampler": s["sampler"], "cv": cv, "seed": int(s["seed"] or 0),
        "n_jobs": int(s["n_jobs"] or -1), "ensemble": bool(s["ensemble"]), "runs_dir": runs_dir,
        "warm_start": s.get("warm_start") is not False, "feature_search": feature_search,
    }
    if "nas" in families:  # it only changes how that family is searched
        kwargs["nas"] = nas
    address = cluster_address(s)
    if s.get("executor") == "dask":
        if not address:
            raise InputError(MSG_DASK_ADDRESS)
        kwargs |= {"executor": "dask", "dask_client": address}
    if s["storage"] == "memory":
        kwargs["storage"] = "memory"
    elif s.get("resume"):
        kwargs["study_name"] = s["resume"]
    return kwargs


def split_holdout(X: pd.DataFrame, y: pd.Series, fraction: float, *, seed: int,
                  classification: bool) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame | None,
                                                 pd.Series | None, str]:
    """Keep ``fraction`` of the rows aside (stratified for classification); say what was done."""
    known = y.notna().to_numpy()
    n_holdout = int(round(fraction * known.sum()))
    if fraction <= 0:
        return X, y, None, None, "no rows were kept aside"
    if n_holdout < MIN_HOLDOUT_ROWS:
        return X, y, None, None, (f"no rows were kept aside: {fraction:.0%} of {known.sum()} rows "
                                  f"is fewer than {MIN_HOLDOUT_ROWS}")
    stratify = None
    if classification:
        counts = y[known].value_counts()
        if counts.min() >= 2 and n_holdout >= len(counts):
            stratify = y[known]
    idx = np.flatnonzero(known)
    train_idx, hold_idx = train_test_split(idx, test_size=n_holdout, random_state=seed,
                                           stratify=stratify)
    train_idx = np.sort(np.concatenate([train_idx, np.flatnonzero(~known)]))
    hold_idx = np.sort(hold_idx)
    how = "stratified by class" if stratify is not None else "at random"
    return (X.iloc[train_idx], y.iloc[train_idx], X.iloc[hold_idx], y.iloc[hold_idx],
            f"{len(hold_idx):,} rows ({fraction:.0%}) were kept aside {how} to test the chosen model")
