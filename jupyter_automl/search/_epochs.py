"""Epoch-level pruning of the "nas" family: successive halving with epochs as the fidelity.

A network is scored on its validation rows after every epoch. At the rungs (epochs 3, 9, 27, 81:
``MIN_EPOCHS * REDUCTION**k``) it goes on only if its score is among the best ``1/REDUCTION`` of
the scores every earlier network reached at that rung (its own included): the rule of Optuna's
``SuccessiveHalvingPruner`` (asynchronous successive halving). The decision is taken inside the
unit of work, which may run in another process, so the coordinator ships each rung's threshold
with the unit (``rung_thresholds``, through ``FoldPruning.unit_params``) and the unit compares
(``fit_by_epoch``). Rungs apply to a trial's first fold, the one every trial scores; its other
folds then train to the end (and the fold-level pruner still judges them). The first fold's curve
is kept as the trial's user attribute ``epoch_scores``, not as Optuna intermediate values: Optuna's
pruners judge a trial at its last reported step, so epoch steps after the fold steps would make
the fold-level pruner judge every later fold by the first fold's last epoch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ..problem import Problem

MIN_EPOCHS = 3  # the first rung
REDUCTION = 3  # keep the best third at each rung
BOOTSTRAP = 3  # networks that must have reached a rung before it prunes anyone
UNIT_OPTION = "_rungs"  # the key of the rung thresholds in a unit's params (not part of the config)
PRUNED_AT_EPOCH = ("pruned at epoch {epoch} of {max_epochs} (fold {fold}): its validation score "
                   "{score:.4g} is not in the best third of the {n} networks scored at that epoch "
                   "(it needed {threshold:.4g})")


@dataclass(frozen=True)
class Rung:
    """A rung's threshold: the score to equal or beat to go on, among ``n`` networks."""

    threshold: float
    n: int


def rungs_below(max_epochs: int) -> list[int]:
    """The rung epochs before ``max_epochs`` (a trial that reaches ``max_epochs`` is done).

    Examples
    --------
    >>> rungs_below(73), rungs_below(20), rungs_below(3)
    ([3, 9, 27], [3, 9], [])
    """
    out, epoch = [], MIN_EPOCHS
    while epoch < max_epochs:
        out.append(epoch)
        epoch *= REDUCTION
    return out


