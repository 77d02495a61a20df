"""SHAP explanations on real data (adult): the chosen gradient-boosting model, its native
categorical splits, and a model saved and loaded again."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logit

from jupyter_automl import AutoML
from jupyter_automl.datasets import load_demo

pytestmark = [
    pytest.mark.integration,
    # a random sample of adult meets countries the model has not seen: expected, and noted
    pytest.mark.filterwarnings("ignore:Column 'native-country' has:jupyter_automl.exceptions.DataWarning"),
]


@pytest.fixture(scope="module")
def adult():
    X, y, info = load_demo("adult")
    rows = np.random.default_rng(0).choice(len(X), 4000, replace=False)
    return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True), info


@pytest.fixture(scope="module")
def boosting(adult):
    X, y, _ = adult
    automl = AutoML(time_budget=None, n_trials=1, families=["gradient_boosting"], storage="memory",
                    executor="sync", ensemble=False, check_leakage=False)
    return automl.fit(X.iloc[:3000], y.iloc[:3000])


def test_tree_values_add_up_to_the_log_odds_in_the_original_columns(adult, boosting):
    X, _, info = adult
    rows = X.iloc[3000:3500]
    result = boosting.explain(rows)
    assert result.method == "tree" and not result.notes
    assert list(result.values.columns) == list(X.columns)
    p = boosting.predict_proba(rows)[:, list(boosting.classes_).index(info["positive_class"])]
    np.testing.assert_allclose(result.output_values, logit(p), atol=1e-8)
    top = result.importance().index[:5]
    assert {"relationship", "marital-status", "capital-gain", "age"} & set(top)
    # categorical columns carry their own values (no one-hot or ordinal codes leaking out)
    assert result.values["sex"].abs().sum() > 0 and result.data["sex"].isin(["Male", "Female"]).all()


def test_a_saved_and_loaded_model_explains_the_same(adult, boosting, tmp_path):
    X, _, _ = adult
    path = boosting.save(tmp_path / "model.skops")
    loaded = AutoML.load(path)
    rows = X.iloc[3500:3600]
    np.testing.assert_allclose(loaded.explain(rows).values.to_numpy(),
                               boosting.explain(rows).values.to_numpy())
