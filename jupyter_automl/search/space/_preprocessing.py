"""Preprocessing that fits each model family, built from the column roles of a Problem.

Styles:
- ``"scaled"`` (linear, k-NN, SVM, neural): impute, add missing indicators, scale; one-hot
  categories (rare ones grouped) or target-encode high-cardinality ones.
- ``"trees"`` (random forest, extra trees): impute; one-hot or ordinal categories.
- ``"native"`` (histogram gradient boosting): numbers pass through with their NaNs; categories are
  ordinal codes that the model splits natively (they come first, see ``native_categorical``).

Categorical columns with the same encoder settings share one encoder (one transformer per column
cost a linear model's fold on german credit's 13 categories 0.07 s in 0.28 s); date and text
columns each get their own transformer. Every output column maps back to exactly one input
column (``estimators.output_sources`` says which); the SHAP explanations rely on it.

An ``Engineering`` (see ``_engineering``) changes how date, text and high-cardinality columns are
encoded and may add spline bases of numbers; without one (or with its defaults) the
preprocessing is the fixed one.
"""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    OneHotEncoder,
    OrdinalEncoder,
    QuantileTransformer,
    StandardScaler,
    TargetEncoder,
)

from ..._compat import target_encoder
from ...estimators import AsLabels, DatetimeFeatures, FastImputer, FiniteNumbers, TextColumn
from ...problem import ColumnInfo, Problem
from ._engineering import (
    Engineering,
    date_steps,
    high_cardinality_encoder,
    spline_transformers,
    tfidf_options,
)

MAX_ONEHOT_CATEGORIES = 30
TEXT_FEATURES = 200
SPARSE_SHARE = 0.3  # with ``sparse``, the output is sparse below this share of non-zero cells


def _scaler(numeric_transform: str, n_rows: int):
    if numeric_transform == "quantile":
        return QuantileTransformer(output_distribution="normal", n_quantiles=min(1000, max(10, n_rows // 2)),
                                   random_state=0)
    return StandardScaler()


def _target_encoder(seed: int, classification: bool) -> TargetEncoder:
    # seeded cross-fitting folds: the same seed gives the same model (TargetEncoder's own
    # shuffle/random_state are deprecated since scikit-learn 1.9 in favour of a cv splitter)
    folds = (StratifiedKFold if classification else KFold)(5, shuffle=True, random_state=seed)
    return target_encoder(folds)


def _categorical(style: str, info: ColumnInfo, cat_encoding: str, seed: int, classification: bool,
                 sparse: bool = False):
    high_cardinality = info.high_cardinality
    # max_categories and min_frequency make the encoders count values in Python (a Counter):
    # 0.2 s per fit on adult's 8 columns, so they are only set where they can change something
    if style == "native":
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                 encoded_missing_value=np.nan,
                                 max_categories=255 if info.n_unique > 254 else None)
    elif cat_encoding == "target" or (style == "scaled" and high_cardinality and cat_encoding == "auto"):
        encoder = _target_encoder(seed, classification)
        return Pipeline([("labels", AsLabels()),
                         ("impute", SimpleImputer(strategy="constant", fill_value="__missing__")),
                         ("encode", encoder)])
    elif cat_encoding == "ordinal":
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                 encoded_missing_value=-2)
    else:
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist", sparse_output=sparse,
            max_categories=MAX_ONEHOT_CATEGORIES if info.n_unique >= MAX_ONEHOT_CATEGORIES else None,
            min_frequency=5 if high_cardinality else None)
    return Pipeline([("labels", AsLabels()), ("encode", encoder)])


def build_preprocessor(
    problem: Problem,
    style: str,
    *,
    numeric_transform: str = "standard",
    cat_encoding: str = "auto",
    seed: int = 0,
    engineering: Engineering | None = None,
    sparse: bool = False,
) -> ColumnTransformer:
    """A ColumnTransformer for ``problem``'s used columns, in the given style.

    ``sparse``: one-hot columns stay sparse, and the output is a sparse matrix when under 30 % of
    its cells are non-zero (for models that gain from it: L-BFGS logistic regression reads its
    inputs about a hundred times, and a dense one-hot matrix is mostly zeros to read).
    """
    transformers = []
    shared: dict[str, tuple] = {}  # an encoder's settings (its repr) -> the encoder, its columns
    engineered = []  # high-cardinality columns encoded as numbers: after the native categories
    for info in problem.used_columns:
        if info.kind not in ("categorical", "boolean"):
            continue
        if info.high_cardinality and engineering is not None and engineering.changes_high_cardinality(style):
            encoder = _target_encoder(seed, problem.is_classification)
            engineered.append((high_cardinality_encoder(engineering, encoder), [info.name]))
        else:
            encoder = _categorical(style, info, cat_encoding, seed, problem.is_classification, sparse)
            shared.setdefault(repr(encoder), (encoder, []))[1].append(info.name)
    for encoder, columns in [*shared.values(), *engineered]:
        transformers.append((f"cat_{len(transformers)}", encoder, columns))
    numeric = problem.columns_of("numeric")
    if numeric:
        if style == "native":
            num = FiniteNumbers()
        elif style == "trees":
            num = Pipeline([("finite", FiniteNumbers()),
                            ("impute", FastImputer(strategy="median", add_indicator=True,
                                                     keep_empty_features=True))])
        else:  # numeric_transform="none": the model scales (a convolution, every pixel alike)
            scale = [] if numeric_transform == "none" else [("scale", _scaler(numeric_transform, problem.n_rows))]
            num = Pipeline([("finite", FiniteNumbers()),
                            ("impute", FastImputer(strategy="median", add_indicator=True,
                                                     keep_empty_features=True)), *scale])
        transformers.append(("num", num, numeric))
    transformers += spline_transformers(problem, engineering, len(transformers))
    for name in problem.columns_of("datetime"):
        if engineering is not None and engineering.datetime == "drop":
            break
        steps = [("parts", DatetimeFeatures(**date_steps(engineering)))]
        if style != "native":
            steps.append(("impute", FastImputer(strategy="median", keep_empty_features=True)))
        if style == "scaled":
            steps.append(("scale", StandardScaler()))
        transformers.append((f"date_{len(transformers)}", Pipeline(steps), [name]))
    for name in problem.columns_of("text"):
        if engineering is not None and engineering.text == "drop":
            break
        tfidf = TfidfVectorizer(**{"max_features": TEXT_FEATURES, "min_df": 2, "sublinear_tf": True}
                                | tfidf_options(engineering))
        transformers.append((f"text_{len(transformers)}",
                             Pipeline([("fill", TextColumn()), ("tfidf", tfidf)]), [name]))
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=SPARSE_SHARE if sparse else 0.0)


def native_categorical(problem: Problem, engineering: Engineering | None = None) -> list[int] | None:
    """Indices of the categorical outputs of a ``"native"`` preprocessor (they come first; the
    high-cardinality columns an ``engineering`` encodes as numbers come after them)."""
    encoded = engineering is not None and engineering.changes_high_cardinality("native")
    n = sum(1 for c in problem.used_columns if c.kind in ("categorical", "boolean")
            and not (encoded and c.high_cardinality))
    return list(range(n)) or None
