"""The systems a benchmark run compares: jupyter_automl and three plain baselines.

Each system is a function ``(split, budget, seed) -> Outcome``: it fits on the training part,
times its own fit and predict, and returns the test predictions. The baselines match the
anchor table's: ``constant`` (class prior / mean), ``rf_default`` (RandomForest, median
imputation, one-hot encoding) and ``hgb_default`` (HistGradientBoosting with native categorical
support). Heavy imports happen inside each function so a baseline's process stays light.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from _protocol import PRIMARY, Split

SYSTEMS = ("constant", "rf_default", "hgb_default", "jupyter_automl")
BASELINES = ("constant", "rf_default", "hgb_default")


@dataclass
class Outcome:
    """What one system did on one split. ``extra`` holds system-specific figures."""

    pred: np.ndarray
    proba: np.ndarray | None
    classes: Any
    fit_s: float
    predict_s: float
    extra: dict[str, Any] = field(default_factory=dict)


def _columns(split: Split) -> tuple[list[str], list[str]]:
    cats = [c for c in split.meta.get("categorical_columns", []) if c in split.X_train.columns]
    nums = [c for c in split.X_train.columns if c not in cats]
    return nums, cats


def _fit_predict(model: Any, split: Split) -> Outcome:
    classification = split.task != "regression"
    t0 = time.perf_counter()
    model.fit(split.X_train, split.y_train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = model.predict(split.X_test)
    proba = model.predict_proba(split.X_test) if classification else None
    predict_s = time.perf_counter() - t0
    return Outcome(pred, proba, getattr(model, "classes_", None), fit_s, predict_s)


def run_constant(split: Split, budget: float, seed: int) -> Outcome:
    from sklearn.dummy import DummyClassifier, DummyRegressor

    if split.task == "regression":
        return _fit_predict(DummyRegressor(strategy="mean"), split)
    return _fit_predict(DummyClassifier(strategy="prior"), split)


def run_rf_default(split: Split, budget: float, seed: int) -> Outcome:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    nums, cats = _columns(split)
    # One-hot treats a missing category as a category of its own; unseen test values are zeros.
    prep = ColumnTransformer([
        ("num", SimpleImputer(strategy="median"), nums),
        ("cat", OneHotEncoder(handle_unknown="ignore"), cats),
    ])
    cls = RandomForestRegressor if split.task == "regression" else RandomForestClassifier
    return _fit_predict(Pipeline([("prep", prep), ("model", cls(n_jobs=-1, random_state=seed))]), split)


def run_hgb_default(split: Split, budget: float, seed: int) -> Outcome:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    nums, cats = _columns(split)
    # Categories become integer codes that HGB splits on natively (categorical_features by name);
    # missing and unseen values are NaN, which HGB routes as missing.
    prep = ColumnTransformer(
        [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                encoded_missing_value=np.nan), cats)],
        remainder="passthrough", verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    cls = HistGradientBoostingRegressor if split.task == "regression" else HistGradientBoostingClassifier
    model = cls(categorical_features=cats or None, random_state=seed)
    return _fit_predict(Pipeline([("prep", prep), ("model", model)]), split)


def run_jupyter_automl(split: Split, budget: float, seed: int) -> Outcome:
    """``AutoML(task, matched metric, time_budget, seed, storage="memory")`` through ``fit_async``.

    Measures the time from calling ``fit_async`` to the first TrialFinished event (on the
    coordinator thread, where events are delivered synchronously) and to its return.
    """
    from jupyter_automl import AutoML

    kwargs: dict[str, Any] = {}
    if split.task == "binary":
        kwargs["positive_class"] = split.meta["positive_class"]
    automl = AutoML(task=split.task, metric=PRIMARY[split.task], time_budget=budget, seed=seed,
                    storage="memory", **kwargs)
    marks: dict[str, float] = {}
    t0 = time.monotonic()

    def on_event(event: Any) -> None:
        now = time.monotonic()
        if event.kind == "trial_finished" and "first_trial" not in marks:
            marks["first_trial"] = now
            marks["first_trial_event_t"] = event.t
        elif event.kind == "refit_started" and "refit" not in marks:
            marks["refit"] = now

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        handle = automl.fit_async(split.X_train, split.y_train)
        returned = time.monotonic()
        handle.subscribe(on_event)  # replays anything emitted before this line
        handle.wait()
        fit_s = time.monotonic() - t0
        handle.result()  # raises the search's error, if any
    t1 = time.perf_counter()
    pred = automl.predict(split.X_test)
    proba = automl.predict_proba(split.X_test) if split.task != "regression" else None
    predict_s = time.perf_counter() - t1

    progress = handle.progress()
    finished = next((e for e in reversed(handle.events()) if e.kind == "search_finished"), None)
    first = marks.get("first_trial")
    extra = {
        "first_trial_s": None if first is None else round(first - t0, 3),
        "fit_async_return_s": round(returned - t0, 3),
        "refit_started_s": None if "refit" not in marks else round(marks["refit"] - t0, 3),
        "n_finished": progress["n_finished"],
        "n_pruned": progress["n_pruned"] + progress["n_stopped"],
        "n_failed": progress["n_failed"],
        "model": automl.search_.description,
        "end_reason": automl.search_.reason,
        "cv_score": automl.cv_score_,
        "notes": list(automl.search_.notes),
        "warnings": sorted({f"{w.category.__name__}: {w.message}" for w in caught})[:20],
        "search_duration": None if finished is None else finished.duration,
    }
    return Outcome(pred, proba, automl.classes_ if split.task != "regression" else None,
                   fit_s, predict_s, extra)


RUNNERS: dict[str, Callable[[Split, float, int], Outcome]] = {
    "constant": run_constant,
    "rf_default": run_rf_default,
    "hgb_default": run_hgb_default,
    "jupyter_automl": run_jupyter_automl,
}
