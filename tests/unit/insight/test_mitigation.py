"""Fair classifiers and mitigate(): constraints met, predict-time requirements explicit."""

from __future__ import annotations

import pickle

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from jupyter_automl.exceptions import InputError
from jupyter_automl.insight import (
    MitigationResult,
    ReductionClassifier,
    SensitiveGroups,
    ThresholdClassifier,
    mitigate,
)
from jupyter_automl.insight.fairness._estimators import MSG_NEEDS_SENSITIVE, WeightedFit


def _biased(n=1500, seed=0):
    """Group "a" gets positive labels much more often, through x and directly."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], n, p=[0.4, 0.6])
    x = rng.normal(size=n) + (group == "a")
    y = (x + 0.8 * (group == "a") + rng.normal(scale=0.7, size=n) > 0.9).astype(int)
    return pd.DataFrame({"x": x, "group": group, "age": rng.integers(18, 80, n)}), y


def _model():
    pre = make_column_transformer(("passthrough", ["x"]), (OneHotEncoder(), ["group"]))
    return make_pipeline(pre, LogisticRegression())


def _dp(model, X):
    rates = pd.Series(model.predict(X)).groupby(X["group"].to_numpy()).mean()
    return abs(rates["a"] - rates["b"])


def test_threshold_classifier_meets_demographic_parity_and_needs_the_group():
    X, y = _biased(4000)
    test, y_test = _biased(4000, seed=1)
    base = _model().fit(X, y)
    fair = ThresholdClassifier(_model(), sensitive_features=["group"]).fit(X, y)
    assert _dp(base, test) > 0.3 and _dp(fair, test) < 0.05
    assert fair.requires_sensitive_features
    with pytest.raises(InputError, match=r"needs the sensitive column\(s\) \['group'\]"):
        fair.predict(X.drop(columns="group"))
    assert MSG_NEEDS_SENSITIVE.split("{")[0] in str(pytest.raises(InputError, fair.predict_proba,
                                                                     X[["x"]]).value)
    proba = fair.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)


def test_decisions_are_reproducible_row_by_row():
    X, y = _biased()
    fair = ThresholdClassifier(_model(), sensitive_features=["group"], constraint="equalized_odds").fit(X, y)
    whole = fair.predict(X)
    np.testing.assert_array_equal(fair.predict(X.iloc[::-1])[::-1], whole)  # any batch, same draw
    np.testing.assert_array_equal(fair.predict(X.iloc[100:110]), whole[100:110])
    restored = pickle.loads(pickle.dumps(fair))
    np.testing.assert_array_equal(restored.predict(X), whole)


def test_relaxed_tolerance_and_a_prefit_model():
    X, y = _biased()
    base = _model().fit(X, y)
    loose = ThresholdClassifier(base, sensitive_features=["group"], prefit=True, tolerance=0.2).fit(X, y)
    assert loose.estimator_ is base
    assert 0.05 < _dp(loose, X) <= 0.25
    with pytest.raises(InputError, match="constraint must be one of"):
        ThresholdClassifier(base, sensitive_features=["group"], constraint="fair").fit(X, y)
    with pytest.raises(InputError, match="binary classification"):
        ThresholdClassifier(base, sensitive_features=["group"]).fit(X, np.arange(len(X)) % 3)


def test_reduction_classifier_needs_weights_not_the_group_at_predict_time():
    X, y = _biased(800)
    fair = ReductionClassifier(_model(), sensitive_features=["group"], max_iter=8).fit(X, y)
    assert not fair.requires_sensitive_features
    assert _dp(fair, X) < 0.1
    assert fair.weights_.sum() == pytest.approx(1.0)
    knn = make_pipeline(make_column_transformer(("passthrough", ["x"])), KNeighborsClassifier())
    with pytest.raises(InputError, match="does not take sample_weight"):
        ReductionClassifier(knn, sensitive_features=["group"]).fit(X, y)


def test_weighted_fit_passes_weights_to_the_last_step():
    X, y = _biased(300)
    weights = np.where(y == 1, 10.0, 1.0)
    heavy = WeightedFit(_model()).fit(X, y, sample_weight=weights)
    plain = WeightedFit(_model()).fit(X, y)
    assert heavy.predict(X).mean() > plain.predict(X).mean()


def test_sensitive_groups_keep_the_bins_learnt_in_fit():
    X, _ = _biased(400)
    groups = SensitiveGroups(["age", "group"]).fit(X)
    labels = groups.transform(X)
    assert labels["age"].nunique() == 4 and set(labels["group"]) == {"a", "b"}
    one = groups.transform(X.iloc[:1])
    assert one.iloc[0, 0] == labels.iloc[0, 0]  # one row alone gets the same bin


def test_mitigate_compares_before_and_after():
    X, y = _biased(2000)
    train, test = np.arange(1400), np.arange(1400, 2000)
    model = _model().fit(X.iloc[train], y[train])
    result = mitigate(model, X.iloc[train], y[train], sensitive_features="group",
                      X_test=X.iloc[test], y_test=y[test])
    assert isinstance(result, MitigationResult) and isinstance(result.model, ThresholdClassifier)
    c = result.comparison
    assert c.loc["demographic_parity_difference", "before"] > 0.3
    assert c.loc["demographic_parity_difference", "after"] < 0.1
    assert c.loc["accuracy", "change"] == pytest.approx(c.loc["accuracy", "after"] - c.loc["accuracy", "before"])
    assert any("needs the column(s) ['group']" in n for n in result.notes)
    fig, ax = plt.subplots()
    result.plot(ax=ax)
    assert len(ax.patches) == 4  # 2 groups, before and after
    result.plot_comparison()
    assert "demographic_parity" in repr(result)
    same_rows = mitigate(model, X, y, sensitive_features=["group"], refit=False)
    assert any("pass X_test and y_test" in n for n in same_rows.notes)
    with pytest.raises(InputError, match="column names"):
        mitigate(model, X, y, sensitive_features=X["group"])
    with pytest.raises(InputError, match="method must be one of"):
        mitigate(model, X, y, sensitive_features="group", method="magic")


def test_fair_models_are_stored_by_skops_and_predict_the_same(tmp_path):
    import skops.io

    from jupyter_automl.insight import TRUSTED_TYPES

    X, y = _biased(800)
    models = [ThresholdClassifier(_model(), sensitive_features=["group", "age"]).fit(X, y),
              ReductionClassifier(_model(), sensitive_features=["group"], max_iter=4).fit(X, y)]
    for model in models:
        path = tmp_path / f"{type(model).__name__}.skops"
        skops.io.dump(model, path)
        untrusted = [t for t in skops.io.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
        assert not [t for t in untrusted if "fairlearn" in t or "pandas" in t]
        restored = skops.io.load(path, trusted=list(TRUSTED_TYPES) + untrusted)
        np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_a_mitigation_that_changes_no_decision_says_so():
    X, y = _biased()
    fair = ThresholdClassifier(_model(), sensitive_features=["group"],
                               constraint="demographic_parity").fit(X, y)
    again = mitigate(fair, X, y, sensitive_features="group")  # the same thresholds, set again
    assert np.array_equal(again.model.predict(X), fair.predict(X))
    assert any(n.startswith("The mitigated model makes the same decisions") for n in again.notes)
    changed = mitigate(_model().fit(X, y), X, y, sensitive_features="group")
    assert not any("same decisions" in n for n in changed.notes)
