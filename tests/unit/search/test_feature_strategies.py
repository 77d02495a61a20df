"""Sequential, joint and pseudo-joint feature/model optimisation at an equal budget."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from jupyter_automl.exceptions import InputError
from jupyter_automl.search import FEATURE_STRATEGIES as STRATEGIES
from jupyter_automl.search import run_feature_strategy

from .test_selection import is_noise, with_noise


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = with_noise(X.iloc[:, :10], 10)  # 10 real columns, 10 noise columns in front
    return X.iloc[:300], y.iloc[:300], X.iloc[300:], y.iloc[300:]


@pytest.fixture(scope="module")
def results(cancer):
    X, y, _, _ = cancer
    return {s: run_feature_strategy(X, y, s, n_evaluations=8, families=["linear"], cv=3)
            for s in STRATEGIES}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_each_procedure_spends_the_budget_and_returns_a_working_model(cancer, results, strategy):
    X, _, X_test, y_test = cancer
    r = results[strategy]
    assert r.n_evaluations == 8 and len(r.history) == 8
    assert all(b >= a for a, b in zip(r.history, r.history[1:], strict=False))  # best so far (AUC)
    assert r.cv_score == r.history[-1] > 0.9
    assert set(r.columns) <= set(r.input_columns) <= set(X.columns)
    proba = r.predict_scores(X_test)
    assert proba.shape == (len(X_test), 2) and np.allclose(proba.sum(axis=1), 1)
    assert 1 <= r.evaluations_to_reach(0.99) <= 8


def test_the_feature_side_drops_noise_in_sequential_and_pseudo_joint(results):
    seq, pj = results["sequential"], results["pseudo_joint"]
    assert seq.notes[0].startswith("RFE with linear")  # the fixed model is of a family asked for
    assert len(seq.input_columns) < 20 and len(pj.input_columns) < 20
    for r in (seq, pj):
        assert sum(map(is_noise, r.input_columns)) < 10, r.input_columns
    assert any("columns" in n for n in pj.notes)


def test_bad_arguments_are_clear_errors(cancer):
    X, y, _, _ = cancer
    with pytest.raises(InputError, match="strategy must be one of"):
        run_feature_strategy(X, y, "greedy")
    with pytest.raises(InputError, match="n_evaluations must be an integer of at least 6"):
        run_feature_strategy(X, y, "joint", n_evaluations=2)


def test_an_elimination_step_may_cost_half_a_percent_and_no_more():
    from jupyter_automl.search._feature_strategies import _worse_beyond

    assert not _worse_beyond(0.8100, 0.8130, greater=True)  # AUC: 0.37 % lower, kept
    assert _worse_beyond(0.8000, 0.8130, greater=True)  # 1.6 % lower: undone
    assert not _worse_beyond(10.04, 10.0, greater=False)  # RMSE: 0.4 % higher, kept
    assert _worse_beyond(10.2, 10.0, greater=False)
