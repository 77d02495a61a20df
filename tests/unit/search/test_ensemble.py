"""Greedy ensemble selection over out-of-fold predictions."""

from __future__ import annotations

import numpy as np
import pytest

from jupyter_automl.problem import resolve_metric
from jupyter_automl.search._ensemble import select_ensemble

RNG = np.random.default_rng(0)
N = 400
Y = RNG.integers(0, 2, N)
CLASSES = np.array([0, 1])


def _proba(p1):
    p1 = np.clip(p1, 0.01, 0.99)
    return np.column_stack([1 - p1, p1])


def _noisy(seed, scale):
    # an informative model whose errors are independent of the other models' errors
    noise = np.random.default_rng(seed).normal(scale=scale, size=N)
    return _proba(0.5 + (Y - 0.5) * 0.6 + noise)


def _metric(name, task="binary"):
    return resolve_metric(name, task, CLASSES if task != "regression" else None,
                          1 if task == "binary" else None)[0]


@pytest.mark.parametrize("name", ["log_loss", "roc_auc"])
def test_independent_models_average_better_than_the_best_alone(name):
    metric = _metric(name)
    preds = [_noisy(s, 0.35) for s in range(4)]
    selection = select_ensemble(preds, Y, metric, seed=0)
    assert len(selection.indices) >= 2
    assert metric.is_better(selection.score, selection.single_score)
    assert selection.single_score == pytest.approx(max(
        (metric.score(Y, p) for p in preds), key=lambda s: s if metric.greater_is_better else -s))
    assert selection.weights.sum() == pytest.approx(1.0)
    assert np.all(selection.weights > 0)
    assert selection.indices == sorted(selection.indices)
    avg = sum(w * preds[i] for w, i in zip(selection.weights, selection.indices, strict=True))
    assert metric.score(Y, avg) == pytest.approx(selection.score)


def test_a_perfect_model_is_kept_alone():
    metric = _metric("log_loss")
    perfect = _proba(Y.astype(float))
    selection = select_ensemble([_noisy(1, 0.3), perfect, _noisy(2, 0.3)], Y, metric, seed=0)
    assert selection.indices == [1]
    assert selection.weights.tolist() == [1.0]
    assert selection.score == pytest.approx(selection.single_score)


def test_regression_minimises_rmse():
    metric = _metric("rmse", "regression")
    y = RNG.normal(size=N)
    preds = [y + np.random.default_rng(s).normal(scale=0.5, size=N) for s in range(3)]
    selection = select_ensemble(preds, y, metric, seed=0)
    assert selection.score < selection.single_score
    assert len(selection.indices) == 3


def test_deterministic():
    metric = _metric("log_loss")
    preds = [_noisy(s, 0.4) for s in range(3)]
    a, b = (select_ensemble(preds, Y, metric, seed=0) for _ in range(2))
    assert a.indices == b.indices and np.array_equal(a.weights, b.weights) and a.score == b.score


def test_large_data_is_scored_on_a_subset():
    from jupyter_automl.search._ensemble import MAX_ROWS

    n = MAX_ROWS + 500
    y = RNG.integers(0, 2, n)
    preds = [_proba(0.5 + (y - 0.5) * 0.5 + np.random.default_rng(s).normal(scale=0.4, size=n))
             for s in range(2)]
    selection = select_ensemble(preds, y, _metric("log_loss"), seed=0)
    assert selection.weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["log_loss", "roc_auc"])
def test_bagged_selection_beats_the_best_single_model_or_falls_back_to_the_plain_one(name):
    metric = _metric(name)
    for trial in range(4):
        preds = [_noisy(10 * trial + s, 0.45) for s in range(5)]
        bagged = select_ensemble(preds, Y, metric, seed=trial, n_bags=20)
        plain = select_ensemble(preds, Y, metric, seed=trial, n_bags=1)
        assert bagged.weights.sum() == pytest.approx(1.0)
        if not metric.is_better(bagged.score, bagged.single_score):
            assert bagged.indices == plain.indices and np.array_equal(bagged.weights, plain.weights)


def test_few_rows_are_bagged_by_default_many_are_not():
    from jupyter_automl.search._ensemble import BAGGED_MAX_ROWS

    metric = _metric("log_loss")
    preds = [_noisy(s, 0.45) for s in range(4)]
    assert N <= BAGGED_MAX_ROWS
    default = select_ensemble(preds, Y, metric, seed=0)
    bagged = select_ensemble(preds, Y, metric, seed=0, n_bags=20)
    assert default.indices == bagged.indices and np.array_equal(default.weights, bagged.weights)