def rung_thresholds(curves: list[list[float]], greater_is_better: bool,
                    max_epochs: int = 10_000) -> dict[int, Rung]:
    """Each rung's threshold from the first-fold curves of earlier networks (epoch scores,
    pruned networks' partial curves included), by successive halving's rule: with ``n`` earlier
    scores at a rung and the new one, the best ``(n + 1) // REDUCTION`` (at least one) go on.

    Examples
    --------
    >>> curves = [[0.5, 0.6, 0.7], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]
    >>> rung_thresholds(curves, greater_is_better=True)
    {3: Rung(threshold=0.9, n=3)}
    """
    out = {}
    for epoch in rungs_below(max_epochs):
        scores = [c[epoch - 1] for c in curves if len(c) >= epoch]
        if len(scores) < BOOTSTRAP:
            break  # later rungs have no more networks than this one
        ranked = sorted(scores, reverse=greater_is_better)
        k = max(0, (len(scores) + 1) // REDUCTION - 1)
        out[epoch] = Rung(float(ranked[k]), len(scores))
    return out


@dataclass
class EpochRun:
    """What ``fit_by_epoch`` did: the score after each epoch, and why it stopped early if it did."""

    scores: list[float]
    pruned: str | None = None  # the reason, when a rung stopped it
    truncated: bool = False  # the deadline passed before the last epoch


def trains_by_epoch(model: Any) -> bool:
    """Whether ``model`` is a Pipeline ending in a network trained epoch by epoch."""
    return isinstance(model, Pipeline) and hasattr(model.steps[-1][1], "iter_epochs")


def aligned_predictions(pred: np.ndarray, classes: Any, problem: Problem) -> np.ndarray:
    """Validation predictions in the problem's layout (as ``predict_aligned`` makes them)."""
    if not problem.is_classification:
        return np.asarray(pred, dtype=float)
    classes = np.asarray(classes)
    if len(classes) == len(problem.classes) and np.all(classes == problem.classes):
        return np.asarray(pred, dtype=float)
    out = np.zeros((pred.shape[0], len(problem.classes)))
    out[:, np.searchsorted(problem.classes, classes)] = pred
    return out


def fit_by_epoch(model: Pipeline, X: Any, y: np.ndarray, X_valid: Any, y_valid: np.ndarray,
                 problem: Problem, *, rungs: dict[int, Rung] | None = None, fold: int = 0,
                 deadline: float | None = None) -> EpochRun:
    """Fit ``model``'s preprocessing, then its network epoch by epoch, scoring each epoch on the
    validation rows; stop at a rung where the score falls short of ``rungs``' threshold, or when
    ``deadline`` (``time.time()``) passes. The model is then the network as it was at that epoch.

    Raises
    ------
    ValueError
        An epoch's predictions or score are not finite (the network diverged).
    """
    rungs = rungs or {}
    metric = problem.metric
    prep = Pipeline(model.steps[:-1])
    net = model.steps[-1][1]
    Xt = prep.fit_transform(X, y)
    Xv = prep.transform(X_valid)
    run = EpochRun(scores=[])
    for epoch, pred in net.iter_epochs(Xt, y, Xv):
        pred = aligned_predictions(pred, getattr(net, "classes_", None), problem)
        score = metric.score(y_valid, pred) if np.all(np.isfinite(pred)) else np.nan
        if not np.isfinite(score):
            raise ValueError(f"the network's validation score is {score} after epoch {epoch}")
        run.scores.append(float(score))
        rung = rungs.get(epoch)
        if rung is not None and not (score == rung.threshold or metric.is_better(score, rung.threshold)):
            run.pruned = PRUNED_AT_EPOCH.format(epoch=epoch, max_epochs=net.max_epochs, fold=fold + 1,
                                                score=score, n=rung.n, threshold=rung.threshold)
            break
        if deadline is not None and time.time() > deadline and epoch < net.max_epochs:
            run.truncated = True
            break
    return run


def with_rungs(params: dict[str, Any], fold: int, records: Any, metric: Any, *,
               enabled: bool = True) -> dict[str, Any]:
    """A unit's params, with the rung thresholds when pruning is ``enabled``, it is a trial's
    first fold and earlier networks' curves make rungs (units of other families ignore them)."""
    if fold != 0 or not enabled:
        return params
    curves = [r.epoch_scores for r in records if r.epoch_scores and r.params is not params]
    rungs = rung_thresholds(curves, metric.greater_is_better)
    return params | {UNIT_OPTION: rungs} if rungs else params


def note_epochs(rec: Any, result: Any, trial: Any) -> None:
    """Keep a network's epochs on its TrialRecord and its Optuna trial (user attributes
    ``epochs``, the most of a fold, and ``epochs_total``, summed over folds), and the first fold's curve too (``epoch_scores``: later trials are judged
    against it, a resumed or shared study included)."""
    if not result.epoch_scores:
        return
    rec.epochs = max(rec.epochs or 0, len(result.epoch_scores))
    rec.epochs_total += len(result.epoch_scores)
    trial.set_user_attr("epochs", rec.epochs)
    trial.set_user_attr("epochs_total", rec.epochs_total)
    if result.fold == 0:
        rec.epoch_scores = list(result.epoch_scores)
        trial.set_user_attr("epoch_scores", rec.epoch_scores)


def stopped_reason(result: Any) -> str:
    """Why a trial whose fold ``result`` was cut at the deadline stopped (a network: at which epoch)."""
    at = f" at epoch {len(result.epoch_scores)}" if result.epoch_scores else ""
    return f"stopped during fold {result.fold + 1}{at}: the time budget ran out"


LEARNING_CURVE_COLUMNS = ["trial", "family", "status", "epoch", "score"]
"""Columns of ``SearchHandle.learning_curves()``: one row per trial and epoch, the validation
score of the trial's first fold after that ``epoch`` (from 1); ``status`` is the trial's (running,
finished, pruned, stopped, failed): a pruned network's curve ends at the epoch it stopped at."""


def learning_curves_frame(records: Any) -> pd.DataFrame:
    """The first-fold epoch curves of the networks among ``records`` (TrialRecords), trial by
    trial in trial order; empty (with the columns) when no network has scored a first fold yet."""
    rows = [(r.number, r.family, r.state, epoch, float(score))
            for r in sorted(records, key=lambda r: r.number) if r.epoch_scores
            for epoch, score in enumerate(list(r.epoch_scores), start=1)]
    frame = pd.DataFrame(rows, columns=LEARNING_CURVE_COLUMNS)
    return frame.astype({"trial": int, "epoch": int, "score": float})
