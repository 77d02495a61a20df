"""The search space: every family builds and fits for each task; defaults, describe(), suggest()."""

from __future__ import annotations

import json

import numpy as np
import optuna
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from jupyter_automl._compat import SKLEARN_VERSION, knn_algorithm, mlp_early_stopping_handles
from jupyter_automl.exceptions import InputError
from jupyter_automl.problem import analyze
from jupyter_automl.search._objective import predict_aligned
from jupyter_automl.search.space import (
    DEFAULT_FAMILIES,
    FAMILIES,
    SearchSpace,
    build_pipeline,
    resolve_families,
)
from jupyter_automl.search.space._nas import NN_BACKEND_VARIABLE
from jupyter_automl.search.space._space import MSG_FAMILIES

from .._data import FRAMES
from .._messages import filled

TASKS = sorted(FRAMES)
WORDS = np.array(["good", "bad", "service", "fast", "slow", "food", "again", "never"])


def rich_frame(task: str, n: int = 60):
    """Tiny data with every used column kind: numeric, categorical, boolean, datetime and text."""
    X, y = FRAMES[task](n)
    rng = np.random.default_rng(1)
    X = X.assign(
        member=rng.random(n) > 0.5,
        joined=pd.date_range("2020-01-01", periods=n, freq="7D"),
        review=[" ".join(rng.choice(WORDS, 6)) for _ in range(n)],
    )
    X.loc[X.index[::9], "signal" if "signal" in X else X.columns[0]] = np.nan  # some missing numbers
    return X, y


@pytest.fixture(scope="module", params=TASKS)
def problem_data(request):
    X, y = rich_frame(request.param)
    problem, X, y = analyze(X, y, check_leakage=False)
    return problem, X, y.to_numpy()


def test_rich_frame_has_every_used_kind(problem_data):
    problem, _, _ = problem_data
    assert {c.kind for c in problem.used_columns} == {"numeric", "categorical", "boolean", "datetime",
                                                       "text"}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_default_builds_and_fits(problem_data, family):
    problem, X, y = problem_data
    space = SearchSpace(problem, [family])
    configs = space.default_configs()
    assert configs and all(c["family"] == family for c in configs)
    for config in configs:
        model = build_pipeline(problem, config, seed=0)
        assert isinstance(model, Pipeline)
        assert model.steps[0][0] == "preprocess" and model.steps[-1][0] == "model"
        model.fit(X.iloc[:45], y[:45])
        pred = predict_aligned(model, X.iloc[45:], problem)
        if problem.is_classification:
            assert pred.shape == (15, len(problem.classes))
            np.testing.assert_allclose(pred.sum(axis=1), 1.0, atol=1e-6)
        else:
            assert pred.shape == (15,)
        assert np.all(np.isfinite(pred))


@pytest.mark.parametrize("family", list(FAMILIES))
def test_sampled_configs_build_and_fit(problem_data, family):
    problem, X, y = problem_data
    space = SearchSpace(problem, [family])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    trial = study.ask()
    params = space.suggest(trial)
    assert params["family"] == family
    assert all(k == "family" or k.startswith(f"{family}.") for k in params)
    model = build_pipeline(problem, params, seed=0).fit(X, y)
    assert len(model.predict(X.head(3))) == 3


def test_every_output_traces_back_to_one_original_column(problem_data):
    """Date and text columns have their own transformers; categorical columns with the same
    settings share one encoder, and ``output_sources`` says which column each output comes from."""
    from jupyter_automl.estimators import output_sources

    problem, X, y = problem_data
    for family in FAMILIES.values():
        config = SearchSpace(problem, [family.name]).default_configs()[0]
        ct = build_pipeline(problem, config).fit(X, y).named_steps["preprocess"]
        assert isinstance(ct, ColumnTransformer)
        for name, _, columns in ct.transformers_:
            if name == "num":
                assert set(columns) == set(problem.columns_of("numeric"))
            elif name.startswith(("date_", "text_")):
                assert len(columns) == 1, (family.name, name, columns)
        sources = output_sources(ct)
        assert len(sources) == ct.transform(X).shape[1]
        assert set(sources) == {c.name for c in problem.used_columns}
        # scikit-learn's own output names of an encoder start with their column's name
        for name, source in zip(ct.get_feature_names_out(), sources, strict=True):
            if name.startswith("cat_"):
                assert name.split("__", 1)[1].startswith(source), (family.name, name, source)


