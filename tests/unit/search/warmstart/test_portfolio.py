"""Normalised scores and the greedy portfolio on hand-made tables."""

from __future__ import annotations

import numpy as np
import pytest

from jupyter_automl.search.warmstart import greedy_portfolio, normalised_scores


def test_normalised_scores_directions_failures_and_degenerate_rows():
    scores = np.array([[0.9, 0.7, np.nan],    # ROC AUC, constant 0.5
                       [0.2, 0.6, 0.4],        # log loss, constant 1.0: lower is better
                       [0.4, 0.45, np.nan]])   # nothing beats the constant 0.3 (lower better)
    ns = normalised_scores(scores, np.array([0.5, 1.0, 0.3]), np.array([True, False, False]))
    np.testing.assert_allclose(ns[0], [1.0, 0.5, 0.0])
    np.testing.assert_allclose(ns[1], [1.0, 0.5, 0.75])
    assert np.all(np.isnan(ns[2]))


def test_worse_than_constant_counts_zero():
    ns = normalised_scores(np.array([[0.9, 0.4]]), np.array([0.5]), np.array([True]))
    np.testing.assert_allclose(ns, [[1.0, 0.0]])


def test_greedy_picks_the_complementary_configurations():
    # config 0 is the best on average, but configs 1 and 2 together cover every dataset
    # perfectly; config 3 duplicates config 1
    ns = np.array([[0.8, 1.0, 0.0, 1.0],
                   [0.8, 1.0, 0.0, 1.0],
                   [0.8, 0.0, 1.0, 0.0],
                   [0.8, 0.0, 1.0, 0.0]])
    picks, regret = greedy_portfolio(ns, 3)
    assert picks == [0, 1, 2]
    assert regret == pytest.approx([0.2, 0.1, 0.0])


def test_greedy_ignores_empty_rows_and_counts_failures_as_zero():
    ns = np.array([[np.nan, np.nan, np.nan],
                   [1.0, np.nan, 0.5],
                   [0.0, 1.0, 0.6]])
    picks, _ = greedy_portfolio(ns, 2)
    assert picks == [2, 0]
    assert greedy_portfolio(np.full((2, 3), np.nan), 2) == ([], [])


def test_ordered_portfolio_follows_the_similar_datasets_and_the_model():
    from jupyter_automl.search.warmstart._portfolio import ordered_portfolio, similarity_weights

    ns = np.array([[1.0, 0.0, 0.5],    # a dataset like the target: config 0 wins there
                   [0.0, 1.0, 0.5]])   # an unlike one: config 1 wins there
    w = similarity_weights(np.array([[0.0], [10.0]]), np.array([0.0]), np.array([1.0]))
    assert w[0] > 0.8 > w[1]
    # no model: the similar dataset decides the first pick
    assert ordered_portfolio(ns, w, np.zeros(3), 0.0, 1) == [0]
    # a confident model for config 2 outweighs the reference datasets
    assert ordered_portfolio(ns, w, np.array([0.0, 0.0, 1.0]), 5.0, 1) == [2]
