"""Noise screen: columns that show no link to the target, alone or through a model, are left out.

A column is kept when either test finds signal in it:

* **alone** - a test of independence between the column and the target: the column cut into up to
  ``N_BINS`` bins (a level of its own for missing cells; rare levels pooled), against the classes
  (chi-squared) or the target's values (Kruskal-Wallis); for a number also a rank test (the
  column across classes, or Spearman's correlation for a numeric target). The smaller p-value,
  doubled for the two tries, must be under ``ALPHA``;
* **beside the others, linearly** - a partial F-test of the column added to a least-squares fit
  of the target (a class's indicator, for classes) on the columns that passed the first test: does
  it add to theirs? A column that matters only once the others are accounted for passes here:
  diabetes' 'sex' (p = 0.4 alone, p < 0.001 beside the others) was dropped on every seed with 50
  noise columns before this test, and its linear models lost up to 2.6 RMSE. ``ALPHA_LINEAR`` is
  0.01 (per class, Bonferroni), so it lets few noise columns through;
* **with the others** - small extra-trees models on the columns and a shuffled copy of each (a
  "shadow", as in Boruta): the copy has the same values and the same chance to be split on, but
  no link to the target. A column whose only signal is an interaction beats its shadow in every
  one of ``N_CHECKS`` checks.

A column of pure noise passes the first test 1 time in 20, the second 1 in 100 and the third
rarely (1 in 256 if the checks were independent; they share the column's own chance pattern, so
more often): measured, about 6 % of added noise columns stay. ``ALPHA`` is 0.05 rather than 0.01 for the weak real
columns: on german credit, dropping the columns with p >= 0.01 cost a fixed model 0.006 ROC AUC
in repeated cross-validation, dropping those with p >= 0.05 nothing. An earlier screen that
only had the second test (7 wins of 8) dropped weak columns of german credit and cost it test AUC.

It leaves columns out only when at least ``MIN_NOISE_SHARE`` of the usable columns look like
noise (a table that is mostly noise), or at least ``MANY_NOISE_SHARE`` of them when that is
``MANY_NOISE_COLUMNS`` or more (digits with 50 noise columns: 46-50 of its 110 look like noise;
left to the search, its final model read 49 of them and its log loss went from 0.090 to 0.157).
A few weak columns among good ones are left to the search
(its selection choices, fitted in each fold): at 750 rows the tests cannot tell a weak real
column from noise, and on german credit, where 6-7 of 20 columns fail both, leaving them out
lowered the search's test ROC AUC in 6 of 6 paired runs at 40 and 60 s, by 0.002-0.029.

It runs before the search when it can pay off and has the power to judge:
* tables of at least ``MIN_COLUMNS`` usable columns (fewer cost the search little);
* at least ``MIN_ROWS`` rows. On few rows the tests miss weak real columns: on 100-200 rows of
  breast cancer they flag 3-7 of its 30 columns ('texture error', 'symmetry error', ...). That
  is under half, so a clean small table is left alone; with 50 noise columns added they flag
  45-50 of those and 2-7 of the weakest real ones. Under 100 rows this was not measured;
* budgets of at least ``MIN_BUDGET`` seconds, or none. The tests alone take 0.1-0.2 s; the
  checks with the others 1-3 s on 2 cores, and run only when the tests alone find a noisy table;
* numeric, boolean and categorical columns only; dates and text are never screened.

It sees every training row, the validation folds' too. It only drops columns with no visible
signal, so the folds' scores are not flattered the way choosing the best columns would flatter them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ._detect import ColumnInfo

ALPHA = 0.05
ALPHA_LINEAR = 0.01
MAX_LEVELS = 20  # one-hot columns of a categorical in the linear test (rarer levels pooled)
MIN_RESIDUAL_DF = 30  # the linear test needs rows to spare beyond its columns
N_BINS = 10
MIN_LEVEL_ROWS = 5
N_CHECKS = 8
MIN_COLUMNS = 20
MIN_ROWS = 100
MIN_NOISE_SHARE = 0.5
MANY_NOISE_SHARE = 1 / 3
MANY_NOISE_COLUMNS = 25  # the clean public tables show at most 8 noise-looking columns
MIN_BUDGET = 30.0
MAX_ROWS = 3000  # for the tests alone
MAX_TREE_ROWS = 2000  # for the checks with the others (the slow part)
N_TREES = 50
SCREENED_KINDS = ("numeric", "boolean", "categorical")
NOTE_NOISE = ("dropped: noise, no link to the target alone (p = {p:.2f}), beside the other columns "
              "(p = {p_linear:.2f}) nor with them (beat a shuffled copy of itself in {hits} of {n} checks); "
              "feature_search='off' keeps it")
NOTE_NOISE_COLUMNS = ("columns left out as noise, with no link to the target alone or with the other "
                      "columns (feature_search='off' keeps them): ")


def find_noise(X: pd.DataFrame, y: pd.Series, task: str, columns: list[ColumnInfo],
               seed: int, time_budget: float | None = None) -> dict[str, str]:
    """{column: why it is noise} for the columns to leave out ({} when none or not screened)."""
    used = [c for c in columns if c.used]
    screened = [c.name for c in used if c.kind in SCREENED_KINDS]
    short = time_budget is not None and time_budget < MIN_BUDGET
    if len(used) < MIN_COLUMNS or len(X) < MIN_ROWS or not screened or short:
        return {}
    rng = np.random.default_rng(seed)
    rows = rng.permutation(len(X))[:MAX_ROWS]  # random order: the first MAX_TREE_ROWS too
    is_clf = task != "regression"
    target = pd.factorize(y.iloc[rows])[0] if is_clf else y.iloc[rows].to_numpy(dtype=float)
    frame = X[screened].iloc[rows]
    p_values = {name: _p_alone(frame[name], target, is_clf) for name in screened}
    suspects = [name for name in screened if p_values[name] >= ALPHA]
    if not _mostly_noise(len(suspects), len(used)):  # the tests below only ever keep more
        return {}
    p_linear = _p_beside(frame, suspects, target, is_clf)
    suspects = [name for name in suspects if p_linear[name] >= ALPHA_LINEAR]
    if not _mostly_noise(len(suspects), len(used)):
        return {}
    few = slice(0, MAX_TREE_ROWS)  # the rows are in random order already
    hits = _shadow_hits(frame.iloc[few], suspects, target[few], is_clf, rng, seed)
    noise = {name: NOTE_NOISE.format(p=p_values[name], p_linear=p_linear[name], hits=hits[name], n=N_CHECKS)
             for name in suspects if hits[name] < N_CHECKS}
    if not _mostly_noise(len(noise), len(used)) or len(noise) == len(used):
        return {}  # a few weak columns are the search's to judge; none left: the same
    return noise


def _mostly_noise(n_noise: int, n_used: int) -> bool:
    """Enough noise-looking columns to leave them out: more than "a few weak ones"."""
    many = n_noise >= MANY_NOISE_COLUMNS and n_noise >= MANY_NOISE_SHARE * n_used
    return many or n_noise >= MIN_NOISE_SHARE * n_used


def _p_alone(column: pd.Series, target: np.ndarray, is_clf: bool) -> float:
    """The p-value of the column's link to the target on its own (small: a link)."""
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    bins = _bins(column, numeric)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # constant inputs: a nan p-value, read as no link
        p = _p_binned(bins, target, is_clf)
        if numeric:
            p = min(1.0, 2 * min(p, _p_ranks(column.to_numpy(dtype=float, na_value=np.nan), target, is_clf)))
    return float(p) if np.isfinite(p) else 1.0


