"""The usual metrics every trial records, and the automatic metric for rare positives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from jupyter_automl.problem import SECONDARY, analyze, resolve_metric, secondary_scores
from jupyter_automl.problem._metrics import RARE_POSITIVE_REASON


def test_binary_scores_match_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.choice(["a", "b"], 200).astype(object)
    p = np.clip((y == "b") * 0.3 + rng.random(200) * 0.7, 0, 1)
    pred = np.column_stack([1 - p, p])
    metric = resolve_metric("roc_auc", "binary", np.array(["a", "b"], dtype=object), "b")[0]
    got = secondary_scores(y, pred, metric)
    assert list(got) == list(SECONDARY["binary"])
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y == "b", p))
    assert got["average_precision"] == pytest.approx(skm.average_precision_score(y == "b", p))
    assert got["f1"] == pytest.approx(skm.f1_score(y == "b", p >= 0.5))
    assert got["log_loss"] == pytest.approx(skm.log_loss(y == "b", p))


def test_regression_scores_and_an_undefined_mape():
    y = np.array([1.0, 2.0, 4.0, 8.0])
    pred = np.array([1.5, 2.0, 3.0, 9.0])
    metric = resolve_metric("rmse", "regression", None)[0]
    got = secondary_scores(y, pred, metric)
    assert got["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, pred))
    assert got["r2"] == pytest.approx(skm.r2_score(y, pred))
    assert np.isnan(secondary_scores(np.array([0.0, 1, 2, 3]), pred, metric)["mape"])


def test_auto_metric_is_average_precision_for_rare_positives():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    y = pd.Series(np.where(np.arange(n) < 20, "fraud", "ok"), name="label")  # 5 % positive
    problem, _, _ = analyze(X, y, check_leakage=False)
    assert problem.positive_class == "fraud" and problem.metric.name == "average_precision"
    assert problem.metric_reason == RARE_POSITIVE_REASON.format(share=0.05, positive="fraud")
    balanced = pd.Series(np.where(np.arange(n) % 3 == 0, "fraud", "ok"), name="label")
    assert analyze(X, balanced, check_leakage=False)[0].metric.name == "roc_auc"
    assert analyze(X, y, metric="roc_auc", check_leakage=False)[0].metric.name == "roc_auc"
