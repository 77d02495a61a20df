"""The few estimators of our own that a fitted model may contain.

This module imports only numpy, pandas and scikit-learn, so a saved model keeps working without
jupyter_automl: copy this one file next to the model and import it (``export_code`` does that).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    OneToOneFeatureMixin,
    RegressorMixin,
    TransformerMixin,
    clone,
    is_classifier,
)
from sklearn.feature_selection import SelectorMixin, f_classif, f_regression
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "AsLabels",
    "FiniteNumbers",
    "DatetimeFeatures",
    "TextColumn",
    "SelectFraction",
    "SubsampledEstimator",
    "WeightedEnsembleClassifier",
    "WeightedEnsembleRegressor",
]


def _as_frame(X) -> pd.DataFrame:
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))


class AsLabels(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Turn every value into text (missing stays NaN) so encoders see one type per column."""

    def fit(self, X, y=None):
        self.n_features_in_ = _as_frame(X).shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        df = _as_frame(X)
        out = np.empty(df.shape, dtype=object)
        for j in range(df.shape[1]):
            col = df.iloc[:, j]
            missing = col.isna().to_numpy()
            values = col.astype(str).to_numpy(dtype=object)
            values[missing] = np.nan
            out[:, j] = values
        return out


class FiniteNumbers(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Cast to float and turn infinities into NaN, so imputers and models treat them as missing."""

    def fit(self, X, y=None):
        self.n_features_in_ = _as_frame(X).shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        if isinstance(X, pd.DataFrame):
            arr = X.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = np.asarray(X, dtype=float)
        arr = arr.copy()
        arr[~np.isfinite(arr)] = np.nan
        return arr


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Expand date/time columns into year, month, day, weekday, hour and days since 1970."""

    parts = ("year", "month", "day", "weekday", "hour", "days")

    def fit(self, X, y=None):
        df = _as_frame(X)
        self.n_features_in_ = df.shape[1]
        self.feature_names_in_ = np.asarray([str(c) for c in df.columns], dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        df = _as_frame(X)
        blocks = []
        for j in range(df.shape[1]):
            d = pd.to_datetime(df.iloc[:, j], errors="coerce", format="mixed")
            if getattr(d.dt, "tz", None) is not None:
                d = d.dt.tz_convert(None)
            days = (d - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
            parts = [d.dt.year, d.dt.month, d.dt.day, d.dt.day_of_week, d.dt.hour, days]
            blocks.append(np.column_stack([p.to_numpy(dtype=float, na_value=np.nan) for p in parts]))
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features=None):
        names = self.feature_names_in_ if input_features is None else input_features
        return np.asarray([f"{c}_{p}" for c in names for p in self.parts], dtype=object)


class TextColumn(TransformerMixin, BaseEstimator):
    """Pass one text column on as a 1-D array of strings (missing -> ''), as text vectorizers expect."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        s = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else pd.Series(np.asarray(X, dtype=object).ravel())
        return s.fillna("").astype(str).to_numpy()


def _indexable(a):
    """Frames, arrays, sparse matrices and lists as they are; other array-likes as numpy."""
    return a if hasattr(a, "iloc") or hasattr(a, "shape") or isinstance(a, list) else np.asarray(a)


class SubsampledEstimator(MetaEstimatorMixin, BaseEstimator):
    """Fit ``estimator`` on at most ``max_rows`` rows (stratified for classifiers).

    Used for models whose cost grows fast with rows (kernel SVMs, k-NN) on large data.
    """

    def __init__(self, estimator, max_rows=5000, random_state=0):
        self.estimator = estimator
        self.max_rows = max_rows
        self.random_state = random_state

    def fit(self, X, y, **fit_params):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        check_consistent_length(X, y)  # else subsampling would pair rows of X with other rows' y
        n = _num_samples(X)
        if n > self.max_rows:
            strat = y if is_classifier(self.estimator) else None
            try:
                idx, _ = train_test_split(np.arange(n), train_size=self.max_rows,
                                          random_state=self.random_state, stratify=strat)
            except ValueError:  # a class too rare to stratify
                idx, _ = train_test_split(np.arange(n), train_size=self.max_rows,
                                          random_state=self.random_state)
            idx = np.sort(idx)
            X, y = _safe_indexing(_indexable(X), idx), _safe_indexing(_indexable(y), idx)
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict(self, X):
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(lambda self: hasattr(self.estimator, "predict_proba"))
    def predict_proba(self, X):
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(lambda self: hasattr(self.estimator, "score"))
    def score(self, X, y, sample_weight=None):
        check_is_fitted(self)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags = inner.target_tags
        tags.input_tags = inner.input_tags
        return tags


def _check_weights(estimators, weights) -> np.ndarray:
    if not estimators:
        raise ValueError("estimators must be a non-empty list of (name, estimator) pairs.")
    w = np.ones(len(estimators)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(estimators),) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be {len(estimators)} non-negative numbers with a "
                         f"positive sum; got {weights!r}.")
    return w / w.sum()


class _WeightedEnsemble(BaseEstimator):
    def __init__(self, estimators, weights=None, prefit=False):
        self.estimators = estimators
        self.weights = weights
        self.prefit = prefit

    def _fit_members(self, X, y):
        self.weights_ = _check_weights(self.estimators, self.weights)
        if self.prefit:
            self.estimators_ = [est for _, est in self.estimators]
        else:
            self.estimators_ = [clone(est).fit(X, y) for _, est in self.estimators]
        first = self.estimators_[0]
        if hasattr(first, "n_features_in_"):
            self.n_features_in_ = first.n_features_in_
        if hasattr(first, "feature_names_in_"):
            self.feature_names_in_ = first.feature_names_in_


class WeightedEnsembleClassifier(ClassifierMixin, _WeightedEnsemble):
    """Weighted average of the class probabilities of several classifiers.

    Parameters
    ----------
    estimators : list of (str, estimator)
    weights : array-like of float, default=None (equal weights)
    prefit : bool, default=False
        When True the estimators are already fitted and ``fit`` only records the classes.
    """

    def fit(self, X, y):
        self._fit_members(X, y)
        if self.prefit:
            self.classes_ = np.unique(np.concatenate([np.asarray(e.classes_) for e in self.estimators_]))
        else:
            self.classes_ = np.unique(np.asarray(y))
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        total = np.zeros((_num_samples(X), len(self.classes_)))
        for w, est in zip(self.weights_, self.estimators_, strict=True):
            cols = np.searchsorted(self.classes_, est.classes_)
            total[:, cols] += w * est.predict_proba(X)
        return total

    def predict(self, X):
        check_is_fitted(self)  # before reading classes_, so an unfitted model says so
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class WeightedEnsembleRegressor(RegressorMixin, _WeightedEnsemble):
    """Weighted average of the predictions of several regressors (see the classifier for parameters)."""

    def fit(self, X, y):
        self._fit_members(X, y)
        return self

    def predict(self, X):
        check_is_fitted(self)
        return sum(w * np.asarray(est.predict(X), dtype=float)
                   for w, est in zip(self.weights_, self.estimators_, strict=True))


class SelectFraction(SelectorMixin, BaseEstimator):
    """Keep the best ``fraction`` of the columns by a univariate F-test, at least one column.

    Unlike ``SelectPercentile``, a column that separates the target perfectly (an infinite F)
    or a constant one (an undefined F) does not make the threshold undefined and every column
    dropped: infinite scores rank first, undefined ones last.
    """

    def __init__(self, fraction: float = 1.0, classification: bool = True):
        self.fraction = fraction
        self.classification = classification

    def fit(self, X, y):
        X, y = validate_data(self, X, y)
        test = f_classif if self.classification else f_regression
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.asarray(test(X, y)[0], dtype=float)
        self.scores_ = np.nan_to_num(scores, nan=-1.0, posinf=np.finfo(float).max)
        return self

    def _get_support_mask(self):
        check_is_fitted(self, "scores_")
        k = max(1, int(round(self.fraction * len(self.scores_))))
        mask = np.zeros(len(self.scores_), dtype=bool)
        mask[np.argsort(-self.scores_, kind="stable")[:k]] = True
        return mask
