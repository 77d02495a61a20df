"""Feature engineering as search choices: every choice builds and fits with every family, the
defaults build the fixed pipelines, names and explanations trace back to the original columns."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest

from jupyter_automl.estimators import FrequencyEncoder, PairwiseInteractions, SelectColumnGroups
from jupyter_automl.exceptions import DataWarning, InputError
from jupyter_automl.export._source import same
from jupyter_automl.insight.explain import explain
from jupyter_automl.insight.explain._columns import column_map
from jupyter_automl.problem import analyze
from jupyter_automl.search._objective import predict_aligned
from jupyter_automl.search.space import FAMILIES, SearchSpace, build_pipeline, build_preprocessor
from jupyter_automl.search.space._engineering import (
    ENGINEERED_CHOICES,
    ENGINEERED_FAMILIES,
    MSG_ENGINEERING,
    Engineering,
)

from .._data import binary_frame
from .._messages import filled

WORDS = np.array(["good", "bad", "fast", "slow", "tasty", "cold", "again", "never", "staff", "view"])
ENGINEERED = ("datetime", "text", "text_vocabulary", "text_ngrams", "high_cardinality",
              "onehot_min_frequency", "splines", "interactions")
FAST = {"gradient_boosting.max_iter": 30, "random_forest.n_estimators": 30,
        "extra_trees.n_estimators": 30}  # the choices are under test, not the model sizes
SEARCHED_FAMILIES = [f for f in FAMILIES if f != "nas"]


def engineered_frame(n: int = 240, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """A date whose hour matters cyclically, a review whose words matter, a city with 60 levels
    whose level matters, a bent number and a noise column; target 0/1."""
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 24 * 400, n), unit="h")
    city = rng.integers(0, 60, n)
    words = [rng.choice(WORDS, 5) for _ in range(n)]
    x = rng.uniform(-2, 2, n)
    X = pd.DataFrame({"x": x, "noise": rng.normal(size=n), "colour": rng.choice(["r", "g", "b"], n),
                      "when": when, "city": [f"c{c:02d}" for c in city],
                      "review": [" ".join(w) for w in words]})
    logit = (2 * np.cos(2 * np.pi * when.hour / 24) + 2 * np.array(["good" in w for w in words])
             + np.where(city % 3 == 0, 1.5, -0.5) + x ** 2 - 2)
    y = pd.Series((logit + rng.logistic(size=n) > 0).astype(int), name="label")
    return X, y


@pytest.fixture(scope="module")
def data():
    problem, X, y = analyze(*engineered_frame(), check_leakage=False)
    return problem, X, y.to_numpy()


def engineering_params(problem, family, **kwargs):
    space = SearchSpace(problem, [family], **kwargs)
    return {p.name: p for p in space.params(FAMILIES[family]) if p.name in ENGINEERED}


def alternative_configs(problem, family):
    """Configs that together use every non-default value of every engineering choice."""
    alts = {n: [c for c in p.choices if c != p.default]
            for n, p in engineering_params(problem, family).items()}
    variants = []
    for i, encoding in enumerate(alts["high_cardinality"]):
        variants.append({"datetime": "cyclical", "text_vocabulary": alts["text_vocabulary"][i % 2],
                         "text_ngrams": 2, "high_cardinality": encoding}
                        | ({"onehot_min_frequency": 20} if encoding == "onehot" else {}))
    last = {"datetime": "drop", "text": "drop", "high_cardinality": alts["high_cardinality"][0]}
    if "onehot" in alts["high_cardinality"]:
        last |= {"high_cardinality": "onehot", "onehot_min_frequency": 50}
    variants.append(last)
    if family == "linear":
        variants[0] |= {"splines": True, "interactions": True}
    default = SearchSpace(problem, [family]).default_configs()[0]
    fast = {k: v for k, v in FAST.items() if k.startswith(family)}
    return [default | fast | {f"{family}.{k}": v for k, v in v.items()} for v in variants]


def test_the_table_has_dates_text_and_a_high_cardinality_column(data):
    problem, _, _ = data
    kinds = {c.name: c.kind for c in problem.used_columns}
    assert kinds["when"] == "datetime" and kinds["review"] == "text"
    assert [c.name for c in problem.used_columns if c.high_cardinality] == ["city"]


@pytest.mark.parametrize("family", SEARCHED_FAMILIES)
def test_every_choice_builds_and_fits_with_every_family(data, family):
    problem, X, y = data
    expected = set(ENGINEERED) - ({"splines", "interactions"} if family != "linear" else set()) \
        - ({"onehot_min_frequency"} if family == "gradient_boosting" else set())
    assert set(engineering_params(problem, family)) == expected
    default = build_pipeline(problem, SearchSpace(problem, [family]).default_configs()[0]).fit(X, y)
    default_width = default[:-1].transform(X.head(5)).shape[1]
    seen = set()
    for config in alternative_configs(problem, family):
        model = build_pipeline(problem, config, seed=0).fit(X.iloc[:180], y[:180])
        pred = predict_aligned(model, X.iloc[180:], problem)
        assert pred.shape == (60, 2) and np.all(np.isfinite(pred))
        np.testing.assert_allclose(pred.sum(axis=1), 1.0, atol=1e-6)
        # the choice reaches the pipeline: another width of the model inputs
        assert model[:-1].transform(X.head(5)).shape[1] != default_width, config
        seen |= {(k.split(".", 1)[1], v) for k, v in config.items() if k.split(".", 1)[-1] in ENGINEERED}
    params = engineering_params(problem, family)
    assert seen == {(n, c) for n, p in params.items() for c in p.choices if c != p.default}


def test_choices_exist_only_for_the_kinds_of_columns_a_table_has():
    problem, _, _ = analyze(*binary_frame(), check_leakage=False)
    assert set(engineering_params(problem, "linear")) == {"splines", "interactions"}
    for family in SEARCHED_FAMILIES:
        if family != "linear":
            assert engineering_params(problem, family) == {}
    only_dates = pd.DataFrame({"when": pd.date_range("2020-01-01", periods=80, freq="D")})
    problem, _, _ = analyze(only_dates, binary_frame()[1], check_leakage=False)
    # the only column cannot be dropped
    assert engineering_params(problem, "gradient_boosting")["datetime"].choices == ("calendar", "cyclical")


def test_fixed_engineering_searches_no_engineering_choice(data):
    problem, _, _ = data
    for family in SEARCHED_FAMILIES + ["nas"]:
        assert engineering_params(problem, family, feature_engineering="fixed") == {}
    assert engineering_params(problem, "nas") == {}
    with pytest.raises(InputError, match=filled(MSG_ENGINEERING, valid=["search", "fixed"], got="on")):
        SearchSpace(problem, feature_engineering="on")


@pytest.mark.parametrize("family", SEARCHED_FAMILIES)
def test_defaults_build_the_fixed_pipelines(data, family):
    problem, X, y = data
    space = SearchSpace(problem, [family])
    params = engineering_params(problem, family)
    for config in space.default_configs():
        if family in ENGINEERED_FAMILIES and "text_ngrams" in str(config):
            continue  # the engineered twin of the first default (see the next test)
        assert not any(k.split(".", 1)[-1] in ENGINEERED for k in config)  # stored configs unchanged
        built = build_pipeline(problem, config)
        explicit = build_pipeline(problem, config | {f"{family}.{n}": p.default for n, p in params.items()})
        fixed_preprocessor = build_preprocessor(problem, FAMILIES[family].style, **FAMILIES[family]
                                                .preprocessing_options(space_values(problem, config), problem))
        assert same(built, explicit)
        assert same(built.named_steps["preprocess"], fixed_preprocessor)
        if family == "gradient_boosting":
            a, b = built.fit(X, y), explicit.fit(X, y)
            np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_the_linear_and_boosting_defaults_have_an_engineered_twin_right_after_them(data):
    problem, _, _ = data
    configs = SearchSpace(problem).default_configs()
    twins = [i for i, c in enumerate(configs) if f"{c['family']}.text_ngrams" in c]
    assert [configs[i]["family"] for i in twins] == list(ENGINEERED_FAMILIES)
    for i in twins:
        twin = configs[i]
        assert configs[i - 1] == {k: v for k, v in twin.items()
                                  if k.split(".", 1)[-1] not in ENGINEERED_CHOICES}
        assert {k.split(".", 1)[1]: v for k, v in twin.items() if k.split(".", 1)[-1] in ENGINEERED} \
            == ENGINEERED_CHOICES
    # none without dates, text or many-level categories, and none when the engineering is fixed
    plain = analyze(*binary_frame(200))[0]
    assert not any("text_ngrams" in str(c) or "datetime" in str(c)
                   for c in SearchSpace(plain).default_configs())
    assert SearchSpace(problem, feature_engineering="fixed").default_configs() == \
        [c for c in configs if c["family"] + ".text_ngrams" not in c]
    # a table with a date only: the twin changes the date encoding only
    X, y = engineered_frame()
    dated = analyze(X[["x", "when"]], y)[0]
    twin = next(c for c in SearchSpace(dated, ["linear"]).default_configs() if "linear.datetime" in c)
    assert {k: v for k, v in twin.items() if k.split(".", 1)[-1] in ENGINEERED} == {"linear.datetime": "cyclical"}


def test_the_first_trials_run_the_fixed_engineering_then_its_engineered_twin():
    # an enqueued default fixes only the params it names: the engineering choices it leaves out
    # must be enqueued at their defaults, not drawn by the sampler
    from ..conftest import tiny_automl

    X, y = engineered_frame(120)
    with pytest.warns(DataWarning, match="city"):
        automl = tiny_automl(families=["linear", "gradient_boosting"], n_trials=3).fit(X, y)
    board = automl.leaderboard().sort_values("trial")
    assert len(board) == 3
    for k, (family, params) in enumerate(zip(board["family"], board["params"], strict=True)):
        engineered = {k.split(".", 1)[1]: v for k, v in params.items() if k.split(".", 1)[1] in ENGINEERED}
        defaults = {n: p.default for n, p in engineering_params(automl.problem_, family).items()
                    if p.active is None or p.active(engineered)}
        if k == 1:  # the linear default's engineered twin
            assert family == "linear" and engineered == defaults | ENGINEERED_CHOICES
        else:
            assert engineered == defaults, (family, params)


def test_completed_adds_only_missing_engineering_defaults(data):
    problem, _, _ = data
    space = SearchSpace(problem, ["linear"])
    config = space.default_configs()[0]
    done = space.completed(config | {"linear.text": "drop"})
    assert done["linear.datetime"] == "calendar" and done["linear.text"] == "drop"
    assert "linear.text_vocabulary" not in done  # inactive once text is dropped
    assert SearchSpace(problem, ["linear"], feature_engineering="fixed").completed(config) == config


def space_values(problem, config):
    from jupyter_automl.search.space import family_values

    return family_values(problem, config)[1]


def test_the_native_style_keeps_its_categorical_positions_when_a_column_is_encoded(data):
    problem, X, y = data
    config = SearchSpace(problem, ["gradient_boosting"]).default_configs()[0]
    model = build_pipeline(problem, config | {"gradient_boosting.high_cardinality": "target"}).fit(X, y)
    ct = model.named_steps["preprocess"]
    assert model.named_steps["model"].categorical_features == [0]  # colour; city is a number now
    assert ct.transformers_[0][2] == ["colour"] and ct.transformers_[1][2] == ["city"]


def full_engineering(problem, family="linear", **extra):
    config = SearchSpace(problem, [family]).default_configs()[0]
    return config | {f"{family}.{k}": v for k, v in ({
        "datetime": "cyclical", "text_vocabulary": 50, "text_ngrams": 2,
        "high_cardinality": "frequency", "splines": True} | extra).items()}


def test_names_trace_back_to_the_source_column(data):
    problem, X, y = data
    model = build_pipeline(problem, full_engineering(problem, interactions=True)).fit(X, y)
    cmap = column_map(model)
    names = cmap.names
    assert len(names) == len(cmap.groups)
    for name, group in zip(names, cmap.groups, strict=True):
        assert name.startswith(cmap.columns[group]), name
    assert {"when_weekday_sin", "when_hour_cos", "city_frequency", "x_sp_0"} <= set(names)
    assert any(n.startswith("review: ") and " " in n.split(": ", 1)[1] for n in names)  # word pairs
    # interactions live in the model step; their names say which two inputs they multiply
    interactions = model.named_steps["model"].named_steps["interactions"]
    assert isinstance(interactions, PairwiseInteractions) and len(interactions.pairs_) == 28
    products = interactions.get_feature_names_out(np.asarray(names, dtype=object))[len(names):]
    assert all(a in names and b in names for a, b in (p.split(" x ") for p in products))


def test_explanations_fold_engineered_features_back_to_their_column(data):
    problem, X, y = data
    # target-encoded city: the frequency of a level says nothing here (levels are equally common)
    for extra, method in (({"high_cardinality": "target"}, "linear"),
                          ({"high_cardinality": "target", "interactions": True}, "permutation")):
        model = build_pipeline(problem, full_engineering(problem, **extra)).fit(X, y)
        result = explain(model, X.head(40), problem=problem, background=X.iloc[100:160],
                         max_time=60, method=method)
        assert list(result.values.columns) == list(X.columns)
        np.testing.assert_allclose(result.values.sum(axis=1) + result.base_value,
                                   result.output_values, atol=1e-6)
        strength = result.values.abs().mean()
        # the cyclical hour, the words and the city's level carry the signal; noise does not
        assert min(strength["when"], strength["review"], strength["city"]) > strength["noise"], strength


def test_explanations_of_a_dropped_column_are_zero(data):
    problem, X, y = data
    model = build_pipeline(problem, full_engineering(problem, datetime="drop", text="drop")).fit(X, y)
    result = explain(model, X.head(20), problem=problem, method="linear")
    assert (result.values[["when", "review"]] == 0).all().all()
    assert "when" not in column_map(model).columns


def test_column_selection_keeps_or_drops_whole_source_columns(data):
    problem, X, y = data
    config = full_engineering(problem) | {"linear.feature_fraction": 0.5, "linear.selector": "model"}
    model = build_pipeline(problem, config).fit(X, y)
    selection = model.named_steps["preprocess"]
    assert isinstance(selection, SelectColumnGroups)
    assert set(selection.columns_) == {"x", "noise", "colour", "when", "city", "review"}
    assert len(selection.kept_columns_) == 3
    kept_sources = {selection.groups_[i] for i in np.flatnonzero(selection.support_)}
    assert kept_sources == set(selection.kept_columns_)  # every spline, part and term of a kept column
    assert set(column_map(model).columns) >= set(selection.kept_columns_)


def test_frequency_encoding_is_the_share_of_training_rows():
    enc = FrequencyEncoder().fit(pd.DataFrame({"c": ["a", "a", "b", None]}))
    out = enc.transform(pd.DataFrame({"c": ["a", "b", None, "unseen"]}))
    np.testing.assert_allclose(out[:, 0], [0.5, 0.25, 0.25, 0.0])
    assert list(enc.get_feature_names_out()) == ["c_frequency"]


def test_the_sampler_explores_the_engineering_choices(data):
    problem, _, _ = data
    space = SearchSpace(problem, ["linear"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    values = [space.suggest(study.ask()) for _ in range(30)]
    assert {v["linear.datetime"] for v in values} == {"calendar", "cyclical", "drop"}
    assert {v["linear.high_cardinality"] for v in values} == {"target", "frequency", "onehot"}
    assert all(("linear.text_vocabulary" in v) == (v["linear.text"] == "tfidf") for v in values)


def test_engineering_of_the_defaults_is_the_fixed_one(data):
    problem, X, y = data
    for style in ("scaled", "trees", "native"):
        assert same(build_preprocessor(problem, style, engineering=Engineering()),
                    build_preprocessor(problem, style))
