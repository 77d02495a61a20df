"""The unit of work: fit one configuration on one fold and score it. Pure and stateless.

Executors run these functions in threads, processes or on a Dask cluster; they get everything
they need as arguments (a ``TrainingData`` shipped once per worker, a configuration, a fold) and
return plain results. Errors are returned as data, never raised, so a failing trial is recorded.
"""

from __future__ import annotations

import pickle
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble._forest import BaseForest
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from ..nn import warm_up
from ..problem import Problem
from ._epochs import UNIT_OPTION, EpochRun, fit_by_epoch, trains_by_epoch
from .space import build_pipeline

MAX_REASON_CHARS = 400
LATENCY_ROWS = 1000  # "predict time for 1,000 rows" is timed on one batch of this size


@dataclass(frozen=True)
class TrainingData:
    """What every unit of work needs: the data, the problem and the seed."""

    X: pd.DataFrame
    y: np.ndarray
    problem: Problem
    seed: int
    plugin: Any = None  # a SearchPlugin, or None


@dataclass(frozen=True)
class FoldResult:
    """The outcome of one fold: a score and the validation predictions, or an error."""

    fold: int
    score: float | None
    fit_time: float
    predict_time: float
    valid_pred: np.ndarray | None
    error: str | None = None
    error_type: str | None = None
    truncated: bool = False  # the unit stopped at its deadline before the fit was complete
    n_predicted: int = 0  # validation rows predicted (predict_time covers them)
    model_bytes: int | None = None  # size of the fitted model, pickled (measured on the first fold)
    epoch_scores: tuple[float, ...] = ()  # a network's validation score after each epoch
    pruned: str | None = None  # why an epoch rung stopped a network (it still has its score)
    worker: str | None = None  # the Dask worker's address that ran it (None off Dask)
    batch_ms: float | None = None  # timed on one batch of LATENCY_ROWS rows (first fold, small folds)

    @property
    def predict_ms_per_1k(self) -> float | None:
        """Milliseconds to predict 1,000 rows, scaled from this fold's validation rows (a trial
        prefers ``batch_ms`` where the first fold timed a real batch: ``describe_trial``)."""
        return None if not self.n_predicted else 1e6 * self.predict_time / self.n_predicted

    @property
    def ok(self) -> bool:
        return self.error is None and not self.truncated


