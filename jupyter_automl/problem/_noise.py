"""Noise screen: a column that a model cannot use better than a shuffled copy of itself is left out.

Each check fits a small extra-trees model on the columns and on a shuffled copy of each (a
"shadow", in the spirit of Boruta): the copy has the same values, hence the same chance of being
split on, but no link to the target. A column beats its shadow when its impurity importance is
higher. A column with signal beats it in nearly every check; a column without any does so half of
the time, so one that beats it in fewer than ``MIN_HITS`` of ``N_CHECKS`` checks is left out
(a column of pure noise stays with probability 9/256, 3.5 %). Measured in
``benchmarks/bench_feature_noise.py``: with 40 noise columns added to a table the search's final
model read all 40 before the screen.

It runs before the search when the table has at least ``MIN_COLUMNS`` usable columns (fewer
columns cost the search little, and the screen costs about a second) and only on numeric,
boolean and categorical columns; dates and text are never screened.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._detect import ColumnInfo

N_CHECKS = 8
MIN_HITS = 7
MIN_COLUMNS = 20
MAX_ROWS = 2000
N_TREES = 50
SCREENED_KINDS = ("numeric", "boolean", "categorical")
NOTE_NOISE = ("dropped: no more useful than a shuffled copy of itself (it beat its copy in {hits} of "
              "{n} checks; feature_search='off' keeps it)")


def find_noise(X: pd.DataFrame, y: pd.Series, task: str, columns: list[ColumnInfo],
               seed: int) -> dict[str, int]:
    """{column: checks in which it beat its shuffled copy} for the columns to leave out."""
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    used = [c for c in columns if c.used]
    screened = [c.name for c in used if c.kind in SCREENED_KINDS]
    if len(used) < MIN_COLUMNS or not screened:
        return {}
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.permutation(len(X))[:MAX_ROWS])
    matrix = np.column_stack([_as_numbers(X[name].iloc[rows]) for name in screened])
    is_clf = task != "regression"
    target = pd.factorize(y.iloc[rows])[0] if is_clf else y.iloc[rows].to_numpy(dtype=float)
    model_class = ExtraTreesClassifier if is_clf else ExtraTreesRegressor
    hits = np.zeros(len(screened), dtype=int)
    for check in range(N_CHECKS):
        shadows = rng.permuted(matrix, axis=0)  # each column shuffled on its own
        model = model_class(n_estimators=N_TREES, max_features="sqrt", min_samples_leaf=3,
                            random_state=seed + check, n_jobs=1)
        model.fit(np.hstack([matrix, shadows]), target)
        importance = model.feature_importances_
        hits += importance[:len(screened)] > importance[len(screened):]
    noise = {name: int(h) for name, h in zip(screened, hits, strict=True) if h < MIN_HITS}
    if len(noise) == len(used):  # nothing would be left: the search decides instead
        return {}
    return noise


def _as_numbers(s: pd.Series) -> np.ndarray:
    """A column as floats for the trees: numbers as they are, labels as codes; missing = -1e9
    (a value of its own that a split can isolate)."""
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        codes = pd.factorize(s)[0].astype(float)
        return np.where(codes < 0, -1e9, codes)
    values = s.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(values), values, -1e9)
