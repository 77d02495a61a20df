"""fairness(): per-group metrics on known data, disparities, intersections, small groups, plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from jupyter_automl.exceptions import InputError
from jupyter_automl.insight import FairnessResult, SmallGroupWarning, fairness, fairness_report
from jupyter_automl.insight.fairness._groups import MSG_LENGTH, sensitive_frame


class Lookup(ClassifierMixin, BaseEstimator):
    """Predicts the column "pred" of X: a model whose decisions the test controls."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return X["pred"].to_numpy()


class LookupRegressor(RegressorMixin, BaseEstimator):
    def fit(self, X, y):
        return self

    def predict(self, X):
        return X["pred"].to_numpy(dtype=float)


def _binary():
    # group a: 40 rows, 20 positives; the model says yes to 15 positives and 5 negatives
    # group b: 60 rows, 30 positives; the model says yes to 10 positives and 0 negatives
    y = np.array([1] * 20 + [0] * 20 + [1] * 30 + [0] * 30)
    pred = np.array([1] * 15 + [0] * 5 + [1] * 5 + [0] * 15 + [1] * 10 + [0] * 20 + [0] * 30)
    X = pd.DataFrame({"group": ["a"] * 40 + ["b"] * 60, "pred": pred,
                      "age": np.r_[np.linspace(20, 60, 40), np.linspace(20, 60, 60)]})
    return X, y


