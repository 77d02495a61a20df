"""AutoML follows scikit-learn's conventions: params, clone, fitted state, NotFittedError, checks."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from jupyter_automl import AutoML
from jupyter_automl._automl import MSG_BUDGET, MSG_N_TRIALS, MSG_NO_LIMIT, MSG_NOT_FITTED
from jupyter_automl.exceptions import AutoMLError, InputError, NotFittedError
from jupyter_automl.search._samplers import MSG_PRUNER, MSG_SAMPLER
from jupyter_automl.search.executors import MSG_DASK_CLIENT, MSG_EXECUTOR, MSG_N_JOBS

from ._messages import filled, template
from .conftest import TINY, tiny_automl

PARAMS = list(inspect.signature(AutoML.__init__).parameters)[1:]


def test_documented_defaults():
    automl = AutoML()
    assert (automl.task, automl.metric, automl.time_budget, automl.n_trials, automl.seed,
            automl.n_jobs, automl.families, automl.storage, automl.study_name, automl.ensemble) == (
        "auto", "auto", 60, None, 0, -1, None, None, None, True)


def test_init_stores_params_verbatim_without_validation():
    families = ["linear"]
    automl = AutoML(time_budget="soon", families=families, metric=42)
    assert automl.time_budget == "soon" and automl.metric == 42
    assert automl.families is families  # not copied, not converted


def test_get_params_lists_every_init_param():
    params = AutoML().get_params()
    assert sorted(params) == sorted(PARAMS)


def test_set_params_and_clone():
    automl = AutoML().set_params(time_budget=5, families=["knn"])
    assert automl.time_budget == 5
    twin = clone(automl)
    assert twin is not automl and twin.get_params() == automl.get_params()
    with pytest.raises(ValueError, match="Invalid parameter"):
        automl.set_params(budget=5)


def test_fit_returns_self_and_sets_fitted_attributes(binary_data):
    X, y = binary_data
    automl = tiny_automl()
    assert automl.fit(X, y) is automl
    check_is_fitted(automl)
    for name in ("best_pipeline_", "problem_", "classes_", "cv_score_", "best_trial_", "study_name_",
                 "search_", "feature_names_in_", "n_features_in_"):
        assert hasattr(automl, name), name
    assert list(automl.feature_names_in_) == list(X.columns)
    assert automl.n_features_in_ == X.shape[1]
    # parameters are left as they were given
    assert automl.get_params() == tiny_automl().get_params()


def test_clone_of_a_fitted_automl_is_unfitted(binary_data):
    X, y = binary_data
    twin = clone(tiny_automl().fit(X, y))
    assert not hasattr(twin, "best_pipeline_")
    with pytest.raises(NotFittedError):
        twin.predict(X)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "leaderboard", "score", "handle_"])
def test_not_fitted_error_before_fit(method, binary_data):
    X, y = binary_data
    automl = AutoML()
    with pytest.raises(NotFittedError, match=template(MSG_NOT_FITTED)) as info:
        attr = getattr(automl, method)
        {"predict": lambda: attr(X), "predict_proba": lambda: attr(X), "leaderboard": attr,
         "score": lambda: attr(X, y)}.get(method, lambda: None)()
    assert isinstance(info.value, SklearnNotFittedError) and isinstance(info.value, AutoMLError)
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(automl)


def test_predict_proba_columns_follow_classes(multiclass_data):
    X, y = multiclass_data
    automl = tiny_automl().fit(X, y)
    assert list(automl.classes_) == sorted(y.unique())
    proba = automl.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert (automl.classes_[proba.argmax(axis=1)] == automl.predict(X)).all()
    # the column of the class a row belongs to is, on average, its highest
    for k, label in enumerate(automl.classes_):
        assert proba[(y == label).to_numpy()].mean(axis=0).argmax() == k


def test_binary_text_labels(binary_data):
    X, y = binary_data
    automl = tiny_automl().fit(X, y.map({0: "stay", 1: "leave"}))
    assert list(automl.classes_) == ["leave", "stay"]
    assert set(automl.predict(X)) <= {"leave", "stay"}


def test_score_is_the_search_metric(regression_data):
    X, y = regression_data
    automl = tiny_automl(metric="mae").fit(X, y)
    assert automl.score(X, y) == pytest.approx(np.mean(np.abs(automl.predict(X) - y.to_numpy())))


def test_regression_has_no_predict_proba(regression_data):
    X, y = regression_data
    automl = tiny_automl().fit(X, y)
    with pytest.raises(InputError, match="predict_proba is for classification"):
        automl.predict_proba(X)
    assert not hasattr(automl, "classes_")


def test_fitted_automl_pickles(binary_data):
    X, y = binary_data
    automl = tiny_automl().fit(X, y)
    again = pickle.loads(pickle.dumps(automl))
    np.testing.assert_array_equal(again.predict_proba(X), automl.predict_proba(X))


def test_best_pipeline_predicts_on_its_own(binary_data):
    X, y = binary_data
    automl = tiny_automl(ensemble=True, families=["linear", "gradient_boosting"], n_trials=3).fit(X, y)
    model = pickle.loads(pickle.dumps(automl.best_pipeline_))
    np.testing.assert_allclose(model.predict_proba(X), automl.predict_proba(X))


# -- parameters are validated at fit, with messages that say what to do ----------------------------

@pytest.mark.parametrize(("params", "pattern"), [
    ({"time_budget": 0}, filled(MSG_BUDGET, got=0)),
    ({"time_budget": "60"}, filled(MSG_BUDGET, got="60")),
    ({"time_budget": True}, filled(MSG_BUDGET, got=True)),
    ({"n_trials": 0}, filled(MSG_N_TRIALS, got=0)),
    ({"n_trials": 2.5}, filled(MSG_N_TRIALS, got=2.5)),
    ({"time_budget": None, "n_trials": None}, filled(MSG_NO_LIMIT)),
    ({"sampler": "bayes"}, template(MSG_SAMPLER)),
    ({"pruner": "hyperband"}, template(MSG_PRUNER)),
    ({"executor": "gpu"}, template(MSG_EXECUTOR)),
    ({"executor": "threads", "n_jobs": 0}, filled(MSG_N_JOBS, got=0)),
    ({"executor": "threads", "n_jobs": "all"}, filled(MSG_N_JOBS, got="all")),
    ({"executor": "dask"}, filled(MSG_DASK_CLIENT)),
])
def test_bad_parameters_are_refused_at_fit(params, pattern, binary_data):
    X, y = binary_data
    with pytest.raises(InputError, match=pattern):
        tiny_automl(**params).fit(X, y)


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError) and issubclass(InputError, AutoMLError)


# -- scikit-learn's estimator checks ----------------------------------------------------------------

OUR_WORDS = "InputError in our own words (what is wrong and what to do), not scikit-learn's wording"
EXPECTED_FAILURES = {
    "check_n_features_in_after_fitting": OUR_WORDS,
    "check_estimators_empty_data_messages": OUR_WORDS,
    "check_fit2d_1sample": OUR_WORDS + "; AutoML needs 10 rows to cross-validate",
    "check_fit2d_predict1d": OUR_WORDS,
    "check_estimators_nan_inf": "missing and infinite values in X are imputed by design, not refused",
    "check_dtype_object": OUR_WORDS + " (a column of dicts is refused naming the column)",
    "check_estimator_sparse_tag": "sparse input is refused as 'not a DataFrame or 2-D array'",
    "check_estimator_sparse_array": "sparse input is refused as 'not a DataFrame or 2-D array'",
    "check_estimator_sparse_matrix": "sparse input is refused as 'not a DataFrame or 2-D array'",
}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::jupyter_automl.exceptions.DataWarning")
@parametrize_with_checks([AutoML(**(TINY | {"n_trials": 1, "cv": 2, "check_leakage": False}))],
                         expected_failed_checks=lambda est: EXPECTED_FAILURES,
                         **({"xfail_strict": True} if "xfail_strict" in
                            inspect.signature(parametrize_with_checks).parameters else {}))
def test_sklearn_compatible(estimator, check):
    check(estimator)
