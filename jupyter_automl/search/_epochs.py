"""Epoch-level pruning of the "nas" family: successive halving with epochs as the fidelity.

A network is scored on its validation rows after every epoch. At the rungs (30 % and 90 % of its
epochs: ``rungs_below``) it goes on only if its score is among the best ``1/REDUCTION`` of the
scores every earlier network reached at that epoch (its own included), from the second network on:
the rule of Optuna's ``SuccessiveHalvingPruner`` (asynchronous successive halving, its
``bootstrap_count=0``). The first rung comes after the learning-rate warm-up (at most 20 % of the
steps): on wine, 39 random networks of the space, most still scored near chance at epochs 3 and 9
of 100, and rungs there stopped the eventual best in most orders (``benchmarks/README.md``,
"Epoch-level pruning"). The decision is taken inside the unit of work, which may run in another
process, so the coordinator ships the thresholds with the unit (``rung_thresholds``, through
``FoldPruning.unit_params``) and the unit compares at its own rungs (``fit_by_epoch``). Rungs
apply to a trial's first fold, the one every trial scores; its other folds then train to the end
(and the fold-level pruner still judges them). The first fold's curve is kept as the trial's user
attribute ``epoch_scores``, not as Optuna intermediate values: Optuna's pruners judge a trial at
its last reported step, so epoch steps after the fold steps would make the fold-level pruner judge
every later fold by the first fold's last epoch.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ..problem import Problem

MIN_EPOCHS = 3  # no rung before this epoch
FIRST_RUNG = 0.3  # of a network's epochs: the first rung (then every REDUCTION times as many)
REDUCTION = 3  # keep the best third at each rung
BOOTSTRAP = 1  # networks that must have reached a rung before it judges anyone
UNIT_OPTION = "_rungs"  # the key of the rung thresholds in a unit's params (not part of the config)
PRUNED_AT_EPOCH = ("pruned at epoch {epoch} of {max_epochs} (fold {fold}): its validation score "
                   "{score:.4g} is not in the best third at that epoch, among itself and the {n} "
                   "earlier network(s) scored there (it needed {threshold:.4g})")


@dataclass(frozen=True)
class Rung:
    """A rung's threshold: the score to equal or beat to go on, among ``n`` networks."""

    threshold: float
    n: int


def rungs_below(max_epochs: int) -> list[int]:
    """The rung epochs of a network trained for ``max_epochs`` (one that reaches them is done):
    ``FIRST_RUNG`` of them, then ``REDUCTION`` times as many, and so on.

    Examples
    --------
    >>> rungs_below(100), rungs_below(73), rungs_below(20), rungs_below(3)
    ([30, 90], [22, 66], [6, 18], [])
    """
    out, epoch = [], max(MIN_EPOCHS, math.ceil(FIRST_RUNG * max_epochs - 1e-9))
    while epoch < max_epochs:
        out.append(epoch)
        epoch *= REDUCTION
    return out


def rung_thresholds(curves: list[list[float]], greater_is_better: bool) -> dict[int, Rung]:
    """The threshold at every epoch that ``BOOTSTRAP`` earlier networks reached, from their
    first-fold curves (epoch scores, pruned networks' partial curves included), by successive
    halving's rule: with ``n`` earlier scores at an epoch and the new one, the best
    ``(n + 1) // REDUCTION`` (at least one) go on. A network's epoch budget depends on its batch
    size, so the unit picks its own rungs among these (``fit_by_epoch``).

    Examples
    --------
    >>> curves = [[0.5, 0.6, 0.7], [0.4, 0.5, 0.6], [0.7, 0.8]]
    >>> rung_thresholds(curves, greater_is_better=True)
    {1: Rung(threshold=0.7, n=3), 2: Rung(threshold=0.8, n=3), 3: Rung(threshold=0.7, n=2)}
    """
    out = {}
    for epoch in range(1, max((len(c) for c in curves), default=0) + 1):
        scores = [c[epoch - 1] for c in curves if len(c) >= epoch]
        if len(scores) < BOOTSTRAP:
            break  # later epochs have no more networks than this one
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
    at = set(rungs_below(net.max_epochs))  # this network's rungs, among the epochs ``rungs`` judges
    for epoch, pred in net.iter_epochs(Xt, y, Xv):
        pred = aligned_predictions(pred, getattr(net, "classes_", None), problem)
        score = metric.score(y_valid, pred) if np.all(np.isfinite(pred)) else np.nan
        if not np.isfinite(score):
            raise ValueError(f"the network's validation score is {score} after epoch {epoch}")
        run.scores.append(float(score))
        rung = rungs.get(epoch) if epoch in at else None
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
