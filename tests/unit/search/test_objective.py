"""The unit of work: one configuration on one fold. Errors come back as data, never raised."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier

from jupyter_automl.problem import analyze
from jupyter_automl.search import FoldResult, TrainingData
from jupyter_automl.search._objective import (
    MAX_REASON_CHARS,
    describe_error,
    predict_aligned,
    refit,
    run_fold,
)
from jupyter_automl.search.space import SearchSpace

from .._data import binary_frame, multiclass_frame


def _data(maker=binary_frame, **kw):
    X, y = maker(60)
    problem, X, y = analyze(X, y, check_leakage=False, cv=3, **kw)
    return TrainingData(X, y.to_numpy(), problem, seed=0)


def _default(data, family="linear"):
    return SearchSpace(data.problem, [family]).default_configs()[0]


def test_run_fold_scores_and_predicts_the_validation_rows():
    data = _data()
    result = run_fold(data, _default(data), fold=1)
    assert isinstance(result, FoldResult) and result.ok
    _, valid = data.problem.splits.folds[1]
    assert result.fold == 1 and result.valid_pred.shape == (len(valid), 2)
    assert result.valid_pred.dtype == np.float32
    assert result.score == pytest.approx(data.problem.metric.score(data.y[valid], result.valid_pred))
    assert result.fit_time > 0 and result.predict_time >= 0


def test_a_raising_fit_is_returned_as_a_failed_result():
    data = _data()
    params = _default(data, "knn") | {"knn.n_neighbors": 100}  # more neighbours than rows
    result = run_fold(data, params, fold=0)
    assert not result.ok and result.score is None and result.valid_pred is None
    assert result.error_type == "ValueError"
    assert result.error.startswith("ValueError: Expected n_neighbors <= n_samples_fit")
    assert result.error.endswith("(in kneighbors)")  # where it happened


def test_refit_uses_every_row_and_raises_errors():
    data = _data()
    model = refit(data, _default(data))
    assert model.predict(data.X).shape == (60,)
    with pytest.raises(ValueError):
        refit(data, _default(data) | {"linear.C": -1.0})  # C must be positive


def test_describe_error():
    try:
        raise KeyError("x" * 1000)
    except KeyError as exc:
        reason, kind = describe_error(exc)
    assert kind == "KeyError" and len(reason) == MAX_REASON_CHARS
    assert describe_error(MemoryError()) == ("ran out of memory", "MemoryError")


def test_predict_aligned_fills_classes_missing_from_a_fold():
    data = _data(multiclass_frame)
    X, y = data.X, data.y
    keep = y != "fox"  # a fold whose training rows lack one class
    model = DummyClassifier(strategy="prior").fit(X[keep], y[keep])
    pred = predict_aligned(model, X, data.problem)
    assert pred.shape == (60, 3)
    assert np.all(pred[:, 2] == 0)  # "fox", the last class, gets zero
    np.testing.assert_allclose(pred.sum(axis=1), 1.0)