def test_feature_fraction_wraps_the_preprocessing_in_a_selection(problem_data):
    from jupyter_automl.estimators import SelectColumnGroups

    problem, X, y = problem_data
    config = SearchSpace(problem, ["linear"]).default_configs()[0] | {"linear.feature_fraction": 0.5}
    model = build_pipeline(problem, config)
    assert [name for name, _ in model.steps] == ["preprocess", "model"]
    assert isinstance(model.steps[0][1], SelectColumnGroups)
    assert model.steps[0][1].method == "f_test"  # what a configuration without a selector meant
    model.fit(X, y)


def test_defaults_come_cheapest_first_and_cover_every_family(problem_data):
    problem, _, _ = problem_data
    configs = SearchSpace(problem).default_configs()
    families = [c["family"] for c in configs]
    assert families[0] == "linear"
    assert set(families) == set(DEFAULT_FAMILIES) == set(FAMILIES) - {"nas"}
    first_rank = families[:len(DEFAULT_FAMILIES)]
    assert sorted(first_rank, key=lambda f: FAMILIES[f].cost) == first_rank


def test_describe_is_json(problem_data):
    problem, _, _ = problem_data
    described = json.loads(json.dumps(SearchSpace(problem).describe()))
    assert [d["name"] for d in described] == list(DEFAULT_FAMILIES)
    for d in described:
        assert d["label"] and d["help"] and d["params"]
        for p in d["params"]:
            assert p["kind"] in ("float", "int", "categorical")
            if p["kind"] == "categorical":
                assert p["default"] in p["choices"]
            else:
                assert p["low"] <= p["default"] <= p["high"]


