"""Leakage check: a column that alone predicts the target almost perfectly is suspicious.

Each column is cut into bins (quantiles for numbers, values for labels); a lookup table learnt on
one half of the rows (majority class or mean per bin) predicts the other half; for a numeric
column and a numeric target, the squared rank correlation counts too. This is pure numpy and takes
milliseconds, so it can run before every search.
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
    # only the sampled rows are binned: on large data binning every row was most of the cost
    X, y = X.iloc[rows], y.iloc[rows]
    half = len(rows) // 2
    train, test = np.arange(half), np.arange(half, len(rows))
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
        score = _holdout_score(codes, target, train, test, is_clf, ordered=info.kind == "numeric")
        if not is_clf and info.kind == "numeric":
            # a monotone relation on few rows: bin means are too coarse, rank correlation is not
            score = max(score, _rank_r2(_as_float(X[info.name]), target))
        if score >= LEAKAGE_THRESHOLD:
            leaks[info.name] = round(score, 4)
    return leaks


def _bin_codes(s: pd.Series, kind: str) -> np.ndarray:
    if kind == "numeric":
        values = _as_float(s)
        finite = np.isfinite(values)  # infinities get the missing values' bin
        if not finite.any():
            return np.full(len(values), -1)
        edges = np.unique(np.quantile(values[finite], np.linspace(0, 1, _N_BINS + 1)))
        codes = np.searchsorted(edges, values, side="right")
        codes[~finite] = -1
        return codes
    return pd.factorize(s.astype(str), use_na_sentinel=True)[0]


def _as_float(s: pd.Series) -> np.ndarray:
    """A numeric column as floats; numbers held as text are parsed, other text is NaN."""
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        s = pd.to_numeric(s, errors="coerce")
    return s.to_numpy(dtype=float, na_value=np.nan)


def _rank_r2(x: np.ndarray, y: np.ndarray) -> float:
    """Squared Spearman correlation over the rows where ``x`` is finite (0 when undefined)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return 0.0
    rx = pd.Series(x[ok]).rank().to_numpy()
    ry = pd.Series(y[ok]).rank().to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1] ** 2)


def _nearest_filled(filled: np.ndarray) -> np.ndarray:
    """For each bin, the index of the nearest bin that has training rows (bins are ordered)."""
    have = np.flatnonzero(filled)
    if not len(have):
        return np.arange(len(filled))
    pos = np.clip(np.searchsorted(have, np.arange(len(filled))), 1, max(len(have) - 1, 1))
    left, right = have[pos - 1], have[np.minimum(pos, len(have) - 1)]
    idx = np.arange(len(filled))
    return np.where(np.abs(idx - left) <= np.abs(right - idx), left, right)


def _holdout_score(codes, target, train, test, is_clf, ordered=False) -> float:
    # bin 0 holds missing values (code -1); the others follow the codes
    c = codes + 1
    n_bins = int(c.max()) + 1
    counts = np.bincount(c[train], minlength=n_bins)
    # a test row whose bin has no training row borrows the nearest bin's prediction for ordered
    # (numeric) bins: with a global fallback, a perfect numeric leak on a few hundred rows scored
    # well under the threshold only because of empty quantile bins
    lookup = np.arange(n_bins)
    if ordered and n_bins > 1:
        lookup[1:] = 1 + _nearest_filled(counts[1:] > 0)
    if is_clf:
        n_classes = int(target.max()) + 1
        table = np.zeros((n_bins, n_classes))
        np.add.at(table, (c[train], target[train]), 1)
        fallback = np.bincount(target[train], minlength=n_classes).argmax()
        per_bin = np.where(counts > 0, table.argmax(1), fallback)
        pred = per_bin[lookup][c[test]]
        truth = target[test]
        recalls = [np.mean(pred[truth == k] == k) for k in np.unique(truth)]
        return float(np.mean(recalls))
    sums = np.bincount(c[train], weights=target[train], minlength=n_bins)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), target[train].mean())
    pred, truth = means[lookup][c[test]], target[test]
    denom = np.sum((truth - truth.mean()) ** 2)
    return float(1 - np.sum((truth - pred) ** 2) / denom) if denom > 0 else 0.0
