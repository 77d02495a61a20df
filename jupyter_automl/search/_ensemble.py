"""Greedy ensemble selection (Caruana et al., 2004) over out-of-fold predictions.

Start from the best model; repeatedly add (with replacement) the model whose addition most
improves the averaged predictions' score; keep the best prefix. Weights are the counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..problem import Metric

MAX_CANDIDATES = 15
N_ROUNDS = 25
MAX_ROWS = 20_000  # rows scored per step on large data (a fixed random subset)


@dataclass(frozen=True)
class EnsembleSelection:
    indices: list[int]  # into the candidate list
    weights: np.ndarray
    score: float  # of the weighted average, out of fold
    single_score: float  # of the best candidate alone, out of fold


def select_ensemble(preds: list[np.ndarray], y: np.ndarray, metric: Metric,
                    seed: int = 0, n_rounds: int = N_ROUNDS) -> EnsembleSelection:
    """Choose weights for ``preds`` (out-of-fold predictions, same rows) to optimise ``metric``."""
    if len(y) > MAX_ROWS:
        rows = np.random.default_rng(seed).choice(len(y), MAX_ROWS, replace=False)
        preds, y = [p[rows] for p in preds], y[rows]
    preds = [p.astype(np.float64) for p in preds]
    score = metric.scorer_for(y)
    singles = [score(p) for p in preds]
    order = sorted(range(len(preds)), key=lambda i: singles[i], reverse=metric.greater_is_better)
    best = order[0]
    counts = np.zeros(len(preds))
    counts[best] = 1
    total = preds[best].copy()
    best_score, best_counts = singles[best], counts.copy()
    for step in range(2, n_rounds + 1):
        scores = [score((total + p) / step) for p in preds]
        pick = int(np.argmax(scores) if metric.greater_is_better else np.argmin(scores))
        counts[pick] += 1
        total += preds[pick]
        if metric.is_better(scores[pick], best_score):
            best_score, best_counts = scores[pick], counts.copy()
    chosen = [i for i in range(len(preds)) if best_counts[i] > 0]
    weights = best_counts[chosen] / best_counts.sum()
    return EnsembleSelection(chosen, weights, float(best_score), float(singles[best]))
