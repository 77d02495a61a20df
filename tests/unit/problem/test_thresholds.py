"""Decision thresholds for binary label metrics: the best one out of fold, cross-fitted scores,
and which metrics need one."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from jupyter_automl.problem import (
    best_threshold,
    cross_fitted_scores,
    needs_threshold,
    resolve_metric,
    score_at,
)

CLASSES = np.array(["no", "yes"], dtype=object)


def _metric(name):
    return resolve_metric(name, "binary", CLASSES, "yes")[0]


def _rare(n=400, seed=0):
    """2 in 40 rows positive; the positives' probabilities are high but mostly below 0.5."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.05, "yes", "no").astype(object)
    p = np.clip(np.where(y == "yes", 0.35, 0.1) + rng.normal(scale=0.08, size=n), 0, 1)
    return y, np.column_stack([1 - p, p])


@pytest.mark.parametrize("name, sk", [
    ("f1", lambda truth, labels: skm.f1_score(truth, labels)),
    ("accuracy", skm.accuracy_score),
    ("balanced_accuracy", skm.balanced_accuracy_score),
])
def test_the_best_threshold_is_the_best_of_every_cut(name, sk):
    y, pred = _rare()
    threshold, score = best_threshold(y, pred, _metric(name))
    brute = max(sk(y == "yes", pred[:, 1] >= t) for t in np.unique(pred[:, 1]))
    assert score == pytest.approx(brute)
    assert score == pytest.approx(sk(y == "yes", pred[:, 1] >= threshold))
    assert score_at(y, pred, _metric(name), threshold) == pytest.approx(score)


def test_rare_positives_get_a_threshold_below_one_half_and_a_better_f1():
    y, pred = _rare()
    metric = _metric("f1")
    threshold, score = best_threshold(y, pred, metric)
    assert threshold < 0.5
    assert score > score_at(y, pred, metric, 0.5) + 0.2


def test_cross_fitted_scores_use_the_other_folds_threshold():
    y, pred = _rare()
    rows = np.arange(len(y))
    folds = [(np.setdiff1d(rows, v), v) for v in np.array_split(rows, 4)]
    metric = _metric("f1")
    scores = cross_fitted_scores(y, pred, folds, metric)
    for (_, valid), got in zip(folds, scores, strict=True):
        others = np.setdiff1d(rows, valid)
        t, _ = best_threshold(y[others], pred[others], metric)
        assert got == pytest.approx(score_at(y[valid], pred[valid], metric, t))
    # one holdout fold is halved instead of tuned and scored on the same rows
    single = cross_fitted_scores(y, pred, [(np.array([], int), rows)], metric)
    assert len(single) == 1 and single[0] <= best_threshold(y, pred, metric)[1] + 1e-12


def test_which_metrics_need_a_threshold():
    assert needs_threshold(_metric("f1")) and needs_threshold(_metric("balanced_accuracy"))
    assert needs_threshold(_metric("precision"))  # a scikit-learn scorer of labels
    assert not needs_threshold(_metric("roc_auc")) and not needs_threshold(_metric("log_loss"))
    assert not needs_threshold(_metric("average_precision"))
    multi = resolve_metric("f1", "multiclass", np.array([0, 1, 2]), None)[0]
    assert not needs_threshold(multi)
