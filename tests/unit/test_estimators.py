"""scikit-learn's estimator checks on our own estimators (``jupyter_automl.estimators``).

Each expected failure is named with its reason; with ``xfail_strict`` a check that starts to pass
fails the test, so the lists stay true.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder
from sklearn.utils.estimator_checks import parametrize_with_checks

from jupyter_automl.estimators import (
    AsLabels,
    DatetimeFeatures,
    FastImputer,
    FiniteNumbers,
    SelectFraction,
    SubsampledEstimator,
    TextColumn,
    WeightedEnsembleClassifier,
    WeightedEnsembleRegressor,
    output_sources,
)

# -- reasons, shared by several transformers ------------------------------------------------------
IN_COLUMN_TRANSFORMER = ("used inside a ColumnTransformer, which checks the number and names of "
                         "columns; the step itself does not")
SPARSE = "takes dense DataFrame columns; sparse input is not supported (nor reported in sklearn's words)"
NAN_BY_DESIGN = "missing and infinite values are its input by design, not an error"
ANY_OBJECT = "turns any value into a label or number by design; objects are not refused"
NO_EMPTY_CHECK = "inside a Pipeline the ColumnTransformer refuses empty input before this step"
ONE_D = "a 1-D input is read as one column, as pandas does"
TEXT_OUT = "outputs text labels (object dtype); the check compares outputs as numbers"

_TRANSFORMER_COMMON = {
    "check_n_features_in_after_fitting": IN_COLUMN_TRANSFORMER,
    "check_complex_data": ANY_OBJECT,
    "check_dtype_object": ANY_OBJECT,
    "check_estimators_empty_data_messages": NO_EMPTY_CHECK,
    "check_estimators_nan_inf": NAN_BY_DESIGN,
    "check_estimator_sparse_tag": SPARSE,
    "check_estimator_sparse_array": SPARSE,
    "check_estimator_sparse_matrix": SPARSE,
    "check_transformer_general": IN_COLUMN_TRANSFORMER,
    "check_fit1d": ONE_D,
    "check_fit2d_predict1d": ONE_D,
}

EXPECTED_FAILURES = {
    AsLabels: _TRANSFORMER_COMMON | {
        "check_transformer_general": TEXT_OUT,
        "check_pipeline_consistency": TEXT_OUT,
        "check_estimators_pickle": TEXT_OUT,
        "check_transformer_data_not_an_array": TEXT_OUT,
        "check_transformer_preserve_dtypes": TEXT_OUT,
        "check_methods_sample_order_invariance": TEXT_OUT,
        "check_methods_subset_invariance": TEXT_OUT,
        "check_fit_idempotent": TEXT_OUT,
    },
    FiniteNumbers: _TRANSFORMER_COMMON,
    DatetimeFeatures: _TRANSFORMER_COMMON,
    TextColumn: {k: v for k, v in _TRANSFORMER_COMMON.items()
                 if k not in ("check_estimator_sparse_array", "check_estimator_sparse_matrix")} | {
        "check_n_features_in_after_fitting": "stateless: fit learns nothing, not even the width",
        "check_n_features_in": "stateless: fit learns nothing, not even the width",
        "check_fit_check_is_fitted": "stateless: nothing to be fitted",
        "check_transformers_unfitted": "stateless: transform works without fit",
        "check_estimator_sparse_tag": SPARSE,
        "check_pipeline_consistency": "returns a 1-D array of strings for a text vectorizer",
        "check_estimators_pickle": "returns a 1-D array of strings for a text vectorizer",
        "check_transformer_data_not_an_array": "returns a 1-D array of strings for a text vectorizer",
        "check_transformer_general": "returns a 1-D array of strings for a text vectorizer",
        "check_transformer_preserve_dtypes": "returns a 1-D array of strings for a text vectorizer",
        "check_methods_sample_order_invariance": "passes one column on: the check feeds several",
        "check_methods_subset_invariance": "returns a 1-D array of strings for a text vectorizer",
        "check_fit_idempotent": "returns a 1-D array of strings for a text vectorizer",
    },
    SubsampledEstimator: {
        "check_dtype_object": ("fits on a sample of the rows: a bad value in a row left out of the "
                               "sample is never seen"),
    },
    WeightedEnsembleClassifier: {
        "check_estimator_sparse_tag": "input goes to the members unchanged; they decide about sparse",
    },
    WeightedEnsembleRegressor: {
        "check_estimator_sparse_tag": "input goes to the members unchanged; they decide about sparse",
        "check_supervised_y_2d": "members are fitted on y as given; Ridge takes a column vector "
                                 "as one output without a warning",
    },
}


def expected_failures(estimator) -> dict[str, str]:
    failures = EXPECTED_FAILURES.get(type(estimator), {})
    if isinstance(estimator, SubsampledEstimator) and not is_classifier(estimator.estimator):
        # the regressor check's bad value happens to fall in the sample
        failures = {k: v for k, v in failures.items() if k != "check_dtype_object"}
    return failures


ESTIMATORS = [
    AsLabels(),
    FiniteNumbers(),
    DatetimeFeatures(),
    TextColumn(),
    FastImputer(strategy="median", add_indicator=True),
    # max_rows below the checks' sample sizes, so the subsampling path runs
    SubsampledEstimator(LogisticRegression(), max_rows=50),
    SubsampledEstimator(Ridge(), max_rows=50),
    WeightedEnsembleClassifier([("a", LogisticRegression()), ("b", LogisticRegression(C=0.1))],
                               weights=[2, 1]),
    WeightedEnsembleRegressor([("a", Ridge()), ("b", Ridge(alpha=10.0))]),
]

_STRICT = ({"xfail_strict": True}
           if "xfail_strict" in inspect.signature(parametrize_with_checks).parameters else {})


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures, **_STRICT)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# -- behaviour the generic checks do not cover ---------------------------------------------------

def test_as_labels_keeps_missing_values_missing():
    out = AsLabels().fit_transform(pd.DataFrame({"a": [1, None, 3], "b": ["x", None, True]}))
    assert out.tolist()[0] == ["1.0", "x"]
    assert pd.isna(out[1, 0]) and pd.isna(out[1, 1])
    assert out[2, 1] == "True"


def test_finite_numbers_turns_infinities_and_text_into_missing():
    out = FiniteNumbers().fit_transform(pd.DataFrame({"a": [1.0, np.inf, -np.inf], "b": ["2", "x", None]}))
    assert out[0].tolist() == [1.0, 2.0]
    assert np.isnan(out[1:]).all()


@pytest.mark.parametrize("keep_empty", [False, True])
@pytest.mark.parametrize("strategy", ["median", "mean", "most_frequent"])
def test_fast_imputer_equals_simple_imputer(strategy, keep_empty):
    from sklearn.impute import SimpleImputer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(501, 6))
    X[rng.random(X.shape) < 0.2] = np.nan
    X[:, 2] = np.nan  # a column with no value at all
    X[:, 4] = np.round(X[:, 4])  # ties: even and odd counts of the same middle values
    options = {"strategy": strategy, "add_indicator": True, "keep_empty_features": keep_empty}
    fast, slow = FastImputer(**options).fit(X), SimpleImputer(**options).fit(X)
    np.testing.assert_allclose(fast.statistics_, slow.statistics_, equal_nan=True)
    np.testing.assert_allclose(fast.transform(X[:7]), slow.transform(X[:7]), equal_nan=True)
    assert fast.get_feature_names_out().tolist() == slow.get_feature_names_out().tolist()


def test_datetime_features_parts_and_names():
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-02-29 13:00", None, "2023-01-02"], format="mixed")})
    dt = DatetimeFeatures().fit(frame)
    out = dt.transform(frame)
    assert list(dt.get_feature_names_out()) == [f"when_{p}" for p in DatetimeFeatures.parts]
    assert out[0, :5].tolist() == [2024, 2, 29, 3, 13]  # Thursday is 3
    assert np.isnan(out[1]).all()
    tz = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=2, freq="D", tz="Europe/Paris")})
    assert DatetimeFeatures().fit_transform(tz).shape == (2, 6)


def test_text_column_fills_missing_with_empty_text():
    assert TextColumn().fit_transform(pd.DataFrame({"t": ["a b", None]})).tolist() == ["a b", ""]


def test_subsampled_estimator_is_stratified_and_delegates():
    X = np.arange(200, dtype=float).reshape(-1, 1)
    y = np.array([0] * 190 + [1] * 10)
    est = SubsampledEstimator(LogisticRegression(), max_rows=40, random_state=0).fit(X, y)
    assert est.estimator_.n_features_in_ == 1
    assert list(est.classes_) == [0, 1]
    assert est.predict_proba(X).shape == (200, 2)
    assert not hasattr(SubsampledEstimator(Ridge()), "predict_proba")


def test_subsampled_estimator_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SubsampledEstimator(Ridge(), max_rows=5).fit(np.zeros((20, 2)), np.zeros(19))


def test_ensemble_classifier_aligns_members_with_different_classes():
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = np.array(["a", "b", "c"] * 20)
    ab = LogisticRegression().fit(X[y != "c"], y[y != "c"])
    abc = LogisticRegression().fit(X, y)
    ens = WeightedEnsembleClassifier([("ab", ab), ("abc", abc)], weights=[1, 3], prefit=True).fit(X, y)
    assert list(ens.classes_) == ["a", "b", "c"]
    proba = ens.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:, 2], 0.75 * abc.predict_proba(X)[:, 2])
    assert ens.estimators_[0] is ab  # prefit members are used as they are


def test_ensemble_probabilities_stay_within_one():
    # these weights, normalised, add up to 1.0000000000000002 in order: members sure of one class
    # gave a probability above 1, which scikit-learn's log_loss refuses
    X, y = np.zeros((4, 1)), np.array([0, 1, 0, 1])
    weights = [7, 9, 7, 1]
    members = [(f"m{i}", DummyClassifier(strategy="most_frequent").fit(X, [0, 0, 0, 1])) for i in range(4)]
    proba = WeightedEnsembleClassifier(members, weights=weights, prefit=True).fit(X, y).predict_proba(X)
    assert proba.max() <= 1.0 and proba.min() >= 0.0
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_ensemble_weights_are_normalised_and_checked():
    X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30.0)
    ens = WeightedEnsembleRegressor([("a", Ridge()), ("b", Ridge())], weights=[3, 1]).fit(X, y)
    assert ens.weights_.tolist() == [0.75, 0.25]
    for bad in ([1], [-1, 2], [0, 0]):
        with pytest.raises(ValueError, match="non-negative numbers with a positive sum"):
            clone(ens).set_params(weights=bad).fit(X, y)
    with pytest.raises(ValueError, match="non-empty list"):
        WeightedEnsembleRegressor([]).fit(X, y)


def test_unfitted_ensemble_says_so():
    with pytest.raises(NotFittedError):
        WeightedEnsembleClassifier([("a", LogisticRegression())]).predict(np.zeros((1, 2)))


def test_module_imports_only_numpy_pandas_and_sklearn():
    import jupyter_automl.estimators as module

    source = inspect.getsource(module)
    imported = {line.split()[1].split(".")[0] for line in source.splitlines()
                if line.startswith(("import ", "from ")) and not line.startswith("from __future__")}
    assert imported <= {"numpy", "pandas", "sklearn"}


def test_select_fraction_keeps_a_perfect_column_and_at_least_one():
    # SelectPercentile's threshold became undefined with an infinite F (a column that separates
    # the classes) and every column was dropped: trials failed with "0 feature(s)".
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    X = np.column_stack([y, rng.normal(size=60), np.ones(60), rng.normal(size=60) + y])
    kept = SelectFraction(0.25).fit(X, y).get_support()
    assert kept.tolist() == [True, False, False, False]
    assert SelectFraction(0.5).fit(X, y).get_support().tolist() == [True, False, False, True]
    assert SelectFraction(0.01).fit(X[:, 1:3], y).get_support().sum() == 1  # never none


@parametrize_with_checks([SelectFraction(0.5)])
def test_select_fraction_is_a_scikit_learn_selector(estimator, check):
    check(estimator)


def test_output_sources_counts_the_outputs_of_a_shared_categorical_encoder():
    rng = np.random.default_rng(0)
    n = 120
    X = pd.DataFrame({
        "a": rng.choice(["x", "y"], n),
        "a_b": rng.choice(list("pqrstuvw"), n, p=[0.5, 0.3, 0.1, 0.04, 0.02, 0.02, 0.01, 0.01]),
        "c": rng.choice(list("klm"), n),
        "num": rng.normal(size=n),
    })
    y = rng.choice(["u", "v", "w"], n)  # three classes: a target encoder gives three per column
    cats = ["a", "a_b", "c"]
    ct = ColumnTransformer([
        # "a_b" starts with "a_", like a one-hot output of "a": counting, not names, tells them apart
        ("onehot", make_pipeline(AsLabels(), OneHotEncoder(min_frequency=6)), cats),
        ("ordinal", OrdinalEncoder(), cats),
        ("target", TargetEncoder(cv=3), ["a", "c"]),
        ("num", make_pipeline(FastImputer(add_indicator=True), StandardScaler()), ["num"]),
    ]).fit(X, y)
    onehot = ct.named_transformers_["onehot"][-1]
    assert any(r is not None for r in onehot.infrequent_categories_)  # "a_b" has rare categories
    # a column's one-hot outputs, counted on that column alone
    widths = [OneHotEncoder(min_frequency=6).fit_transform(X[[c]]).shape[1] for c in cats]
    assert output_sources(ct) == ([c for c, w in zip(cats, widths, strict=True) for _ in range(w)]
                                  + cats + ["a"] * 3 + ["c"] * 3 + ["num"])
    assert len(output_sources(ct)) == ct.transform(X).shape[1]

    # a transformer of several columns whose outputs name none of them: a clear error
    bad = ColumnTransformer([("scaled", make_pipeline(StandardScaler(), _Renamed()), ["num", "num2"])])
    bad.fit(X.assign(num2=X["num"] ** 2))
    with pytest.raises(ValueError, match=r"cannot tell which of \['num', 'num2'\] each output of 'scaled'"):
        output_sources(bad)


class _Renamed(StandardScaler):
    def get_feature_names_out(self, input_features=None):
        return np.asarray(["first", "second"], dtype=object)
