"""Greedy ensemble selection (Caruana et al., 2004) over out-of-fold predictions.

Start from the best model; repeatedly add (with replacement) the model whose addition most
improves the averaged predictions' score; keep the best prefix. Weights are the counts.

On few rows the out-of-fold scores are noisy and the greedy steps fit that noise (wine, 133 rows:
the weight went to near-identical logistic regressions that looked best out of fold only). There
the selection is bagged (Caruana et al., 2006): it runs on bootstrap samples of the rows and the
weights are averaged; when that average does not beat the best single model out of fold, the
plain selection is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..problem import Metric

MAX_CANDIDATES = 15
N_ROUNDS = 25
MAX_ROWS = 20_000  # rows scored per step on large data (a fixed random subset)
BAGGED_MAX_ROWS = 2_000  # up to this many rows the selection is bagged
N_BAGS = 20


@dataclass(frozen=True)
class EnsembleSelection:
    indices: list[int]  # into the candidate list
    weights: np.ndarray
    score: float  # of the weighted average, out of fold
    single_score: float  # of the best candidate alone, out of fold


def select_ensemble(preds: list[np.ndarray], y: np.ndarray, metric: Metric,
                    seed: int = 0, n_rounds: int = N_ROUNDS, n_bags: int | None = None) -> EnsembleSelection:
    """Choose weights for ``preds`` (out-of-fold predictions, same rows) to optimise ``metric``.

    ``n_bags``: bootstrap samples to average the selection over (default: ``N_BAGS`` up to
    ``BAGGED_MAX_ROWS`` rows, otherwise one selection on every row).
    """
    rng = np.random.default_rng(seed)
    if len(y) > MAX_ROWS:
        rows = rng.choice(len(y), MAX_ROWS, replace=False)
        preds, y = [p[rows] for p in preds], y[rows]
    stack = np.stack([p.astype(np.float64) for p in preds])  # candidates first
    score = metric.batch_scorer_for(y)
    singles = score(stack)
    best = _best_index(singles, metric)
    if n_bags is None:
        n_bags = N_BAGS if len(y) <= BAGGED_MAX_ROWS else 1
    plain = _selection(_greedy(stack, score, metric, n_rounds), stack, score, singles[best])
    if n_bags <= 1:
        return plain
    counts = np.zeros(len(stack))
    for _ in range(n_bags):
        rows = rng.choice(len(y), len(y), replace=True)
        bag = _greedy(stack[:, rows], metric.batch_scorer_for(y[rows]), metric, n_rounds)
        counts += bag / bag.sum()
    bagged = _selection(counts, stack, score, singles[best])
    # the averaged weights are not fit to these rows, so they may score below the best single
    # model here (which was picked on these rows): then the plain selection, which never does
    return bagged if metric.is_better(bagged.score, bagged.single_score) else plain


def _selection(counts: np.ndarray, stack: np.ndarray, score, single: float) -> EnsembleSelection:
    chosen = [i for i in range(len(stack)) if counts[i] > 0]
    weights = counts[chosen] / counts.sum()
    total = np.tensordot(weights, stack[chosen], axes=1)
    return EnsembleSelection(chosen, weights, float(score(total[None])[0]), float(single))


def _greedy(stack: np.ndarray, score, metric: Metric, n_rounds: int) -> np.ndarray:
    """Caruana's forward selection with replacement: how often each prediction is picked."""
    singles = score(stack)
    best = _best_index(singles, metric)
    counts = np.zeros(len(stack))
    counts[best] = 1
    total = stack[best].copy()
    best_score, best_counts = singles[best], counts.copy()
    for step in range(2, n_rounds + 1):
        scores = score((total[None] + stack) / step)  # every candidate added, scored at once
        pick = _best_index(scores, metric)
        counts[pick] += 1
        total += stack[pick]
        if metric.is_better(scores[pick], best_score):
            best_score, best_counts = scores[pick], counts.copy()
    return best_counts


def _best_index(scores: np.ndarray, metric: Metric) -> int:
    """The index of the best score (the first on ties)."""
    return int(np.argmax(scores) if metric.greater_is_better else np.argmin(scores))