def test_conditional_params_only_when_active():
    X, y = FRAMES["regression"]()
    problem, _, _ = analyze(X, y, check_leakage=False)
    space = SearchSpace(problem, ["linear", "neural"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = []
    for _ in range(30):
        params = space.suggest(study.ask())
        seen.append(params)
        if params["family"] == "linear":
            assert ("linear.l1_ratio" in params) == (params["linear.model"] == "elasticnet")
        else:
            n = params["neural.n_layers"]
            assert all((f"neural.units_{i}" in params) == (i <= n) for i in (1, 2, 3))
    assert {p["family"] for p in seen} == {"linear", "neural"}


def test_families_subset_keeps_the_canonical_order():
    assert [f.name for f in resolve_families(["svm", "linear"])] == ["linear", "svm"]
    assert [f.name for f in resolve_families("knn")] == ["knn"]
    assert [f.name for f in resolve_families(None)] == list(DEFAULT_FAMILIES)
    assert [f.name for f in resolve_families(["nas", "linear"])] == ["linear", "nas"]


def test_architecture_search_is_opt_in():
    assert "nas" in FAMILIES and "nas" not in DEFAULT_FAMILIES
    assert "neural" in DEFAULT_FAMILIES  # the cheap scikit-learn MLP stays in the default search
    with pytest.raises(InputError, match="'nas'"):
        resolve_families(["nass"])  # the message lists every family, the opt-in one too


@pytest.mark.parametrize("families", [[], ["xgboost"], ["linear", "lgbm"], 3, {"linear": 1}])
def test_unknown_families_are_refused(families):
    with pytest.raises(InputError, match=filled(MSG_FAMILIES, valid=list(FAMILIES), got=families)):
        resolve_families(families)


def test_on_large_data_costly_families_wait_and_forests_start_cheaper():
    from jupyter_automl.search.space._families import LARGE_DATA_ROWS

    small_problem, _, _ = analyze(*FRAMES["binary"](200), check_leakage=False)
    large_problem, _, _ = analyze(*FRAMES["binary"](LARGE_DATA_ROWS + 1), check_leakage=False)
    small = [c["family"] for c in SearchSpace(small_problem).default_configs()]
    large = [c["family"] for c in SearchSpace(large_problem).default_configs()]
    assert sorted(small) == sorted(large)  # the same defaults, in another order
    assert small.index("random_forest") < small.index("gradient_boosting", 2)  # 2nd boosting default
    assert large[:3] == ["linear", "gradient_boosting", "gradient_boosting"]
    [forest] = [c for c in SearchSpace(large_problem, ["random_forest"]).default_configs()]
    assert forest["random_forest.n_estimators"] == 100
    assert forest["random_forest.cat_encoding"] == "ordinal"


def _small_problem(n_rows=120, cv=3):
    X, y = FRAMES["multiclass"](n_rows)
    problem, X, y = analyze(X, y, cv=cv, check_leakage=False)
    return problem, X, y.to_numpy()


def test_knn_never_asks_for_more_neighbours_than_a_training_fold_has():
    problem, X, y = _small_problem()
    n_train = problem.splits.min_train_rows
    assert n_train == 80
    space = SearchSpace(problem, ["knn"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    ks = [space.suggest(study.ask())["knn.n_neighbors"] for _ in range(300)]
    assert max(ks) <= n_train and max(ks) > 60  # the range reaches up to the fold's rows
    widest = space.default_configs()[0] | {"knn.n_neighbors": n_train}
    train, valid = problem.splits.folds[0]
    model = build_pipeline(problem, widest, seed=0).fit(X.iloc[train], y[train])
    assert predict_aligned(model, X.iloc[valid], problem).shape == (len(valid), len(problem.classes))


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("calibration", ["none", "isotonic"])
def test_knn_with_manhattan_distance_predicts_text_class_labels(weights, calibration):
    # scikit-learn before 1.9 failed here with brute force (scikit-learn#33034): _compat
    problem, X, y = _small_problem()
    assert problem.classes.dtype.kind not in "biuf"  # text labels
    config = {"family": "knn", "knn.n_neighbors": 5, "knn.weights": weights, "knn.p": 1,
              "knn.calibration": calibration}
    train, valid = problem.splits.folds[0]
    model = build_pipeline(problem, config, seed=0).fit(X.iloc[train], y[train])
    proba = predict_aligned(model, X.iloc[valid], problem)
    assert proba.shape == (len(valid), len(problem.classes)) and np.allclose(proba.sum(axis=1), 1)
    assert knn_algorithm(1, True) == ("auto" if SKLEARN_VERSION >= (1, 9) else "kd_tree")
    assert knn_algorithm(2, True) == knn_algorithm(1, False) == "auto"


@pytest.mark.filterwarnings("ignore::UserWarning")  # tiny data: batch clipped, not converged
@pytest.mark.parametrize(("n_rows", "stops_early"), [(24, False), (300, True)])
def test_neural_stops_early_only_with_enough_rows_to_hold_out(n_rows, stops_early):
    problem, X, y = _small_problem(n_rows, cv=2)
    [config] = SearchSpace(problem, ["neural"]).default_configs()
    model = build_pipeline(problem, config, seed=0)
    mlp = model.named_steps["model"]
    # (older scikit-learn cannot stop early on text labels like these: _compat)
    assert mlp.early_stopping is (stops_early and mlp_early_stopping_handles(problem.classes))
    train, _ = problem.splits.folds[0]
    model.fit(X.iloc[train], y[train])  # 12 rows, 3 classes: a 10 % hold-out could not be stratified


@pytest.mark.parametrize("n_rows", [24, 300])
@pytest.mark.parametrize("backend", ["torch", "sklearn"])
def test_nas_defaults_are_networks_of_the_chosen_backend(n_rows, backend, monkeypatch):
    monkeypatch.setenv(NN_BACKEND_VARIABLE, backend)
    problem, X, y = _small_problem(n_rows, cv=2)
    configs = SearchSpace(problem, ["nas"]).default_configs()
    assert len(configs) >= 3 and all(c["nas.backend"] == backend for c in configs)
    model = build_pipeline(problem, configs[0], seed=0)
    net = model.named_steps["model"]
    assert type(net).__name__ == ("TabularNetClassifier" if backend == "torch" else "SklearnNetClassifier")
    train, valid = problem.splits.folds[0]
    model.fit(X.iloc[train], y[train])  # 12 rows, 3 classes on the smallest table
    assert net.n_epochs_ == net.max_epochs
    assert predict_aligned(model, X.iloc[valid], problem).shape == (len(valid), len(problem.classes))


def test_nas_conditional_params_only_when_active():
    X, y = FRAMES["regression"]()
    problem, _, _ = analyze(X, y, check_leakage=False)
    space = SearchSpace(problem, ["nas"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(10):
        params = space.suggest(study.ask())
        n = params["nas.n_blocks"]
        assert all((f"nas.block_{i}.width" in params) == (i < n) for i in range(8))


def test_a_bad_network_backend_setting_is_refused(monkeypatch):
    monkeypatch.setenv(NN_BACKEND_VARIABLE, "jax")
    problem, _, _ = _small_problem()
    with pytest.raises(InputError, match="JUPYTER_AUTOML_NN_BACKEND must be"):
        SearchSpace(problem, ["nas"]).default_configs()


def test_logistic_regression_solves_wide_multiclass_tables_with_lbfgs():
    # Newton-Cholesky's step solves a system as large as the coefficients: on an all-categorical
    # table with many classes it took 7.6 s a fold where L-BFGS takes 0.02 s
    rng = np.random.default_rng(0)
    wide = pd.DataFrame({f"c{j}": pd.Categorical(rng.choice(list("abcdef"), 300)) for j in range(20)})
    many_classes = pd.Series(rng.choice([f"k{i}" for i in range(12)], 300))
    small = pd.DataFrame({"x": rng.normal(size=300), "z": rng.normal(size=300)})
    params = {"family": "linear"}
    wide_model = build_pipeline(analyze(wide, many_classes)[0], params, 0)[-1]
    small_model = build_pipeline(analyze(small, pd.Series(rng.choice(["y", "n"], 300)))[0], params, 0)[-1]
    assert wide_model.solver == "lbfgs"
    assert small_model.solver == "newton-cholesky"


def test_lbfgs_logistic_regression_reads_a_sparse_one_hot_matrix():
    # L-BFGS reads its whole input at every step: a dense one-hot matrix is mostly zeros to read
    # (67,000 rows x 269 columns: 1.3 s dense, 0.36 s sparse); the predictions stay the same
    rng = np.random.default_rng(0)
    X = pd.DataFrame({f"c{j}": pd.Categorical(rng.choice([f"v{k}" for k in range(25)], 400))
                      for j in range(8)} | {"x": rng.normal(size=400)})
    y = pd.Series(np.where(X["x"] + (X["c0"] == "v1") > 0, "y", "n"))
    problem = analyze(X, y)[0]
    pipeline = build_pipeline(problem, {"family": "linear"}, 0).fit(X, y)
    assert pipeline[-1].solver == "lbfgs"
    assert sp.issparse(pipeline[0].transform(X))
    dense = build_pipeline(problem, {"family": "linear"}, 0)
    dense.set_params(preprocess__sparse_threshold=0.0).fit(X, y)
    assert not sp.issparse(dense[0].transform(X))
    np.testing.assert_allclose(pipeline.predict_proba(X), dense.predict_proba(X), atol=1e-4)
    # pairwise products need a dense input
    interactions = build_pipeline(problem, {"family": "linear", "linear.interactions": True}, 0)
    assert interactions[0].sparse_threshold == 0.0
