"""Normalised scores and the greedy portfolio.

Raw scores are not comparable across datasets (ROC AUC, log loss and RMSE in the target's units),
so each dataset's scores are mapped to a common scale first: 0 is the constant predictor (class
prior or mean, on the same folds), 1 the best configuration evaluated on that dataset. A failed
configuration counts 0, and so does one worse than the constant predictor.

The portfolio is built the way auto-sklearn 2 builds its own: start empty and repeatedly add the
configuration that most lowers the mean, over datasets, of the regret of the best configuration
chosen so far (1 minus its normalised score). Configurations that shine where the others are weak
are picked early, which a ranking by mean score would not do.
"""

from __future__ import annotations

import numpy as np


def normalised_scores(scores: np.ndarray, constant: np.ndarray, greater_is_better: np.ndarray,
                      best: np.ndarray | None = None) -> np.ndarray:
    """Scores on the common 0-1 scale (see the module docstring).

    Parameters
    ----------
    scores : ndarray of shape (n_datasets, n_configs)
        Mean CV scores; NaN for a configuration that failed (or was not run).
    constant : ndarray of shape (n_datasets,)
        The constant predictor's score on each dataset.
    greater_is_better : ndarray of bool, shape (n_datasets,)
    best : ndarray of shape (n_datasets,), optional
        The reference best score; default: the best of ``scores`` per dataset.

    Returns
    -------
    ndarray of shape (n_datasets, n_configs)
        In [0, 1]; a row is all NaN when no configuration beats the constant predictor (such a
        dataset says nothing about which configuration is better).

    Examples
    --------
    >>> normalised_scores(np.array([[0.9, 0.7, np.nan]]), np.array([0.5]), np.array([True]))
    array([[1. , 0.5, 0. ]])
    """
    scores = np.asarray(scores, dtype=float)
    sign = np.where(np.asarray(greater_is_better, dtype=bool), 1.0, -1.0)[:, None]
    signed = scores * sign
    base = np.asarray(constant, dtype=float)[:, None] * sign
    if best is None:
        with np.errstate(all="ignore"):
            top = np.nanmax(np.where(np.isnan(signed), -np.inf, signed), axis=1, keepdims=True)
    else:
        top = np.asarray(best, dtype=float)[:, None] * sign
    span = top - base
    with np.errstate(all="ignore"):
        out = np.clip((signed - base) / span, 0.0, 1.0)
    out = np.where(np.isnan(scores), 0.0, out)
    return np.where(span > 0, out, np.nan)


def similarity_weights(features: np.ndarray, target: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Weights of reference datasets for one target dataset: a Gaussian kernel on the distance
    of their standardised meta-features, its width the median distance (sums to 1).

    Examples
    --------
    >>> w = similarity_weights(np.array([[0.0], [1.0], [5.0]]), np.array([0.0]), np.array([1.0]))
    >>> [round(float(v), 3) for v in w]
    [0.622, 0.378, 0.0]
    """
    d = np.sqrt(np.nansum(((features - target) / scale) ** 2, axis=1))
    width = float(np.median(d)) or 1.0
    w = np.exp(-0.5 * (d / width) ** 2)
    return w / w.sum()


def ordered_portfolio(ns: np.ndarray, weights: np.ndarray, predicted: np.ndarray,
                      model_weight: float, size: int) -> list[int]:
    """Order candidates for one dataset: greedy like ``greedy_portfolio``, but each reference
    dataset counts by its similarity ``weights`` and the meta-model's ``predicted`` scores for
    this dataset count as one more dataset of weight ``model_weight``.

    The meta-model alone would put its favourites first, often near copies of each other; the
    greedy gain over the best-so-far makes the second pick one that covers what the first may
    miss on similar datasets.

    Examples
    --------
    >>> ns = np.array([[1.0, 0.9, 0.0], [0.0, 0.1, 1.0]])
    >>> ordered_portfolio(ns, np.array([0.5, 0.5]), np.array([1.0, 0.95, 0.2]), 1.0, 2)
    [0, 2]
    """
    ns = np.nan_to_num(np.asarray(ns, dtype=float), nan=0.0)
    rows = np.vstack([ns, np.clip(predicted, 0.0, 1.0)[None, :]])
    w = np.append(np.asarray(weights, dtype=float), model_weight)
    best = np.zeros(rows.shape[0])
    picks: list[int] = []
    for _ in range(min(size, rows.shape[1])):
        gain = np.round(w @ np.maximum(best[:, None], rows), 12)
        gain[picks] = -np.inf
        pick = int(np.lexsort((np.arange(len(gain)), -predicted, -gain))[0])
        picks.append(pick)
        best = np.maximum(best, rows[:, pick])
    return picks


def greedy_portfolio(ns: np.ndarray, size: int) -> tuple[list[int], list[float]]:
    """Pick ``size`` columns of ``ns`` greedily (see the module docstring).

    Parameters
    ----------
    ns : ndarray of shape (n_datasets, n_configs)
        Normalised scores; rows that are all NaN are ignored, other NaN count as 0.
    size : int

    Returns
    -------
    picks : list of int
        Column indices, in the order they were added (ties: the higher mean score, then the
        lower index).
    regret : list of float
        The mean regret of the best-so-far after each pick.

    Examples
    --------
    >>> ns = np.array([[1.0, 0.0, 0.8], [0.0, 1.0, 0.8]])
    >>> greedy_portfolio(ns, 2)
    ([2, 0], [0.2, 0.1])
    """
    ns = np.asarray(ns, dtype=float)
    ns = np.nan_to_num(ns[~np.all(np.isnan(ns), axis=1)], nan=0.0)
    if ns.shape[0] == 0:  # no dataset of this kind: nothing to choose by
        return [], []
    best = np.zeros(ns.shape[0])
    mean = ns.mean(axis=0)
    picks: list[int] = []
    regret: list[float] = []
    for _ in range(min(size, ns.shape[1])):
        # rounded: sums taken in another order differ in the last bits; ties (once the regret
        # is 0, every pick ties) go to the higher mean score, then to the lower index
        after = np.round(1.0 - np.maximum(best[:, None], ns).mean(axis=0), 12)
        after[picks] = np.inf
        pick = int(np.lexsort((np.arange(len(after)), -mean, after))[0])
        picks.append(pick)
        best = np.maximum(best, ns[:, pick])
        regret.append(float(after[pick]))
    return picks, regret