def _bins(column: pd.Series, numeric: bool) -> np.ndarray:
    """Codes of up to ``N_BINS`` bins (numbers: by quantile) or levels; missing is a bin of its own,
    levels under ``MIN_LEVEL_ROWS`` rows are pooled."""
    if numeric and column.nunique() > N_BINS:
        ranks = column.rank(method="average", pct=True)
        codes = np.floor(ranks.to_numpy(dtype=float, na_value=np.nan) * N_BINS * (1 - 1e-9))
        return np.where(np.isnan(codes), -1, codes).astype(int)
    codes = pd.factorize(column, use_na_sentinel=True)[0]
    counts = np.bincount(codes + 1)
    rare = counts[codes + 1] < MIN_LEVEL_ROWS
    return np.where(rare, -2, codes)


def _p_binned(bins: np.ndarray, target: np.ndarray, is_clf: bool) -> float:
    levels = np.unique(bins)
    if len(levels) < 2:
        return 1.0
    if is_clf:
        rows = np.searchsorted(levels, bins)
        table = np.zeros((len(levels), int(target.max()) + 1))
        np.add.at(table, (rows, target), 1)
        table = table[:, table.sum(axis=0) > 0]
        return stats.chi2_contingency(table).pvalue if table.shape[1] > 1 else 1.0
    groups = [target[bins == level] for level in levels]
    return stats.kruskal(*groups).pvalue


