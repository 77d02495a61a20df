"""The fairness-aware search plugin: settings, disparity objective, wrapping, choice."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.insight import FairnessPlugin, ThresholdClassifier, disparity, fairness_plugin
from jupyter_automl.problem import analyze

from .._data import binary_frame, regression_frame


def _problem(X, y):
    problem, X_clean, _ = analyze(X, y, check_leakage=False, metric="accuracy")
    return problem, X_clean


def test_disparity_of_decisions_by_group():
    groups = np.array([0] * 40 + [1] * 60)
    y = np.array([1] * 20 + [0] * 20 + [1] * 30 + [0] * 30)
    decide = np.array([1] * 15 + [0] * 5 + [1] * 5 + [0] * 15 + [1] * 10 + [0] * 50)
    proba = np.column_stack([1 - decide, decide]).astype(float)
    dp = disparity("demographic_parity", y, proba, groups, [0, 1], 1, 30)
    eo = disparity("equalized_odds", y, proba, groups, [0, 1], 1, 30)
    assert dp == pytest.approx(0.5 - 1 / 6) and eo == pytest.approx(0.75 - 1 / 3)
    assert np.isnan(disparity("demographic_parity", y, proba, groups, [0, 1], 1, 50))  # one group left
    mae = disparity("bounded_group_loss", np.zeros(100), np.r_[np.ones(40), 3 * np.ones(60)], groups,
                    None, None, 30)
    assert mae == pytest.approx(2.0)


def test_plugin_from_settings_wraps_with_thresholds_and_pickles():
    X, y = binary_frame(120)
    problem, X_clean = _problem(X, y)
    plugin = fairness_plugin({"sensitive_features": "colour", "max_disparity": 0.1}, problem, X_clean)
    assert plugin.objective_names == ("demographic_parity_difference",)
    assert plugin.objective_directions == ("minimize",)
    assert plugin.default_params() == {"plugin.tolerance": 0.02}
    assert len(plugin.group_codes) == len(X_clean) and set(plugin.group_labels) == {"red", "green", "blue"}
    wrapped = plugin.wrap("pipeline", {"plugin.tolerance": 0.05}, problem)
    assert isinstance(wrapped, ThresholdClassifier) and wrapped.tolerance == 0.05
    assert wrapped.sensitive_features == ["colour"]
    assert plugin.wrap("pipeline", {"plugin.tolerance": "none"}, problem) == "pipeline"
    assert pickle.loads(pickle.dumps(plugin)).group_labels == plugin.group_labels
    eo = fairness_plugin({"sensitive_features": ["colour"], "constraint": "equalized_odds"}, problem, X_clean)
    assert eo.tolerances == ("none", 0.0) and eo.default_params() == {"plugin.tolerance": 0.0}


def test_choose_the_best_metric_under_the_limit_else_the_fairest():
    plugin = FairnessPlugin(sensitive_features=["g"], constraint="demographic_parity", task="binary",
                            group_codes=np.zeros(3, np.int32), group_labels=["x"], classes=[0, 1],
                            positive_class=1, max_disparity=0.05, min_group_size=30, postprocess=True)
    rec = lambda n, d: SimpleNamespace(number=n, objectives={"demographic_parity_difference": d})  # noqa: E731
    front = [rec(1, 0.2), rec(2, 0.04), rec(3, 0.01)]  # best metric first
    assert plugin.choose(front).number == 2
    assert plugin.choose([rec(1, 0.2), rec(4, 0.1)]).number == 4


def test_settings_are_checked_with_clear_messages():
    X, y = binary_frame(120)
    problem, X_clean = _problem(X, y)
    with pytest.raises(InputError, match="must be None or a dict"):
        fairness_plugin(["colour"], problem, X_clean)
    with pytest.raises(InputError, match=r"Unknown key\(s\) \['sensitve_features'\]"):
        fairness_plugin({"sensitve_features": "colour"}, problem, X_clean)
    with pytest.raises(InputError, match="needs 'sensitive_features'"):
        fairness_plugin({"constraint": "demographic_parity"}, problem, X_clean)
    with pytest.raises(InputError, match="that X does not have"):
        fairness_plugin({"sensitive_features": "sex"}, problem, X_clean)
    with pytest.raises(InputError, match="does not fit a binary task"):
        fairness_plugin({"sensitive_features": "colour", "constraint": "bounded_group_loss"}, problem, X_clean)
    Xr, yr = regression_frame()
    rproblem, Xr_clean, _ = analyze(Xr, yr, check_leakage=False)
    plugin = fairness_plugin({"sensitive_features": "area", "constraint": "bounded_group_loss"},
                             rproblem, Xr_clean)
    assert plugin.objective_names == ("mae_difference",) and not plugin.postprocess


def test_a_sensitive_column_the_model_does_not_read_cannot_be_thresholded():
    X, y = binary_frame(120)
    X = X.assign(person=[f"id{i}" for i in range(len(X))])  # an identifier: left out of the features
    problem, X_clean = _problem(X, y)
    with pytest.raises(InputError, match=r"must read the sensitive column\(s\) \['person'\]"):
        fairness_plugin({"sensitive_features": "person"}, problem, X_clean)
    only_measured = fairness_plugin({"sensitive_features": "person", "postprocess": False}, problem, X_clean)
    assert not only_measured.postprocess and only_measured.default_params() == {}


def test_a_score_metric_is_flagged():
    from jupyter_automl.insight import FairnessSearchWarning

    X, y = binary_frame(120)
    problem, X_clean, _ = analyze(X, y, check_leakage=False)  # roc_auc
    with pytest.warns(FairnessSearchWarning, match="metric='accuracy'"):
        fairness_plugin({"sensitive_features": "colour"}, problem, X_clean)
    assert isinstance(pd.DataFrame(), pd.DataFrame)
