"""Leakage check: a column that alone predicts the target almost perfectly is suspicious.

Each column is cut into bins (quantiles for numbers, values for labels); a lookup table learnt on
one half of the rows (majority class or mean per bin) predicts the other half. This is pure numpy
and takes milliseconds, so it can run before every search.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._detect import ColumnInfo

LEAKAGE_THRESHOLD = 0.99  # balanced accuracy (classification) or R² (regression) on held-out rows
_MAX_ROWS = 4000
_N_BINS = 100


def find_leaks(
    X: pd.DataFrame, y: pd.Series, task: str, columns: list[ColumnInfo], seed: int
) -> dict[str, float]:
    """Return {column: held-out score} for each used column that alone nearly predicts ``y``."""
    rng = np.random.default_rng(seed)
    rows = rng.permutation(len(X))[:_MAX_ROWS]
    half = len(rows) // 2
    train, test = rows[:half], rows[half:]
    is_clf = task != "regression"
    if is_clf:
        target = pd.factorize(y)[0]
    else:
        target = y.to_numpy(dtype=float)
    leaks = {}
    for info in columns:
        if info.kind not in ("numeric", "categorical", "boolean"):
            continue
        codes = _bin_codes(X[info.name], info.kind)
        score = _holdout_score(codes, target, train, test, is_clf)
        if score >= LEAKAGE_THRESHOLD:
            leaks[info.name] = round(score, 4)
    return leaks


def _bin_codes(s: pd.Series, kind: str) -> np.ndarray:
    if kind == "numeric":
        values = s.to_numpy(dtype=float, na_value=np.nan)
        edges = np.unique(np.nanquantile(values, np.linspace(0, 1, _N_BINS + 1)))
        codes = np.searchsorted(edges, values, side="right")
        codes[np.isnan(values)] = -1
        return codes
    return pd.factorize(s.astype(str), use_na_sentinel=True)[0]


def _holdout_score(codes, target, train, test, is_clf) -> float:
    offset = codes.min()
    c = codes - offset
    n_bins = int(c.max()) + 1
    if is_clf:
        n_classes = int(target.max()) + 1
        table = np.zeros((n_bins, n_classes))
        np.add.at(table, (c[train], target[train]), 1)
        fallback = np.bincount(target[train], minlength=n_classes).argmax()
        pred = np.where(table.sum(1) > 0, table.argmax(1), fallback)[c[test]]
        truth = target[test]
        recalls = [np.mean(pred[truth == k] == k) for k in np.unique(truth)]
        return float(np.mean(recalls))
    sums = np.bincount(c[train], weights=target[train], minlength=n_bins)
    counts = np.bincount(c[train], minlength=n_bins)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), target[train].mean())
    pred, truth = means[c[test]], target[test]
    denom = np.sum((truth - truth.mean()) ** 2)
    return float(1 - np.sum((truth - pred) ** 2) / denom) if denom > 0 else 0.0