def _p_ranks(values: np.ndarray, target: np.ndarray, is_clf: bool) -> float:
    known = ~np.isnan(values)
    values, target = values[known], target[known]
    if len(np.unique(values)) < 2:
        return 1.0
    if is_clf:
        groups = [values[target == k] for k in np.unique(target)]
        return stats.kruskal(*groups).pvalue if len(groups) > 1 else 1.0
    return stats.spearmanr(values, target).pvalue


def _p_beside(frame: pd.DataFrame, suspects: list[str], target: np.ndarray,
              is_clf: bool) -> dict[str, float]:
    """{suspect: p-value of a partial F-test of its columns added to a least-squares fit on the
    columns that passed the test alone} (1.0 when the rows cannot spare the degrees of freedom).

    One suspect at a time beside the signal columns, not all columns at once: fifty noise columns
    in the fit take its degrees of freedom, and diabetes' 'sex' fell to p = 0.002-0.02."""
    clear = [name for name in frame.columns if name not in set(suspects)]
    base = np.hstack([np.ones((len(frame), 1))] + [_linear_columns(frame[name]) for name in clear])
    responses = (np.eye(int(target.max()) + 1)[target][:, 1 if target.max() == 1 else 0:] if is_clf
                 else target[:, None])  # binary: one indicator; more classes: one each
    rss_base, rank_base = _rss(base, responses)
    p_values = {}
    for name in suspects:
        rss, rank = _rss(np.hstack([base, _linear_columns(frame[name])]), responses)
        q, df = rank - rank_base, len(frame) - rank
        if q < 1 or df < MIN_RESIDUAL_DF:
            p_values[name] = 1.0
            continue
        with np.errstate(all="ignore"):
            p = stats.f.sf((rss_base - rss) / q / (rss / df), q, df)
        p = np.where(np.isfinite(p), p, 1.0)
        p_values[name] = float(min(1.0, p.min() * len(p)))  # the best class, Bonferroni
    return p_values


def _linear_columns(column: pd.Series) -> np.ndarray:
    """A column as least-squares inputs: a number standardised (missing: the median, plus an
    indicator), a boolean as 0/1, a categorical one-hot (the most common level left out)."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        values = np.where(np.isfinite(values), values, np.nan)
        missing = np.isnan(values)
        if missing.all():
            return np.zeros((len(values), 0))
        values = np.where(missing, np.nanmedian(values), values)
        values = (values - values.mean()) / (values.std() or 1.0)
        return np.column_stack([values, missing]) if missing.any() else values[:, None]
    codes = pd.factorize(column.astype(object), use_na_sentinel=False)[0]
    counts = np.bincount(codes)
    top = np.argsort(-counts, kind="stable")[:MAX_LEVELS]
    kept = top[counts[top] >= MIN_LEVEL_ROWS][1:]  # the most common level is the reference
    return (codes[:, None] == kept[None, :]).astype(float)


def _rss(design: np.ndarray, responses: np.ndarray) -> tuple[np.ndarray, int]:
    """Residual sums of squares of each response column, and the design's rank."""
    coef, _, rank, _ = np.linalg.lstsq(design, responses, rcond=None)
    residuals = responses - design @ coef
    return (residuals ** 2).sum(axis=0), int(rank)


def _shadow_hits(frame: pd.DataFrame, suspects: list[str], target: np.ndarray, is_clf: bool,
                 rng: np.random.Generator, seed: int) -> dict[str, int]:
    """{suspect: checks in which its impurity importance beat its shuffled copy's}."""
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    matrix = np.column_stack([_as_numbers(frame[name]) for name in frame.columns])
    where = [list(frame.columns).index(name) for name in suspects]
    model_class = ExtraTreesClassifier if is_clf else ExtraTreesRegressor
    hits = np.zeros(len(suspects), dtype=int)
    for check in range(N_CHECKS):
        shadows = rng.permuted(matrix[:, where], axis=0)  # each column shuffled on its own
        model = model_class(n_estimators=N_TREES, max_features="sqrt", min_samples_leaf=3,
                            random_state=seed + check, n_jobs=1)
        model.fit(np.hstack([matrix, shadows]), target)
        importance = model.feature_importances_
        hits += importance[where] > importance[matrix.shape[1]:]
    return dict(zip(suspects, hits.tolist(), strict=True))


def _as_numbers(s: pd.Series) -> np.ndarray:
    """A column as floats for the trees: numbers as they are, labels as codes; missing = -1e9
    (a value of its own that a split can isolate)."""
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        codes = pd.factorize(s)[0].astype(float)
        return np.where(codes < 0, -1e9, codes)
    values = s.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(values), values, -1e9)
