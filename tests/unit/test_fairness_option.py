"""AutoML.fairness is the fairness-aware search setting and the fairness check at once."""

from __future__ import annotations

import pickle

from sklearn.base import clone

from jupyter_automl import AutoML
from jupyter_automl._fairness_option import FairnessOption


def test_the_setting_round_trips_through_sklearn_conventions():
    setting = {"sensitive_features": ["sex"], "constraint": "demographic_parity"}
    automl = AutoML(fairness=setting)
    assert automl.get_params()["fairness"] is setting
    assert automl.fairness == setting and automl.fairness.value is setting
    assert automl.fairness["constraint"] == "demographic_parity" and "sensitive_features" in automl.fairness
    assert clone(automl).get_params()["fairness"] == setting
    assert not AutoML().fairness and AutoML().fairness == None  # noqa: E711
    automl.set_params(fairness=None)
    assert automl.get_params()["fairness"] is None
    assert repr(AutoML(fairness={"a": 1})) == "AutoML(fairness={'a': 1})"
    restored = pickle.loads(pickle.dumps(AutoML(fairness=setting)))
    assert restored.fairness.get("constraint") == "demographic_parity"
    assert isinstance(restored.fairness, FairnessOption)


def test_calling_it_runs_the_check(binary_data):
    from .conftest import tiny_automl

    X, y = binary_data
    automl = tiny_automl().fit(X, y)
    result = automl.fairness(X, y, sensitive_features="colour", min_group_size=5)
    assert list(result.by_group.index) == ["blue", "green", "red"]
    assert AutoML.fairness.__doc__.startswith("Compare the chosen model's decisions")
