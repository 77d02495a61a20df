"""Meta-features: a fixed-length description of a learning problem, cheap enough to compute
before every search.

They describe the table (size, column kinds, missing cells, skewness, category cardinality),
the target (task, classes, balance, entropy) and, through *landmarkers*, how easy the problem
is for a few tiny models fitted on a subsample (a stump, a depth-3 tree, 1-NN, naive Bayes and
a linear model). Landmarkers are scored on a scale shared by every task, 0 for the constant
predictor and 1 for a perfect one: ``2 * (ROC AUC - 0.5)`` when classifying (one-vs-rest
macro average for several classes), R² when regressing, both clipped to [-1, 1]. The problem's
own metric is not used because log loss and RMSE have no common scale across datasets.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ...problem import class_codes

if TYPE_CHECKING:
    from ...problem import Problem

LANDMARK_ROWS = 1000  # landmarkers see at most this many rows: ~0.1 s on any table
LANDMARK_MAX_ONEHOT = 12  # categories beyond this many levels are frequency-encoded instead
LANDMARKERS = ("stump", "tree3", "nn1", "nb", "linear")

METAFEATURE_NAMES: tuple[str, ...] = (
    "log_rows", "log_cols", "log_rows_per_col",
    "share_numeric", "share_categorical", "share_text", "share_datetime",
    "is_binary", "is_multiclass", "is_regression",
    "log_classes", "min_class_share", "class_entropy", "target_abs_skew",
    "missing_share", "share_cols_missing",
    "mean_abs_skew", "max_abs_skew",
    "cat_log_card_mean", "cat_log_card_max", "share_high_cardinality",
    *(f"lm_{name}" for name in LANDMARKERS),
    "lm_best", "lm_nonlinear_gain",
)
"""The names of ``compute_metafeatures``' values, in the order of the meta-model's columns."""


SKEW_ROWS = 100_000


def compute_metafeatures(X: pd.DataFrame, y: object, problem: Problem, *, seed: int = 0) -> dict[str, float]:
    """Describe a clean training table by a fixed set of numbers.

    Parameters
    ----------
    X : DataFrame
        The training rows as ``analyze`` returns them (``X_clean``); only the problem's used
        columns are read.
    y : array-like
        The target of those rows.
    problem : Problem
        From ``analyze(X, y, ...)``: task, classes and column kinds.
    seed : int, default=0
        Seeds the landmarkers' subsample and split: same seed, same values.

    Returns
    -------
    dict of str to float
        One finite value per name of ``METAFEATURE_NAMES``, in that order.

    Examples
    --------
    >>> import pandas as pd
    >>> from jupyter_automl.problem import analyze
    >>> X = pd.DataFrame({"a": [0.0, 1, 2, 3, 4, 5, 6, 7] * 5, "b": ["u", "v"] * 20})
    >>> y = pd.Series([0, 0, 0, 0, 1, 1, 1, 1] * 5, name="y")
    >>> problem, X, y = analyze(X, y, cv=2, check_leakage=False)
    >>> mf = compute_metafeatures(X, y, problem)
    >>> mf["class_entropy"], mf["min_class_share"], mf["share_categorical"]
    (1.0, 0.5, 0.5)
    """
    used = problem.used_columns
    n_rows, n_cols = len(X), max(1, len(used))
    kinds = [c.kind for c in used]
    y_arr = np.asarray(y)
    out: dict[str, float] = {
        "log_rows": math.log10(max(n_rows, 1)),
        "log_cols": math.log10(n_cols),
        "log_rows_per_col": math.log10(max(n_rows, 1) / n_cols),
        "share_numeric": kinds.count("numeric") / n_cols,
        "share_categorical": (kinds.count("categorical") + kinds.count("boolean")) / n_cols,
        "share_text": kinds.count("text") / n_cols,
        "share_datetime": kinds.count("datetime") / n_cols,
        "is_binary": float(problem.task == "binary"),
        "is_multiclass": float(problem.task == "multiclass"),
        "is_regression": float(problem.task == "regression"),
    }
    out |= _target_features(y_arr, problem)
    missing = [c.n_missing / max(n_rows, 1) for c in used]
    out["missing_share"] = float(np.mean(missing)) if missing else 0.0
    out["share_cols_missing"] = float(np.mean([m > 0 for m in missing])) if missing else 0.0
    numeric = [c.name for c in used if c.kind == "numeric"]
    # skewness from at most SKEW_ROWS rows: a shape, not an exact count (0.5 s on 1M rows)
    rows = X if n_rows <= SKEW_ROWS else X.sample(SKEW_ROWS, random_state=seed)
    skews = _abs_skews(rows, numeric)
    # log1p: skewness is unbounded (a count column can reach 50) and only its order matters
    out["mean_abs_skew"] = math.log1p(float(np.mean(skews))) if len(skews) else 0.0
    out["max_abs_skew"] = math.log1p(float(np.max(skews))) if len(skews) else 0.0
    cards = [math.log10(max(c.n_unique, 1)) for c in used if c.kind in ("categorical", "boolean")]
    out["cat_log_card_mean"] = float(np.mean(cards)) if cards else 0.0
    out["cat_log_card_max"] = float(np.max(cards)) if cards else 0.0
    out["share_high_cardinality"] = sum(c.high_cardinality for c in used) / n_cols
    landmarks = _landmarkers(X, y_arr, problem, seed)
    out |= {f"lm_{k}": v for k, v in landmarks.items()}
    out["lm_best"] = max(landmarks.values())
    # how much more a flexible model finds than a linear one: a hint for trees vs linear models
    out["lm_nonlinear_gain"] = max(landmarks["tree3"], landmarks["nn1"]) - landmarks["linear"]
    return {name: _finite(out[name]) for name in METAFEATURE_NAMES}


def metafeature_vector(features: dict[str, float]) -> np.ndarray:
    """The values of ``features`` in ``METAFEATURE_NAMES`` order (a name that is absent: NaN)."""
    return np.array([features.get(name, np.nan) for name in METAFEATURE_NAMES], dtype=float)


def _finite(v: float) -> float:
    v = float(v)
    return v if math.isfinite(v) else 0.0


def _target_features(y: np.ndarray, problem: Problem) -> dict[str, float]:
    if not problem.is_classification:
        values = y.astype(float)
        return {"log_classes": 0.0, "min_class_share": 1.0, "class_entropy": 1.0,
                "target_abs_skew": math.log1p(abs(_skew(values)))}
    counts = pd.Series(y).value_counts().to_numpy()  # hashing: sorting a million labels took 0.6 s
    share = counts / counts.sum()
    k = len(counts)
    entropy = float(-(share * np.log(share)).sum() / math.log(k)) if k > 1 else 0.0
    return {"log_classes": math.log2(k), "min_class_share": float(share.min()),
            "class_entropy": round(entropy, 12), "target_abs_skew": 0.0}


def _skew(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    if len(values) < 3:
        return 0.0
    centred = values - values.mean()
    sd = np.sqrt(np.mean(centred ** 2))
    return float(np.mean(centred ** 3) / sd ** 3) if sd > 0 else 0.0


def _abs_skews(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    if not columns:
        return np.array([])
    values = X[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return np.array([abs(_skew(values[:, j])) for j in range(values.shape[1])])


def _encode(X: pd.DataFrame, problem: Problem) -> np.ndarray:
    """A dense numeric matrix for the landmarkers: numbers imputed and scaled, few-level
    categories one-hot, many-level ones as their frequency. Text and dates are left out."""
    parts = []
    for c in problem.used_columns:
        col = X[c.name]
        if c.kind == "numeric":
            v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, copy=True)
            v[~np.isfinite(v)] = np.nan
            med = np.nanmedian(v) if np.isfinite(v).any() else 0.0
            v = np.where(np.isnan(v), med, v)
            sd = v.std()
            parts.append(((v - v.mean()) / sd if sd > 0 else v * 0.0)[:, None])
        elif c.kind in ("categorical", "boolean"):
            codes, levels = pd.factorize(col.astype(object), use_na_sentinel=True)
            if len(levels) <= LANDMARK_MAX_ONEHOT:
                parts.append((codes[:, None] == np.arange(len(levels))[None, :]).astype(float))
            else:
                freq = np.bincount(codes[codes >= 0], minlength=len(levels)) / len(codes)
                parts.append(np.where(codes >= 0, freq[codes], 0.0)[:, None])
    return np.hstack(parts) if parts else np.zeros((len(X), 1))


def _subsample(n: int, y: np.ndarray, classification: bool, seed: int) -> np.ndarray:
    if n <= LANDMARK_ROWS:
        return np.arange(n)
    from sklearn.model_selection import train_test_split

    idx = np.arange(n)
    try:
        # sorted integer codes stratify as the labels do, without sorting a million strings
        keep, _ = train_test_split(idx, train_size=LANDMARK_ROWS, random_state=seed,
                                   stratify=class_codes(y) if classification else None)
    except ValueError:  # a class too rare to stratify: a plain sample
        keep = np.random.default_rng(seed).choice(n, LANDMARK_ROWS, replace=False)
    return np.sort(keep)


def _landmarkers(X: pd.DataFrame, y: np.ndarray, problem: Problem, seed: int) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    clf = problem.is_classification
    idx = _subsample(len(X), y, clf, seed)
    Xs, ys = _encode(X.iloc[idx], problem), y[idx]
    if clf:
        labels = np.searchsorted(problem.classes, ys) if ys.dtype != object else \
            pd.Categorical(ys, categories=list(problem.classes)).codes
        models = {"stump": DecisionTreeClassifier(max_depth=1, random_state=seed),
                  "tree3": DecisionTreeClassifier(max_depth=3, random_state=seed),
                  "nn1": _NearestNeighbour(classify=True), "nb": GaussianNB(),
                  "linear": LogisticRegression(C=1.0, max_iter=100)}
        n_min = int(np.bincount(labels).min()) if len(labels) else 0
        splitter = StratifiedKFold(2, shuffle=True, random_state=seed) if n_min >= 2 else \
            KFold(2, shuffle=True, random_state=seed)
        target = labels
    else:
        models = {"stump": DecisionTreeRegressor(max_depth=1, random_state=seed),
                  "tree3": DecisionTreeRegressor(max_depth=3, random_state=seed),
                  "nn1": _NearestNeighbour(classify=False), "nb": None, "linear": Ridge(alpha=1.0)}
        splitter = KFold(2, shuffle=True, random_state=seed)
        target = ys.astype(float)
    scores: dict[str, list[float]] = {k: [] for k in models}
    # one thread: BLAS/OpenMP pools spin up for these tiny fits and, on a busy machine, their
    # waiting threads cost more than the work (1-NN through scikit-learn: 0.8 s on adult)
    with threadpool_limits(1):
        for train, valid in splitter.split(Xs, target):
            _fit_all(models, Xs, target, train, valid, clf, problem, scores)
    out = {name: float(np.mean(v)) if v else np.nan for name, v in scores.items()}
    if not clf:
        out["nb"] = out["stump"]
    return {k: float(np.clip(v, -1.0, 1.0)) for k, v in out.items()}


def _fit_all(models, Xs, target, train, valid, clf, problem, scores) -> None:
    """Fit every landmarker on one half and score it on the other."""
    for name, model in models.items():
        if model is None:  # naive Bayes has no regression form: a stump stands in
            continue
        try:
            model.fit(Xs[train], target[train])
            scores[name].append(_gain(model, Xs[valid], target[valid], clf,
                                      len(problem.classes) if clf else 0))
        except Exception:  # a landmarker that cannot fit (one class in a fold) says "chance"
            scores[name].append(0.0)


class _NearestNeighbour:
    """1-NN in plain numpy (Euclidean): the landmarker's data is at most a few hundred rows."""

    def __init__(self, classify: bool):
        self.classify = classify

    def fit(self, X, y):
        self.X_, self.y_ = X, y
        if self.classify:
            self.classes_ = np.unique(y)
        return self

    def _nearest(self, X):
        d = (X ** 2).sum(1)[:, None] + (self.X_ ** 2).sum(1)[None, :] - 2.0 * X @ self.X_.T
        return self.y_[np.argmin(d, axis=1)]

    def predict(self, X):
        return self._nearest(X)

    def predict_proba(self, X):
        return (self._nearest(X)[:, None] == self.classes_[None, :]).astype(float)


def _gain(model, X, y, classification: bool, n_classes: int) -> float:
    """0 for the constant predictor, 1 for a perfect one (see the module docstring). Plain
    numpy: scikit-learn's metric input checks took half of the meta-features' time."""
    if not classification:
        pred = model.predict(X)
        ss = float(np.sum((y - y.mean()) ** 2))
        return 1.0 - float(np.sum((y - pred) ** 2)) / ss if ss > 0 else 0.0
    present = np.unique(y)
    if len(present) < 2:
        return 0.0
    proba = np.zeros((len(X), n_classes))
    proba[:, model.classes_] = model.predict_proba(X)
    positives = [1] if n_classes == 2 else list(present)
    return 2.0 * (float(np.mean([_auc(y == k, proba[:, k]) for k in positives])) - 0.5)


def _auc(truth: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic (ties count one half)."""
    from scipy.stats import rankdata

    n_pos = int(truth.sum())
    n_neg = len(truth) - n_pos
    if n_pos == 0 or n_neg == 0:
        return 0.5
    ranks = rankdata(score)
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
