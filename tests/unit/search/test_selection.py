"""Feature selection as a search choice: every family, every selector, whole column groups, no leakage."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from jupyter_automl.estimators import SelectColumnGroups
from jupyter_automl.exceptions import InputError
from jupyter_automl.insight.explain._columns import column_map
from jupyter_automl.problem import analyze
from jupyter_automl.search._objective import TrainingData, run_fold
from jupyter_automl.search.space import FAMILIES, SearchSpace, build_pipeline
from jupyter_automl.search.space._selection import SELECTORS, kept_columns

from ..conftest import tiny_automl
from .test_space import rich_frame


def with_noise(X: pd.DataFrame, n: int = 20, seed: int = 0) -> pd.DataFrame:
    """``X`` with ``n`` irrelevant columns in front (Gaussian, and shuffled copies of real columns):
    in front, so a selector that kept the first columns on ties would be caught."""
    rng = np.random.default_rng(seed)
    half = n // 2
    noise = {f"noise_{i}": rng.normal(size=len(X)) for i in range(half)}
    noise |= {f"shuffled_{i}": rng.permutation(X.iloc[:, i].to_numpy()) for i in range(n - half)}
    return pd.concat([pd.DataFrame(noise, index=X.index), X], axis=1)


def is_noise(name: str) -> bool:
    return name.startswith(("noise_", "shuffled_"))


@pytest.fixture(scope="module")
def cancer_with_noise():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    problem, X, y = analyze(with_noise(X), y, check_leakage=False)
    return problem, X, y.to_numpy()


def configured(problem, family: str, fraction: float, selector: str | None = None) -> dict:
    config = SearchSpace(problem, [family]).default_configs()[0] | {f"{family}.feature_fraction": fraction}
    return config | ({f"{family}.selector": selector} if selector else {})


@pytest.mark.parametrize("selector", SELECTORS)
def test_every_selector_keeps_real_columns_over_noise(cancer_with_noise, selector):
    problem, X, y = cancer_with_noise
    model = build_pipeline(problem, configured(problem, "linear", 0.5, selector)).fit(X, y)
    kept = kept_columns(model)
    assert len(kept) == 25  # half of 30 real + 20 noise columns
    # the trees, tests and mutual information keep no noise at all; an L1 model spreads its
    # weight over a few real columns and some noise columns get a little of it
    assert sum(map(is_noise, kept)) <= (6 if selector == "l1" else 1), kept


def test_selection_is_a_choice_of_every_family_and_off_by_default(cancer_with_noise):
    problem, _, _ = cancer_with_noise
    space = SearchSpace(problem)
    for family in FAMILIES.values():
        names = [p.name for p in family.params(problem)]
        assert {"feature_fraction", "selector"} <= set(names), family.name
    for config in space.default_configs():
        assert config[f"{config['family']}.feature_fraction"] == 1.0
        assert isinstance(build_pipeline(problem, config).steps[0][1], ColumnTransformer)


@pytest.fixture(scope="module", params=["binary", "regression"])
def rich(request):
    X, y = rich_frame(request.param, n=80)
    problem, X, y = analyze(X, y, check_leakage=False)
    return problem, X, y.to_numpy()


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("selector", SELECTORS)
def test_every_family_fits_with_every_selector_on_every_column_kind(rich, family, selector):
    problem, X, y = rich
    model = build_pipeline(problem, configured(problem, family, 0.5, selector)).fit(X, y)
    select = model.steps[0][1]
    assert isinstance(select, SelectColumnGroups)
    n_columns = len(problem.used_columns)
    assert len(select.kept_columns_) == int(np.ceil(0.5 * n_columns))
    assert set(select.kept_columns_) <= {c.name for c in problem.used_columns}
    pred = model.predict(X.iloc[:7])
    assert len(pred) == 7


def test_groups_stand_or_fall_together(rich):
    """The one-hot columns of a category, the parts of a date and the terms of a text column are
    kept or dropped as one, whatever the scorer."""
    problem, X, y = rich
    for selector in SELECTORS:
        for fraction in (0.75, 0.5, 0.25):
            model = build_pipeline(problem, configured(problem, "linear", fraction, selector)).fit(X, y)
            select = model.steps[0][1]
            groups = np.asarray(select.groups_, dtype=object)
            assert len(groups) == len(select.support_)
            for column in select.columns_:
                inside = select.support_[groups == column]
                assert inside.all() or not inside.any(), (selector, column)
                assert inside.all() == (column in select.kept_columns_)
            wide = {c for c in select.columns_ if (groups == c).sum() > 3}
            assert {"joined", "review"} <= wide  # the date's parts and the text's terms are groups


def test_native_style_blanks_dropped_columns_so_categories_keep_their_positions(rich):
    problem, X, y = rich
    model = build_pipeline(problem, configured(problem, "gradient_boosting", 0.25, "model")).fit(X, y)
    select = model.steps[0][1]
    assert select.blank
    Z = select.transform(X)
    assert Z.shape[1] == len(select.support_)  # nothing removed
    dropped = ~select.support_
    assert dropped.any() and np.all(Z[:, dropped] == 0.0)


def test_explanations_map_only_kept_columns(cancer_with_noise):
    problem, X, y = cancer_with_noise
    model = build_pipeline(problem, configured(problem, "linear", 0.25, "f_test")).fit(X, y)
    cmap = column_map(model)
    used = {cmap.columns[g] for g in np.unique(cmap.groups)}
    assert used == set(kept_columns(model))
    assert cmap.transform(X.iloc[:5]).shape[1] == len(cmap.groups)


def test_selection_is_fitted_on_the_training_rows_only():
    """On pure noise, a selection that saw the validation rows would find columns that happen to
    fit them and score well above chance; fitted inside the fold it cannot."""
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(120, 300)), columns=[f"x{i}" for i in range(300)])
    y = pd.Series(rng.integers(0, 2, 120))
    problem, X, y = analyze(X, y, check_leakage=False)
    data = TrainingData(X, y.to_numpy(), problem, seed=0)
    config = configured(problem, "linear", 0.25, "f_test") | {"linear.feature_fraction": 0.25}
    folds = [run_fold(data, config, k) for k in range(problem.splits.n_folds)]
    assert all(f.ok for f in folds), [f.error for f in folds]
    honest = np.mean([f.score for f in folds])
    # the same selection fitted on all rows first, then cross-validated: optimistic
    selected = kept_columns(build_pipeline(problem, config).fit(X, y))
    leaky = []
    for train, valid in problem.splits.folds:
        model = LogisticRegression(max_iter=1000).fit(X[selected].iloc[train], y.iloc[train])
        leaky.append(roc_auc_score(y.iloc[valid], model.predict_proba(X[selected].iloc[valid])[:, 1]))
    assert honest < 0.62 < np.mean(leaky), (honest, leaky)


def test_regression_selects_on_a_real_table():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    problem, X, y = analyze(with_noise(X, 10), y, check_leakage=False)
    for selector in SELECTORS:
        model = build_pipeline(problem, configured(problem, "gradient_boosting", 0.25, selector))
        kept = kept_columns(model.fit(X, y.to_numpy()))
        assert len(kept) == 5 and sum(map(is_noise, kept)) <= 1, (selector, kept)
        assert {"bmi", "s5"} & set(kept), (selector, kept)  # the two strongest signals


def test_bad_selection_settings_are_clear_errors(cancer_with_noise):
    problem, X, y = cancer_with_noise
    ct = build_pipeline(problem, configured(problem, "linear", 1.0)).steps[0][1]
    with pytest.raises(ValueError, match="method must be one of"):
        SelectColumnGroups(ct, method="chi2", keep=0.5).fit(X, y)
    with pytest.raises(ValueError, match="keep must be a share"):
        SelectColumnGroups(ct, keep=0.0).fit(X, y)


def test_feature_search_off_never_samples_a_selection(cancer_with_noise):
    problem, _, _ = cancer_with_noise
    space = SearchSpace(problem, feature_search="off")
    assert all(p["name"] not in ("feature_fraction", "selector")
               for f in space.describe() for p in f["params"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(30):
        params = space.suggest(study.ask())
        assert not any(k.endswith((".feature_fraction", ".selector")) for k in params)
    joint = SearchSpace(problem)
    sampled = [joint.suggest(study.ask()) for _ in range(30)]
    assert any(v < 1.0 for p in sampled for k, v in p.items() if k.endswith(".feature_fraction"))
    with pytest.raises(InputError, match="'feature_search' parameter of AutoML must be one of"):
        SearchSpace(problem, feature_search="sometimes")


def test_automl_reports_the_columns_its_final_model_reads():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = with_noise(X.iloc[:, :8], 8)
    automl = tiny_automl(n_trials=12, sampler="random", families=["linear"]).fit(X, y)
    selected = automl.selected_features_
    assert set(selected) <= set(X.columns)
    assert selected == (kept_columns(automl.best_pipeline_) or list(X.columns))
    fractions = [p.get("linear.feature_fraction") for p in automl.leaderboard()["params"]]
    assert any(f is not None and f < 1.0 for f in fractions)  # the leaderboard shows the choice
    with pytest.raises(InputError, match="feature_search"):
        tiny_automl(feature_search="sometimes").fit(X, y)