def _rows(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def predict_aligned(model: Any, X: Any, problem: Problem) -> np.ndarray:
    """Predictions in the problem's layout: class probabilities over ``problem.classes`` or numbers.

    A fold may lack a rare class; its probability column is then zero.
    """
    if not problem.is_classification:
        return np.asarray(model.predict(X), dtype=float)
    proba = np.asarray(model.predict_proba(X), dtype=float)
    model_classes = np.asarray(model.classes_)
    if len(model_classes) == len(problem.classes) and np.all(model_classes == problem.classes):
        return proba
    out = np.zeros((proba.shape[0], len(problem.classes)))
    out[:, np.searchsorted(problem.classes, model_classes)] = proba
    return out


def describe_error(exc: BaseException) -> tuple[str, str]:
    """A one-line reason and the error type, for the leaderboard."""
    if isinstance(exc, MemoryError):
        return "ran out of memory", "MemoryError"
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (in {last[0].name})" if last else ""
    reason = f"{type(exc).__name__}: {exc}{where}"
    return reason[:MAX_REASON_CHARS], type(exc).__name__


FOREST_CHUNKS = 8  # a forest grows in this many steps, checking its deadline between them


def fit_within(model: Any, X: Any, y: np.ndarray, deadline: float | None) -> bool:
    """Fit ``model``; grow a forest in chunks and stop at ``deadline`` (``time.time()``).

    Forests are the slowest fits and the easiest to stop: a forest with fewer trees is still a
    valid model. Returns True when the fit was cut short. Other models fit in one go.
    """
    forest = model.steps[-1][1] if isinstance(model, Pipeline) else None
    if deadline is None or not isinstance(forest, BaseForest):
        model.fit(X, y)
        return False
    Xt = Pipeline(model.steps[:-1]).fit_transform(X, y)
    target = forest.n_estimators
    step = max(1, -(-target // FOREST_CHUNKS))
    forest.set_params(warm_start=True)
    grown = 0
    while grown < target:
        grown = min(target, grown + step)
        forest.set_params(n_estimators=grown).fit(Xt, y)
        if grown < target and time.time() > deadline:
            break
    forest.set_params(warm_start=False)
    return grown < target


def _batch_ms(model: Any, X: Any, valid: np.ndarray, problem: Any) -> float | None:
    """Milliseconds to predict ``LATENCY_ROWS`` rows in one call (the validation rows repeated),
    when the fold has fewer: scaling a small fold's time up would multiply the pipeline's fixed
    cost per call (a linear model on 200 rows: 150 ms "per 1,000 rows" for a 30 ms call)."""
    if len(valid) >= LATENCY_ROWS:
        return None
    rows = _rows(X, np.resize(valid, LATENCY_ROWS))
    t0 = time.perf_counter()
    predict_aligned(model, rows, problem)
    return 1e3 * (time.perf_counter() - t0)


def run_fold(data: TrainingData, params: dict[str, Any], fold: int,
             deadline: float | None = None) -> FoldResult:
    """Fit ``params`` on fold ``fold``'s training rows; score it on its validation rows.

    ``deadline`` (``time.time()``) lets slow fits stop early; the result is then ``truncated``.
    A network trains epoch by epoch, scored after each (``_epochs``); ``params[UNIT_OPTION]``,
    if there, holds the epoch rungs' thresholds that may stop it early (``pruned``).
    OpenMP (histogram gradient boosting) gets one thread: units run one per core, and OpenMP
    threads that wait for a busy core spin, which made fits up to 20 times slower on a loaded
    machine.
    """
    train, valid = data.problem.splits.folds[fold]
    rungs = params.get(UNIT_OPTION)
    params = {k: v for k, v in params.items() if k != UNIT_OPTION}
    t0 = time.perf_counter()
    fit_time = 0.0
    run = None
    try:
        with threadpool_limits(1, user_api="openmp"):
            model = build_pipeline(data.problem, params, data.seed, data.plugin)
            if trains_by_epoch(model):
                if params.get("nas.backend") == "torch":
                    # torch's one-time start-up (seconds) is not this fit's time: counted in, it
                    # made the first network look 10 times slower than it is to the budget
                    warm_up()
                    t0 = time.perf_counter()
                run = fit_by_epoch(model, _rows(data.X, train), data.y[train], _rows(data.X, valid),
                                   data.y[valid], data.problem, rungs=rungs, fold=fold,
                                   deadline=deadline)
                truncated = run.truncated
            else:
                truncated = fit_within(model, _rows(data.X, train), data.y[train], deadline)
            fit_time = time.perf_counter() - t0
            if truncated:
                return FoldResult(fold, None, fit_time, 0.0, None, truncated=True, **_epochs_of(run))
            t1 = time.perf_counter()
            pred = predict_aligned(model, _rows(data.X, valid), data.problem)
            predict_time = time.perf_counter() - t1
            batch_ms = _batch_ms(model, data.X, valid, data.problem) if fold == 0 else None
        if not np.all(np.isfinite(pred)):
            raise ValueError("the model predicted NaN or infinite values")
        score = data.problem.metric.score(data.y[valid], pred)
        if not np.isfinite(score):
            raise ValueError(f"the metric {data.problem.metric.name} is {score} on this fold")
    except Exception as exc:  # failures are data: recorded, and the search goes on
        reason, kind = describe_error(exc)
        return FoldResult(fold, None, fit_time or time.perf_counter() - t0, 0.0, None, reason, kind)
    return FoldResult(fold, score, fit_time, predict_time, pred.astype(np.float32),
                      n_predicted=len(valid), model_bytes=model_size(model) if fold == 0 else None,
                      batch_ms=batch_ms,
                      **_epochs_of(run))


def _epochs_of(run: EpochRun | None) -> dict[str, Any]:
    return {} if run is None else {"epoch_scores": tuple(run.scores), "pruned": run.pruned}


def model_size(model: Any) -> int | None:
    """Bytes of the fitted model, pickled (what saving it costs, roughly); None if it won't pickle."""
    try:
        return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # a model that cannot be pickled is still a model
        return None


def refit(data: TrainingData, params: dict[str, Any], deadline: float | None = None,
          rows: np.ndarray | None = None) -> Any:
    """Fit ``params`` on every training row (or on ``rows``: a share that fits the time left, on
    large tables); returns the fitted Pipeline (errors propagate).

    A forest still growing at ``deadline`` keeps the trees it has (see ``fit_within``). One
    OpenMP thread, as in ``run_fold``: refits run side by side too.
    """
    with threadpool_limits(1, user_api="openmp"):
        model = build_pipeline(data.problem, params, data.seed, data.plugin)
        if rows is None:
            fit_within(model, data.X, data.y, deadline)
        else:
            fit_within(model, _rows(data.X, rows), data.y[rows], deadline)
        return model
