"""SHAP explanations on real data (adult): the chosen gradient-boosting model, its native
categorical splits, and a model saved and loaded again."""

from __future__ import annotations

import numpy as np
import pytest
from _adult import IGNORE_UNSEEN_COUNTRIES, adult_sample
from scipy.special import logit

from jupyter_automl import AutoML

pytestmark = [pytest.mark.integration, IGNORE_UNSEEN_COUNTRIES]


@pytest.fixture(scope="module")
def adult():
    return adult_sample(4000, seed=0)


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
