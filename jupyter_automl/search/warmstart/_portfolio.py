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
