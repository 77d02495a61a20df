"""Fairness on real data: adult with sex and race, german_credit with personal status and age;
mitigation, and the fairness-aware search with its workers in real processes."""

from __future__ import annotations

import numpy as np
import pytest
from _adult import IGNORE_UNSEEN_COUNTRIES, adult_sample
from sklearn.model_selection import train_test_split

from jupyter_automl import AutoML
from jupyter_automl.datasets import load_demo
from jupyter_automl.insight import SmallGroupWarning, ThresholdClassifier, mitigate, plot_pareto

pytestmark = [pytest.mark.integration, IGNORE_UNSEEN_COUNTRIES]


@pytest.fixture(scope="module")
def adult_split():
    X, y, _ = adult_sample(6000, seed=1)
    train, test = train_test_split(np.arange(len(X)), test_size=0.4, random_state=0, stratify=y)
    return X.iloc[train], y.iloc[train], X.iloc[test], y.iloc[test]


@pytest.fixture(scope="module")
def linear(adult_split):
    X, y, _, _ = adult_split
    automl = AutoML(time_budget=None, n_trials=1, families=["linear"], storage="memory",
                    executor="sync", ensemble=False, check_leakage=False, metric="accuracy")
    return automl.fit(X, y)


def test_sex_and_race_by_group_and_intersections(adult_split, linear):
    _, _, X_test, y_test = adult_split
    sex = linear.fairness(X_test, y_test, sensitive_features="sex")
    assert sex.by_group["count"].sum() == len(X_test)
    assert sex.disparities["demographic_parity_difference"] > 0.1  # men are selected far more often
    assert sex.by_group.loc["Male", "selection_rate"] > sex.by_group.loc["Female", "selection_rate"]
    with pytest.warns(SmallGroupWarning, match="Amer-Indian-Eskimo"):
        both = linear.fairness(X_test, y_test, sensitive_features=["race", "sex"])
    assert both.by_group.index.names == ["race", "sex"]
    assert set(both.marginal) == {"race", "sex"}
    assert both.by_group.loc[("White", "Male"), "count"] > 1000
    assert both.small_groups and not any("White" in g for g in both.small_groups)


def test_german_credit_bins_age_and_flags_small_groups():
    X, y, info = load_demo("german_credit")
    automl = AutoML(time_budget=None, n_trials=1, families=["linear"], storage="memory",
                    executor="sync", ensemble=False, check_leakage=False).fit(X, y)
    with pytest.warns(SmallGroupWarning):
        result = automl.fairness(X, y, sensitive_features=info["sensitive"])
    ages = result.marginal["age"].index
    assert len(ages) == 4 and all("–" in a for a in ages)
    assert result.by_group["small_group"].any() and (~result.by_group["small_group"]).sum() >= 2


def test_threshold_mitigation_on_held_out_rows(adult_split, linear):
    X, y, X_test, y_test = adult_split
    result = mitigate(linear, X, y, sensitive_features="sex", X_test=X_test, y_test=y_test)
    c = result.comparison
    assert c.loc["demographic_parity_difference", "after"] < 0.06
    assert c.loc["demographic_parity_difference", "before"] > 0.1
    assert c.loc["accuracy", "change"] > -0.05
    assert result.model.requires_sensitive_features


@pytest.mark.slow
def test_fairness_aware_search_in_worker_processes(adult_split):
    X, y, X_test, y_test = adult_split
    automl = AutoML(time_budget=None, n_trials=6, families=["linear"], storage="memory",
                    executor="processes", n_jobs=2, metric="accuracy", check_leakage=False, seed=0,
                    fairness={"sensitive_features": ["sex"], "constraint": "demographic_parity"})
    automl.fit(X, y)
    front = automl.pareto_front()
    assert len(front) >= 2 and front["demographic_parity_difference"].is_monotonic_increasing
    assert front["chosen"].sum() == 1
    assert front.loc[front["chosen"], "trial"].item() == automl.best_trial_
    chosen = front[front["chosen"]].iloc[0]
    assert chosen["demographic_parity_difference"] <= 0.05
    assert isinstance(automl.best_pipeline_, ThresholdClassifier)
    board = automl.leaderboard()
    assert "demographic_parity_difference" in board.columns
    result = automl.fairness(X_test, y_test, sensitive_features="sex")
    assert result.disparities["demographic_parity_difference"] < 0.08
    # the most accurate point of the front becomes the model
    best = int(front.sort_values("score", ascending=False)["trial"].iloc[0])
    automl.select_trial(best)
    assert automl.best_trial_ == best and automl.pareto_front().loc[lambda f: f.chosen, "trial"].item() == best
    ax = plot_pareto(automl)
    assert len(ax.lines[0].get_xdata()) == len(front)
