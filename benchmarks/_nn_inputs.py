"""Tables -> the networks' input contract, and the protocol's scores on validation folds.

The networks take a float matrix whose first columns are category codes ``1..cardinality``
(0: missing or unknown) and whose other columns are numbers (NaN allowed). Shared by
``bench_nn_defaults.py`` and ``bench_supernet_rank.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, roc_auc_score, root_mean_squared_error


@dataclass
class NetworkInputs:
    """Category codes fitted on training rows; ``transform`` makes the matrix."""

    categorical: list[str]
    numeric: list[str]
    categories: list[list[str]]

    @classmethod
    def fit(cls, X: pd.DataFrame, categorical: list[str]) -> NetworkInputs:
        cats = [c for c in X.columns if c in categorical]
        nums = [c for c in X.columns if c not in cats]
        return cls(cats, nums, [sorted(X[c].dropna().astype(str).unique()) for c in cats])

    @property
    def cat_cardinalities(self) -> list[int]:
        return [len(c) for c in self.categories]

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        cols = []
        for name, known in zip(self.categorical, self.categories, strict=True):
            codes = {v: i + 1 for i, v in enumerate(known)}
            col = X[name]
            cols.append(np.array([0 if pd.isna(v) else codes.get(str(v), 0) for v in col], float))
        for name in self.numeric:
            cols.append(pd.to_numeric(X[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan))
        return np.column_stack(cols)


def fold_score(task: str, y_true, pred, classes=None, positive=None) -> float:
    """The protocol's primary metric: ROC AUC (binary), log loss (multiclass), RMSE."""
    if task == "regression":
        return float(root_mean_squared_error(y_true, pred))
    proba = np.asarray(pred, dtype=float)
    if task == "binary":
        j = list(classes).index(positive)
        return float(roc_auc_score(np.asarray(y_true) == positive, proba[:, j]))
    return float(log_loss(y_true, np.clip(proba, 1e-15, 1), labels=list(classes)))


def constant_prediction(task: str, y_train, n: int, classes=None):
    """What the constant predictor (class prior / mean) says for ``n`` rows."""
    if task == "regression":
        return np.full(n, float(np.mean(y_train)))
    y = np.asarray(y_train)
    prior = np.array([(y == c).mean() for c in classes])
    return np.tile(prior, (n, 1))


def normalised(score: float, constant: float, best: float) -> float:
    """(score - constant) / (best - constant): 1 at the best, 0 at the constant predictor."""
    if best == constant:
        return 0.0
    return (score - constant) / (best - constant)
