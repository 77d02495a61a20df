"""Metric resolution: friendly names, aliases, defaults, scikit-learn scorer names, directions, errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn import metrics as skm

from jupyter_automl.exceptions import InputError
from jupyter_automl.problem import FRIENDLY_METRICS, Metric, resolve_metric
from jupyter_automl.problem._metrics import DEFAULTS, MSG_UNKNOWN, MSG_WRONG_TASK

from .._messages import filled, template

BIN = np.array(["bad", "good"], dtype=object)
MULTI = np.array([0, 1, 2])
DIRECTIONS = {"roc_auc": "maximize", "log_loss": "minimize", "accuracy": "maximize",
              "balanced_accuracy": "maximize", "f1": "maximize", "rmse": "minimize",
              "mae": "minimize", "r2": "maximize", "average_precision": "maximize", "mape": "minimize"}
CLASSIFICATION = ["roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1", "average_precision"]
REGRESSION = ["rmse", "mae", "r2", "mape"]


def _resolve(name, task):
    classes = {"binary": BIN, "multiclass": MULTI, "regression": None}[task]
    positive = "bad" if task == "binary" else None
    return resolve_metric(name, task, classes, positive)


def test_friendly_names_are_the_documented_ones():
    assert list(FRIENDLY_METRICS) == CLASSIFICATION + REGRESSION


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_classification_names(name, task):
    metric, reason = _resolve(name, task)
    assert (metric.name, metric.direction, metric.task) == (name, DIRECTIONS[name], task)
    assert metric.greater_is_better == (DIRECTIONS[name] == "maximize")
    assert reason == "chosen by you"
    assert not metric.scorer


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_names(name):
    metric, _ = _resolve(name, "regression")
    assert (metric.name, metric.direction) == (name, DIRECTIONS[name])


@pytest.mark.parametrize(("alias", "name"), [
    ("auc", "roc_auc"), ("logloss", "log_loss"), ("neg_log_loss", "log_loss"),
    ("neg_root_mean_squared_error", "rmse"), ("neg_mean_absolute_error", "mae"), ("mse_root", "rmse")])
def test_aliases(alias, name):
    task = "regression" if name in REGRESSION else "binary"
    assert _resolve(alias, task)[0].name == name


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_auto_picks_a_default_with_a_reason(task):
    metric, reason = _resolve("auto", task)
    assert metric.name == DEFAULTS[task]
    assert reason != "chosen by you" and len(reason) > 20


@pytest.mark.parametrize(("name", "task"), [
    ("precision", "binary"), ("neg_brier_score", "binary"), ("f1_weighted", "multiclass"),
    ("explained_variance", "regression"), ("neg_median_absolute_error", "regression")])
def test_scikit_learn_scorer_names(name, task):
    metric, _ = _resolve(name, task)
    assert metric.scorer and metric.name == name
    assert metric.direction == "maximize"  # scorers are "greater is better" (errors are neg_*)


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_regression_metric_on_classification_is_refused(name, task):
    with pytest.raises(InputError, match=template(MSG_WRONG_TASK)) as info:
        _resolve(name, task)
    assert f"'{name}' is for regression" in str(info.value)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_metric_on_regression_is_refused(name):
    with pytest.raises(InputError, match=template(MSG_WRONG_TASK)):
        _resolve(name, "regression")


@pytest.mark.parametrize("name", ["acc", "AUC", "", "roc-auc"])
def test_unknown_names_are_refused(name):
    with pytest.raises(InputError, match=filled(MSG_UNKNOWN, friendly=list(FRIENDLY_METRICS), got=name)):
        _resolve(name, "binary")


@pytest.mark.parametrize("value", [None, 3, skm.accuracy_score])
def test_non_text_is_refused(value):
    with pytest.raises(InputError, match=template(MSG_UNKNOWN)):
        _resolve(value, "binary")


# -- scores agree with scikit-learn -------------------------------------------------------------

RNG = np.random.default_rng(0)
Y_BIN = RNG.choice(BIN, 60)
P_BIN = np.column_stack([(Y_BIN == "bad") * 0.3 + RNG.random(60) * 0.7, np.zeros(60)])
P_BIN[:, 1] = 1 - P_BIN[:, 0]
Y_MULTI = RNG.integers(0, 3, 60)
P_MULTI = RNG.dirichlet([1, 1, 1], 60) * 0.5 + np.eye(3)[Y_MULTI] * 0.5
Y_REG = RNG.normal(size=60)
P_REG = Y_REG + RNG.normal(scale=0.3, size=60)


@pytest.mark.parametrize(("name", "expected"), [
    ("roc_auc", skm.roc_auc_score(Y_BIN == "bad", P_BIN[:, 0])),
    ("log_loss", skm.log_loss(Y_BIN, P_BIN, labels=BIN)),
    ("accuracy", skm.accuracy_score(Y_BIN, BIN[P_BIN.argmax(1)])),
    ("balanced_accuracy", skm.balanced_accuracy_score(Y_BIN, BIN[P_BIN.argmax(1)])),
    # f1 of the positive class, which here is the first label, not the second
    ("f1", skm.f1_score(Y_BIN, np.where(P_BIN[:, 0] >= 0.5, "bad", "good"), pos_label="bad")),
])
def test_binary_scores(name, expected):
    assert _resolve(name, "binary")[0].score(Y_BIN, P_BIN) == pytest.approx(expected)


@pytest.mark.parametrize(("name", "expected"), [
    ("roc_auc", skm.roc_auc_score(Y_MULTI, P_MULTI, multi_class="ovr")),
    ("log_loss", skm.log_loss(Y_MULTI, P_MULTI)),
    ("accuracy", skm.accuracy_score(Y_MULTI, P_MULTI.argmax(1))),
    ("f1", skm.f1_score(Y_MULTI, P_MULTI.argmax(1), average="macro")),
])
def test_multiclass_scores(name, expected):
    assert _resolve(name, "multiclass")[0].score(Y_MULTI, P_MULTI) == pytest.approx(expected)


@pytest.mark.parametrize(("name", "expected"), [
    ("rmse", skm.root_mean_squared_error(Y_REG, P_REG)),
    ("mae", skm.mean_absolute_error(Y_REG, P_REG)),
    ("r2", skm.r2_score(Y_REG, P_REG)),
])
def test_regression_scores(name, expected):
    assert _resolve(name, "regression")[0].score(Y_REG, P_REG) == pytest.approx(expected)


def test_binary_scorer_scores_the_positive_class_of_text_labels():
    # the positive class here is "bad", the first label: scikit-learn alone cannot tell
    pred = np.where(P_BIN[:, 0] >= 0.5, "bad", "good")
    assert _resolve("precision", "binary")[0].score(Y_BIN, P_BIN) == pytest.approx(
        skm.precision_score(Y_BIN, pred, pos_label="bad"))
    assert skm.precision_score(Y_BIN, pred, pos_label="bad") != pytest.approx(
        skm.precision_score(Y_BIN, pred, pos_label="good"))


def test_scorer_scores_agree_with_scikit_learn():
    assert _resolve("neg_brier_score", "binary")[0].score(Y_BIN, P_BIN) == pytest.approx(
        -skm.brier_score_loss(Y_BIN == "good", P_BIN[:, 1]))
    assert _resolve("explained_variance", "regression")[0].score(Y_REG, P_REG) == pytest.approx(
        skm.explained_variance_score(Y_REG, P_REG))


def test_log_loss_tolerates_rows_that_do_not_sum_to_one():
    p = P_MULTI * 0.999  # float32 out-of-fold predictions drift a little
    assert np.isfinite(_resolve("log_loss", "multiclass")[0].score(Y_MULTI, p))


def test_is_better_and_worst():
    up, _ = _resolve("roc_auc", "binary")
    down, _ = _resolve("rmse", "regression")
    assert up.is_better(0.9, 0.8) and not up.is_better(0.8, 0.9)
    assert down.is_better(0.8, 0.9) and not down.is_better(0.9, 0.8)
    assert up.is_better(0.5, None) and up.is_better(0.5, float("nan"))
    assert not up.is_better(float("nan"), None)
    assert up.worst() == -np.inf and down.worst() == np.inf


def test_metric_is_plain_data_that_pickles():
    metric, _ = _resolve("f1", "binary")
    clone = pickle.loads(pickle.dumps(metric))
    assert clone == metric and isinstance(clone, Metric)
    assert clone.score(Y_BIN, P_BIN) == metric.score(Y_BIN, P_BIN)


def _one(batch_score):
    return lambda p: float(batch_score(np.asarray(p)[None])[0])


@pytest.mark.parametrize("labels", [("a", "b", "c"), (0, 1, 2, 5)], ids=["text", "integers"])
def test_the_ensemble_scorer_equals_score_for_log_loss(labels):
    rng = np.random.default_rng(0)
    y = rng.choice(np.array(labels, dtype=object if isinstance(labels[0], str) else None), 200)
    metric, _ = resolve_metric("log_loss", "multiclass", np.array(sorted(labels), dtype=object
                                                                  if isinstance(labels[0], str) else None))
    score = _one(metric.batch_scorer_for(y))
    p = rng.dirichlet(np.ones(len(labels)), 200)
    p[0] = np.eye(len(labels))[0]  # a certain row: clipped exactly like scikit-learn
    assert score(p) == pytest.approx(metric.score(y, p), rel=1e-12)
    q = rng.dirichlet(np.ones(len(labels)), 200)
    assert score(q) == pytest.approx(skm.log_loss(y, q, labels=sorted(labels)), rel=1e-9)


@pytest.mark.parametrize("name", ["rmse", "mae", "r2"])
def test_the_ensemble_scorer_equals_score_for_regression(name):
    rng = np.random.default_rng(1)
    y, p = rng.normal(size=50), rng.normal(size=50)
    metric, _ = resolve_metric(name, "regression", None)
    assert _one(metric.batch_scorer_for(y))(p) == pytest.approx(metric.score(y, p), rel=1e-12)


@pytest.mark.parametrize("positive", ["yes", "no"])
def test_the_ensemble_scorer_equals_score_for_binary_roc_auc(positive):
    rng = np.random.default_rng(2)
    y = rng.choice(np.array(["no", "yes"], dtype=object), 300)
    metric, _ = resolve_metric("roc_auc", "binary", np.array(["no", "yes"], dtype=object), positive)
    p1 = np.round(rng.random(300), 2)  # rounded: many ties
    p = np.column_stack([1 - p1, p1])
    assert _one(metric.batch_scorer_for(y))(p) == pytest.approx(metric.score(y, p), rel=1e-12)


@pytest.mark.parametrize("name, task", [("log_loss", "multiclass"), ("roc_auc", "binary"),
                                        ("accuracy", "multiclass"), ("rmse", "regression")])
def test_the_ensemble_scorer_scores_a_stack_of_candidates(name, task):
    rng = np.random.default_rng(3)
    if task == "regression":
        y, stack, classes = rng.normal(size=80), rng.normal(size=(3, 80)), None
    else:
        classes = np.array([0, 1]) if task == "binary" else np.array([0, 1, 2])
        y = rng.choice(classes, 80)
        stack = rng.dirichlet(np.ones(len(classes)), (3, 80))
    metric, _ = resolve_metric(name, task, classes, 1 if task == "binary" else None)
    scores = metric.batch_scorer_for(y)(stack)
    assert scores.shape == (3,)
    assert scores == pytest.approx([metric.score(y, p) for p in stack], rel=1e-12)