def test_rates_and_disparities_are_exact_on_known_data():
    X, y = _binary()
    result = fairness(Lookup().fit(X, y), X, y, sensitive_features="group")
    assert isinstance(result, FairnessResult)
    a, b = result.by_group.loc["a"], result.by_group.loc["b"]
    assert (a["count"], b["count"]) == (40, 60)
    assert a["selection_rate"] == pytest.approx(20 / 40) and b["selection_rate"] == pytest.approx(10 / 60)
    assert a["true_positive_rate"] == pytest.approx(15 / 20) and b["true_positive_rate"] == pytest.approx(10 / 30)
    assert a["false_positive_rate"] == pytest.approx(5 / 20) and b["false_positive_rate"] == 0
    assert a["accuracy"] == pytest.approx(30 / 40) and b["balanced_accuracy"] == pytest.approx((10 / 30 + 1) / 2)
    d = result.disparities
    assert d["demographic_parity_difference"] == pytest.approx(0.5 - 1 / 6)
    assert d["demographic_parity_ratio"] == pytest.approx((1 / 6) / 0.5)
    assert d["equalized_odds_difference"] == pytest.approx(max(0.75 - 1 / 3, 0.25))
    assert d["worst_group"] == "b" and d["best_group"] == "a"  # accuracy 40/60 against 30/40
    assert result.overall["selection_rate"] == pytest.approx(30 / 100)
    # fairlearn's own functions agree
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
    assert d["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(y, X["pred"], sensitive_features=X["group"]))
    assert d["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(y, X["pred"], sensitive_features=X["group"]))


def test_a_rate_without_its_class_is_missing_not_zero():
    X, y = _binary()
    y = y.copy()
    y[40:] = 0  # group b has no positives: its true positive rate is undefined
    result = fairness(Lookup().fit(X, y), X, y, sensitive_features="group")
    assert np.isnan(result.by_group.loc["b", "true_positive_rate"])


def test_intersections_numeric_bins_and_small_groups():
    X, y = _binary()
    with pytest.warns(SmallGroupWarning, match=r"fewer than 30 rows"):
        result = fairness(Lookup().fit(X, y), X, y, sensitive_features=["group", "age"])
    assert result.by_group.index.names == ["group", "age"]
    assert len(result.by_group) == 8  # 2 groups x 4 age quartiles
    assert result.by_group["small_group"].all()
    assert set(result.marginal) == {"group", "age"}
    assert result.marginal["group"].loc["a", "selection_rate"] == pytest.approx(0.5)
    assert "note" in result.disparities  # no two groups large enough to compare
    assert any("quantile bins" in n for n in result.notes)
    table = result.table()
    assert table.index[0] == ("overall", "overall") and table["count"].dtype == int


def test_empty_intersections_are_left_out():
    X, y = _binary()
    X["region"] = np.where(X["group"] == "a", "north", "south")  # a & south, b & north: no rows
    result = fairness(Lookup().fit(X, y), X, y, sensitive_features=["group", "region"])
    assert list(result.by_group.index) == [("a", "north"), ("b", "south")]
    assert result.by_group["count"].tolist() == [40, 60]
    assert result.disparities["demographic_parity_difference"] == pytest.approx(0.5 - 1 / 6)


def test_sensitive_features_as_values_and_bad_input():
    X, y = _binary()
    by_values = fairness(Lookup().fit(X, y), X, y, sensitive_features=X["group"].to_numpy(),
                         min_group_size=1)
    assert list(by_values.by_group.index) == ["a", "b"]
    with pytest.raises(InputError, match="which is not in X"):
        fairness(Lookup(), X, y, sensitive_features="sex")
    with pytest.raises(InputError, match=MSG_LENGTH.split("{")[0]):
        sensitive_frame(["x", "y"], None, 3)
    with pytest.raises(InputError, match="sensitive_features is empty"):
        fairness(Lookup(), X, y, sensitive_features=[])
    with pytest.raises(InputError, match="y has 3 values but X has 100 rows"):
        fairness(Lookup(), X, y[:3], sensitive_features="group")


def test_multiclass_rates_are_one_vs_rest_and_disparity_the_largest():
    y = np.array(["x", "y", "z"] * 40)
    pred = np.where(np.arange(120) < 60, y, "x")
    X = pd.DataFrame({"group": ["a"] * 60 + ["b"] * 60, "pred": pred})
    result = fairness(Lookup().fit(X, y), X, y, sensitive_features="group")
    assert {"selection_rate[x]", "selection_rate[z]", "accuracy"} <= set(result.by_group.columns)
    assert result.by_group.loc["b", "selection_rate[x]"] == 1.0
    assert result.disparities["demographic_parity_difference"] == pytest.approx(1 - 1 / 3)
    assert result.by_group.loc["a", "accuracy"] == 1.0


def test_regression_groups_mae_rmse_and_mean_prediction():
    y = np.r_[np.zeros(40), np.zeros(40)]
    pred = np.r_[np.full(40, 1.0), np.full(40, -3.0)]
    X = pd.DataFrame({"group": ["a"] * 40 + ["b"] * 40, "pred": pred})
    result = fairness(LookupRegressor(), X, y, sensitive_features="group")
    assert result.task == "regression"
    assert result.by_group.loc["b", "mae"] == 3.0 and result.by_group.loc["a", "rmse"] == 1.0
    assert result.by_group.loc["b", "mean_prediction"] == -3.0
    assert result.disparities["mae_difference"] == 2.0 and result.disparities["worst_group"] == "b"


def test_plots_show_the_groups():
    X, y = _binary()
    result = fairness(Lookup().fit(X, y), X, y, sensitive_features="group")
    fig, ax = plt.subplots()
    result.plot(ax=ax)
    assert result.ax_ is ax
    assert sorted(p.get_width() for p in ax.patches) == pytest.approx(sorted(result.by_group["selection_rate"]))
    result.plot_by_group()
    assert len(result.ax_.patches) == 2 * 4  # groups x rates
    result.plot_disparities()
    assert [t.get_text() for t in result.ax_.get_yticklabels()] == ["demographic parity", "equalized odds"]
    with pytest.raises(InputError, match="is not a metric"):
        result.plot("speed")
    assert "demographic_parity_difference" in result._repr_html_()


def test_report_from_predictions_directly():
    X, y = _binary()
    groups, _ = sensitive_frame("group", X, len(X))
    result = fairness_report(y, X["pred"].to_numpy(), groups)
    assert result.disparities["demographic_parity_difference"] == pytest.approx(1 / 3)


def test_a_rate_of_a_handful_of_positives_does_not_count_in_equalized_odds():
    # group b: 100 rows but 4 positives, all missed (TPR 0); group a: TPR 1
    y = np.r_[np.ones(50), np.zeros(50), np.ones(4), np.zeros(96)].astype(int)
    pred = np.r_[np.ones(50), np.zeros(150)].astype(int)
    X = pd.DataFrame({"group": ["a"] * 100 + ["b"] * 100, "pred": pred})
    result = fairness(Lookup().fit(X, y), X, y, sensitive_features="group")
    assert result.by_group.loc["b", "positives"] == 4 and result.by_group.loc["b", "true_positive_rate"] == 0
    assert result.disparities["equalized_odds_difference"] == 0.0  # FPR 0 in both; TPR of b left out
