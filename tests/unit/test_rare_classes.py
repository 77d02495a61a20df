"""Rare classes end to end: class weights and calibration as search choices, a decision threshold
tuned out of fold and kept in the model, saved, exported and explained."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import FixedThresholdClassifier

from jupyter_automl import AutoML
from jupyter_automl.problem import analyze
from jupyter_automl.search.space import FAMILIES

from .conftest import tiny_automl


def rare_frame(n=600, share=0.06, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < share).astype(int)
    X = pd.DataFrame({"a": rng.normal(size=n) + 1.5 * y, "b": rng.normal(size=n) + y,
                      "c": rng.normal(size=n)})
    return X, pd.Series(y, name="churn")


def _params(problem, family):
    return {p.name for p in FAMILIES[family].params(problem)}


def test_class_weights_are_a_choice_only_on_imbalanced_tables():
    X, y = rare_frame()
    rare, _, _ = analyze(X, y, check_leakage=False)
    balanced, _, _ = analyze(X, (X["a"] > 0).astype(int).rename("label"), check_leakage=False)
    for family in ("linear", "random_forest", "extra_trees", "gradient_boosting", "svm"):
        assert "class_weight" in _params(rare, family)
        assert "class_weight" not in _params(balanced, family)
    assert "class_weight" not in _params(rare, "knn")  # k-NN has no class weights


def test_calibration_is_a_choice_when_the_metric_judges_probabilities():
    X, y = rare_frame()
    by_loss, _, _ = analyze(X, y, metric="log_loss", check_leakage=False)
    by_auc, _, _ = analyze(X, y, metric="roc_auc", check_leakage=False)
    for family in ("random_forest", "extra_trees", "knn"):
        assert "calibration" in _params(by_loss, family)
        assert "calibration" not in _params(by_auc, family)


@pytest.mark.parametrize("family, step", [("random_forest", "model"), ("knn", "model")])
def test_a_calibrated_configuration_fits_and_predicts_probabilities(family, step):
    from sklearn.calibration import CalibratedClassifierCV

    from jupyter_automl.search.space import build_pipeline, family_values

    X, y = rare_frame()
    problem, X_clean, y_clean = analyze(X, y, metric="log_loss", check_leakage=False)
    defaults = FAMILIES[family].defaults(problem)[0]
    choice = {"calibration": "isotonic", "class_weight": "balanced"} if family == "random_forest" \
        else {"calibration": "sigmoid"}
    params = {"family": family} | {f"{family}.{k}": v for k, v in (defaults | choice).items()}
    model = build_pipeline(problem, params).fit(X_clean, y_clean)
    assert isinstance(model.named_steps[step], CalibratedClassifierCV)
    proba = model.predict_proba(X_clean)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert family_values(problem, params)[1]["calibration"] in ("isotonic", "sigmoid")


def test_f1_is_judged_at_a_tuned_threshold_that_the_model_keeps(tmp_path):
    X, y = rare_frame()
    automl = tiny_automl(metric="f1", n_trials=3).fit(X.iloc[:450], y.iloc[:450])
    model = automl.best_pipeline_
    threshold = automl.search_.threshold
    assert isinstance(model, FixedThresholdClassifier) and threshold == model.threshold
    assert 0 < threshold < 1 and threshold != 0.5
    X_test, y_test = X.iloc[450:], y.iloc[450:]
    proba = automl.predict_proba(X_test)[:, 1]
    assert (automl.predict(X_test) == (proba >= threshold)).all()
    assert automl.score(X_test, y_test) == pytest.approx(f1_score(y_test, proba >= threshold))
    board = automl.leaderboard()
    assert {"f1", "average_precision", "roc_auc", "threshold"} <= set(board.columns)
    assert board["threshold"].between(0, 1).all()
    # saved, loaded and exported with the threshold
    loaded = AutoML.load(automl.save(tmp_path / "m.skops"))
    assert (loaded.predict(X_test) == automl.predict(X_test)).all()
    assert loaded.search_.threshold == threshold
    script = automl.export_code(tmp_path / "train.py").read_text()
    assert f"threshold={threshold!r}" in script or "FixedThresholdClassifier(" in script
    notes = automl.explain(X_test.head(10)).notes
    assert any("tuned threshold" in n for n in notes)


def test_no_threshold_for_ranking_metrics_or_multiclass(multiclass_data):
    X, y = rare_frame()
    automl = tiny_automl(metric="roc_auc").fit(X, y)
    assert automl.search_.threshold is None
    assert not isinstance(automl.best_pipeline_, FixedThresholdClassifier)
    assert "threshold" not in automl.leaderboard().columns
    X3, y3 = multiclass_data
    assert tiny_automl(metric="f1").fit(X3, y3).search_.threshold is None
