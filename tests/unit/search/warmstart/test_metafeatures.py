"""Meta-features on small real tables, with values checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from jupyter_automl.problem import analyze
from jupyter_automl.search.warmstart import METAFEATURE_NAMES, compute_metafeatures


def _iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return analyze(X, y.map({0: "setosa", 1: "versicolor", 2: "virginica"}), cv=3,
                   check_leakage=False)


def test_every_name_is_there_and_finite():
    problem, X, y = _iris()
    mf = compute_metafeatures(X, y, problem)
    assert list(mf) == list(METAFEATURE_NAMES)
    assert all(math.isfinite(v) for v in mf.values())


def test_iris_by_hand():
    problem, X, y = _iris()
    mf = compute_metafeatures(X, y, problem)
    assert mf["log_rows"] == pytest.approx(math.log10(150))
    assert mf["log_cols"] == pytest.approx(math.log10(4))
    assert mf["share_numeric"] == 1.0 and mf["share_categorical"] == 0.0
    assert mf["is_multiclass"] == 1.0 and mf["is_binary"] == 0.0
    assert mf["log_classes"] == pytest.approx(math.log2(3))
    # three classes of 50: balanced, so the normalised entropy is 1 and the rarest share 1/3
    assert mf["class_entropy"] == pytest.approx(1.0)
    assert mf["min_class_share"] == pytest.approx(1 / 3)
    assert mf["missing_share"] == 0.0
    # iris is easy: the best landmarker is far above chance
    assert mf["lm_best"] > 0.8


def test_imbalance_missing_and_categories_by_hand():
    rng = np.random.default_rng(0)
    n = 40
    X = pd.DataFrame({"num": rng.normal(size=n), "cat": rng.choice(["a", "b", "c", "d"], n),
                      "gappy": rng.normal(size=n)})
    X.loc[:9, "gappy"] = np.nan  # 10 of 40 missing
    y = pd.Series([1] * 10 + [0] * 30, name="y")
    problem, Xc, yc = analyze(X, y, cv=2, check_leakage=False)
    mf = compute_metafeatures(Xc, yc, problem)
    # a 10/30 split: entropy -(0.25 ln 0.25 + 0.75 ln 0.75) / ln 2
    assert mf["class_entropy"] == pytest.approx(0.8112781244591328)
    assert mf["min_class_share"] == pytest.approx(0.25)
    # 10 missing cells out of 3 columns x 40 rows; one column of three has some
    assert mf["missing_share"] == pytest.approx(10 / 120)
    assert mf["share_cols_missing"] == pytest.approx(1 / 3)
    assert mf["share_categorical"] == pytest.approx(1 / 3)
    assert mf["cat_log_card_mean"] == pytest.approx(math.log10(4))


def test_regression_and_skewness():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.normal(size=60), "skewed": rng.exponential(size=60)})
    y = pd.Series(X["x"] * 3 + rng.normal(scale=0.1, size=60), name="y")
    problem, Xc, yc = analyze(X, y, cv=2, check_leakage=False)
    mf = compute_metafeatures(Xc, yc, problem)
    assert mf["is_regression"] == 1.0 and mf["log_classes"] == 0.0
    assert mf["lm_linear"] > 0.9  # the target is linear in x
    assert mf["max_abs_skew"] > mf["mean_abs_skew"] > 0.0


def test_same_seed_same_values():
    problem, X, y = _iris()
    assert compute_metafeatures(X, y, problem, seed=3) == compute_metafeatures(X, y, problem, seed=3)
