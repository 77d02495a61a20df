"""AutoML.mitigate and AutoML.use_mitigated: a mitigated model becomes the model, and is then
predicted with, saved, loaded, reported like any other; export_code refuses it clearly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl import AutoML
from jupyter_automl._automl_mitigate import MSG_NOT_READ
from jupyter_automl.exceptions import InputError
from jupyter_automl.insight import ReductionClassifier, ThresholdClassifier, mitigate

from .conftest import tiny_automl


def _biased(n=1200, seed=0):
    """Group "a" gets positive labels much more often, through x and directly."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], n, p=[0.4, 0.6])
    x = rng.normal(size=n) + (group == "a")
    y = (x + 0.8 * (group == "a") + rng.normal(scale=0.7, size=n) > 0.9).astype(int)
    X = pd.DataFrame({"x": x, "z": rng.normal(size=n), "group": group})
    return X, pd.Series(y, name="y")


def _dp(pred, groups):
    rates = pd.Series(pred).groupby(np.asarray(groups)).mean()
    return abs(rates["a"] - rates["b"])


@pytest.fixture(scope="module")
def data():
    X, y = _biased(1600)
    return X.iloc[:1100], y.iloc[:1100], X.iloc[1100:], y.iloc[1100:]


def test_the_mitigated_model_becomes_the_model(data, tmp_path):
    X, y, X_test, y_test = data
    automl = tiny_automl(metric="accuracy", check_leakage=False).fit(X, y)
    assert automl.mitigation_ is None
    before = automl.predict(X_test)
    result = automl.mitigate(X, y, sensitive_features="group", X_test=X_test, y_test=y_test)
    assert automl.best_pipeline_ is not result.model  # mitigating alone changes nothing
    assert automl.use_mitigated(result) is automl
    assert isinstance(automl.best_pipeline_, ThresholdClassifier)
    after = automl.predict(X_test)
    np.testing.assert_array_equal(after, result.model.predict(X_test))
    # the model's decisions are the mitigated ones: the gap shrinks as the comparison says
    gap_before, gap_after = _dp(before, X_test["group"]), _dp(after, X_test["group"])
    assert gap_after < gap_before - 0.1
    c = result.comparison
    assert c.loc["demographic_parity_difference", "after"] == pytest.approx(gap_after)
    assert "mitigated for demographic parity" in automl.search_.description
    assert automl.search_.threshold is None
    assert any("score is the one of the model before mitigation" in n for n in automl.search_.notes)
    m = automl.mitigation_
    assert m["method"] == "threshold" and m["sensitive_features"] == ["group"]
    assert m["comparison"]["demographic_parity_difference"]["after"] == pytest.approx(gap_after)

    loaded = AutoML.load(automl.save(tmp_path / "fair.skops"))  # safe format, no trust needed
    np.testing.assert_array_equal(loaded.predict(X_test), after)
    assert loaded.mitigation_ == automl.mitigation_
    assert "mitigated" in loaded.search_.description

    report = automl.report(tmp_path / "report.html", X_test, y_test,
                           sensitive_features="group").read_text()
    assert "mitigated for demographic parity" in report
    assert "before mitigation" in report
    with pytest.raises(TypeError, match="ThresholdClassifier .* cannot rebuild it without jupyter_automl"):
        automl.export_code(tmp_path / "train.py")
    assert not (tmp_path / "train.py").exists()

    with pytest.raises(InputError, match="already a mitigated one"):
        automl.mitigate(X, y, sensitive_features="group")
    automl.fit(X, y)  # a new search: a new, unmitigated model
    assert automl.mitigation_ is None
    assert not isinstance(automl.best_pipeline_, ThresholdClassifier)


def test_a_sensitive_column_the_model_does_not_read(data):
    X, y, X_test, y_test = data
    automl = tiny_automl(metric="accuracy", check_leakage=False).fit(X.drop(columns="group"), y)
    threshold = mitigate(automl, X, y, sensitive_features="group")
    with pytest.raises(InputError, match=r"needs the sensitive column\(s\) \['group'\]") as caught:
        automl.use_mitigated(threshold)
    assert "method='reductions'" in str(caught.value)
    assert MSG_NOT_READ.split("{")[0] in str(caught.value)
    assert not isinstance(automl.best_pipeline_, ThresholdClassifier)  # nothing changed
    # reductions refit under the constraint and need no group at predict time
    reduced = automl.mitigate(X, y, sensitive_features="group", method="reductions", max_iter=5,
                              X_test=X_test, y_test=y_test)
    automl.use_mitigated(reduced)
    assert isinstance(automl.best_pipeline_, ReductionClassifier)
    pred = automl.predict(X_test.drop(columns="group"))
    np.testing.assert_array_equal(pred, reduced.model.predict(X_test))
    assert automl.mitigation_["requires_sensitive_features"] is False


def test_bad_calls_say_what_to_do(data):
    X, y, *_ = data
    with pytest.raises(Exception, match="not fitted yet"):
        AutoML().use_mitigated(None)
    automl = tiny_automl(metric="accuracy", check_leakage=False).fit(X, y)
    with pytest.raises(InputError, match="takes the MitigationResult .* Got a dict"):
        automl.use_mitigated({"model": None})
    with pytest.raises(InputError, match="method must be one of"):
        automl.mitigate(X, y, sensitive_features="group", method="magic")
    assert automl.mitigation_ is None


def test_thresholds_of_a_fair_search_are_replaced_not_stacked(data):
    """A fairness-aware search's model may carry group thresholds already: mitigation starts
    from the model under them."""
    X, y, X_test, y_test = data
    automl = tiny_automl(metric="accuracy", check_leakage=False).fit(X, y)
    searched = ThresholdClassifier(automl.best_pipeline_, sensitive_features=["group"],
                                   prefit=True, tolerance=0.1).fit(X, y)
    result = mitigate(searched, X, y, sensitive_features="group", X_test=X_test, y_test=y_test)
    assert not isinstance(result.model.estimator, ThresholdClassifier)
    assert any("group thresholds (from the fairness-aware search) are replaced" in n for n in result.notes)
    gap = _dp(searched.predict(X_test), X_test["group"])  # "before" is the model as it was
    assert result.comparison.loc["demographic_parity_difference", "before"] == pytest.approx(gap)
