"""A configuration's price on the table at hand, from the corpus's fit times, and the warm start
that lets the cheap configurations go first when the budget is short."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pandas as pd
import pytest

from jupyter_automl.problem import analyze
from jupyter_automl.search._budget import first_fold_estimate
from jupyter_automl.search._objective import FoldResult, TrainingData
from jupyter_automl.search._trials import TrialRecord
from jupyter_automl.search._warm_plan import (
    AFFORDABLE_SHARE,
    WarmPlan,
    first_configs,
    plan_warm_start,
)
from jupyter_automl.search.warmstart import Knowledge, MetaData, compute_metafeatures
from jupyter_automl.search.warmstart._cost import (
    CORPUS_TIME_SCALE,
    ROWS_POWER,
    SPEED_RANGE,
    fold_seconds,
)
from jupyter_automl.search.warmstart._metafeatures import METAFEATURE_NAMES

SLOW = {"family": "gradient_boosting", "gradient_boosting.max_iter": 500}
FAST = {"family": "gradient_boosting", "gradient_boosting.max_iter": 50}
LINEAR = {"family": "linear", "linear.C": 1.0}


def _meta(log_rows=(3.0, 3.0)) -> MetaData:
    """Two reference tables of 1,000 rows (3 folds: 667 training rows each), three configurations."""
    features = np.zeros((2, len(METAFEATURE_NAMES)))
    features[:, METAFEATURE_NAMES.index("log_rows")] = log_rows
    features[:, METAFEATURE_NAMES.index("log_classes")] = 1.0  # binary
    features[1, 1] = 1.0  # the second table is a little different
    configs = tuple({"id": f"c{i}", "task_kind": "classification", "params": p}
                    for i, p in enumerate([SLOW, FAST, LINEAR]))
    return MetaData(datasets=("a", "b"), task_kinds=("classification",) * 2, sources=("corpus",) * 2,
                    features=features, configs=configs,
                    dataset_idx=np.array([0, 0, 0, 1, 1, 1]), config_idx=np.array([0, 1, 2, 0, 1, 2]),
                    score=np.full(6, 0.5), seconds=np.array([4.0, 0.4, 0.1, 1.0, 0.1, 0.1]))


def test_a_price_is_the_similarity_weighted_geometric_mean_scaled_by_rows():
    meta = _meta()
    target = dict.fromkeys(METAFEATURE_NAMES, 0.0) | {"log_rows": 3.0}
    w = 0.5  # the target sits between the two tables: equal weights
    rows = round(2 / 3 * 1000)
    slow, fast, linear = fold_seconds(meta, "classification", target | {METAFEATURE_NAMES[1]: 0.5},
                                      [SLOW, FAST, LINEAR], rows)
    assert slow == pytest.approx(math.exp(w * math.log(4.0) + w * math.log(1.0)), rel=0.01)
    assert fast == pytest.approx(0.2, rel=0.01) and linear == pytest.approx(0.1, rel=0.01)
    # four times the rows: 4 ** 0.55 times boosting's price; a quarter: half (fixed costs stay)
    [bigger] = fold_seconds(meta, "classification", target, [SLOW], 4 * rows)
    [smaller] = fold_seconds(meta, "classification", target, [SLOW], rows // 4)
    [same] = fold_seconds(meta, "classification", target, [SLOW], rows)
    assert bigger == pytest.approx(4 ** ROWS_POWER["gradient_boosting"] * same, rel=0.01)
    assert smaller == pytest.approx(same / 2, rel=0.01)


def test_boosting_pays_one_tree_per_class_beyond_two_classes():
    meta = _meta()  # binary reference tables
    # halfway between the two tables: equal weights whatever the classes
    target = dict.fromkeys(METAFEATURE_NAMES, 0.0) | {"log_rows": 3.0, METAFEATURE_NAMES[1]: 0.5}
    binary = fold_seconds(meta, "classification", target | {"log_classes": 1.0}, [SLOW, LINEAR], 667)
    six = fold_seconds(meta, "classification", target | {"log_classes": np.log2(6)}, [SLOW, LINEAR], 667)
    assert six[0] == pytest.approx(6 * binary[0]) and six[1] == pytest.approx(binary[1])


def test_a_configuration_with_newer_parameters_still_matches_and_unknown_ones_get_the_family_median():
    meta = _meta()
    target = dict.fromkeys(METAFEATURE_NAMES, 0.0) | {"log_rows": 3.0}
    newer = SLOW | {"gradient_boosting.class_weight": "none"}  # a parameter the corpus predates
    unknown = {"family": "gradient_boosting", "gradient_boosting.max_iter": 99}
    other_family = {"family": "knn"}
    slow, newer_price, unknown_price, knn = fold_seconds(
        meta, "classification", target, [SLOW, newer, unknown, other_family], 667)
    assert newer_price == slow
    assert min(0.1, 0.4) <= unknown_price <= 4.0 and unknown_price != slow
    assert np.isnan(knn)
    # no times at all (the user's studies only): nothing is priced
    assert np.isnan(fold_seconds(MetaData(**{**meta.__dict__, "seconds": np.full(6, np.nan)}),
                                 "classification", target, [SLOW], 667)).all()


def test_dear_first_configurations_wait_for_the_cheap_ones():
    plan = WarmPlan([{"params": {"family": f"w{i}"}, "source": "portfolio", "predicted_score": 0.9}
                     for i in range(3)])
    price = {"d0": 9.0, "w0": 9.0, "d1": 1.0, "w1": np.nan, "d2": 2.0, "w2": 0.5}
    plan.cv_seconds = lambda params: np.array([price[p["family"]] for p in params])
    plan.affordable_seconds = 3.0
    defaults = [{"family": f"d{i}"} for i in range(3)]
    order = [p["family"] for p, _ in first_configs(plan, defaults, tried=[])]
    # the baseline stays first whatever its price; an unpriced one is not promoted
    assert order == ["d0", "d1", "d2", "w2", "w0", "w1"]
    plan.affordable_seconds = None
    assert [p["family"] for p, _ in first_configs(plan, defaults, tried=[])] == \
        ["d0", "w0", "d1", "w1", "d2", "w2"]


def _training(n_classes: int, n: int = 210) -> TrainingData:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, 9)), columns=[f"x{i}" for i in range(9)])
    y = pd.Series(np.arange(n) % n_classes, name="y")
    problem, X, y = analyze(X, y, check_leakage=False)
    return TrainingData(X, np.asarray(y), problem, 0, None)


def test_with_a_short_budget_the_plan_prices_its_configurations_on_the_shipped_corpus():
    data = _training(n_classes=6)
    knowledge = Knowledge.load(include_history=False)
    study = optuna.create_study()
    plan = plan_warm_start(knowledge, data, ["linear", "gradient_boosting"], study, "unused", None,
                           time_budget=5.0, n_workers=2)
    assert plan.affordable_seconds == pytest.approx(AFFORDABLE_SHARE * 5.0) and "Within 5 s" in plan.text
    # the configurations people see are listed in the order they will run: affordable first
    affordable = plan.cv_seconds([c["params"] for c in plan.configs]) <= plan.affordable_seconds
    assert affordable.any() and list(affordable) == sorted(affordable, reverse=True)
    features = compute_metafeatures(data.X, data.y, data.problem)
    slow = {"family": "gradient_boosting", "gradient_boosting.learning_rate": 0.05,
            "gradient_boosting.max_leaf_nodes": 15, "gradient_boosting.min_samples_leaf": 10,
            "gradient_boosting.l2_regularization": 0.1, "gradient_boosting.max_features": 0.6,
            "gradient_boosting.max_iter": 500}
    linear = [c["params"] for c in knowledge.meta.configs if c["id"] == "c.linear.d0"][0]
    per_fold = knowledge.fold_seconds(data.problem, features, [slow, linear])
    # 5 folds on 2 workers: 3 rounds; 500 boosting rounds on 6 classes cost far more than a linear model
    assert plan.cv_seconds([slow, linear]) == pytest.approx(3 * per_fold)
    assert per_fold[0] > 5 * per_fold[1]
    # no budget: nothing priced, the order is the meta-model's
    unpriced = plan_warm_start(knowledge, data, ["linear"], study, "unused", None)
    assert unpriced.cv_seconds is None and "Within" not in unpriced.text


def _ran(number: int, params: dict, fold_seconds: list[float]) -> TrialRecord:
    """A finished trial whose folds took these seconds (fit; predictions free)."""
    rec = TrialRecord(number=number, params=dict(params), started=0.0, state="finished")
    rec.folds = {k: FoldResult(k, 0.8, s, 0.0, None) for k, s in enumerate(fold_seconds)}
    return rec


def _priced_plan() -> WarmPlan:
    plan = WarmPlan([])
    prices = {"gradient_boosting": 5.0, "linear": 2.0}
    plan.fold_seconds = lambda params: np.array([prices.get(p["family"], np.nan) for p in params])
    return plan


def test_before_a_family_has_run_its_first_fold_is_guessed_from_the_corpus():
    plan = _priced_plan()
    assert plan.first_fold_guess(SLOW) == pytest.approx(5.0 / CORPUS_TIME_SCALE)
    assert plan.first_fold_guess({"family": "neural"}) is None
    data = _training(n_classes=2)
    rec = TrialRecord(number=1, params=dict(SLOW), started=0.0)
    baseline = TrialRecord(number=0, params=dict(LINEAR), started=0.0, state="finished")
    assert first_fold_estimate(data.problem, rec, [baseline], plan) == \
        pytest.approx(5.0 / CORPUS_TIME_SCALE)
    assert first_fold_estimate(data.problem, rec, [baseline]) is None  # no warm start: no guess
    # before a first result no guess stops a trial: a search must end with a model
    assert first_fold_estimate(data.problem, rec, [], plan) is None


def test_the_guess_runs_as_fast_as_this_search_ran_its_first_folds_against_their_price():
    plan, data = _priced_plan(), _training(n_classes=2)
    rec = TrialRecord(number=1, params=dict(SLOW), started=0.0)
    # the linear baseline's first fold took 0.5 s, priced 2 s: this machine and table run 4x faster
    baseline = _ran(0, LINEAR, [0.5, 0.9])
    assert first_fold_estimate(data.problem, rec, [baseline], plan) == pytest.approx(5.0 * 0.5 / 2.0)
    # never more than 20 times faster, nor 2 times slower, than the corpus
    assert plan.first_fold_guess(SLOW, [(LINEAR, 0.001)]) == pytest.approx(5.0 * SPEED_RANGE[0])
    assert plan.first_fold_guess(SLOW, [(LINEAR, 60.0)]) == pytest.approx(5.0 * SPEED_RANGE[1])
    # a configuration without a price says nothing about the speed
    assert plan.first_fold_guess(SLOW, [({"family": "neural"}, 9.0)]) == \
        pytest.approx(5.0 / CORPUS_TIME_SCALE)


def test_a_search_with_a_budget_tries_its_warm_starts_in_the_priced_order(tmp_path):
    from jupyter_automl.search.space import SearchSpace

    from ...conftest import tiny_automl

    data = _training(n_classes=6)
    families = ["linear", "gradient_boosting", "random_forest", "extra_trees"]
    automl = tiny_automl(warm_start=True, n_trials=4, time_budget=5, families=families,
                         runs_dir=str(tmp_path)).fit(data.X, data.y)
    [started] = [e for e in automl.handle_.events() if e.kind == "search_started"]
    assert "Within 5 s" in started.warm_start["text"]
    # listed cheap first (3 folds, one after the other), and some configuration is dear here
    knowledge = Knowledge.load(include_history=False)
    features = compute_metafeatures(data.X, data.y, automl.problem_)
    cv = 3 * knowledge.fold_seconds(automl.problem_, features,
                                    [c["params"] for c in started.warm_start["configs"]])
    affordable = cv <= AFFORDABLE_SHARE * 5
    assert affordable.any() and not affordable.all()
    assert list(affordable) == sorted(affordable, reverse=True)
    space = SearchSpace(automl.problem_, families)
    board = automl.leaderboard().sort_values("trial")
    warm = [dict(p, family=f) for p, f, w in
            zip(board["params"], board["family"], board["warm_start"], strict=True) if isinstance(w, str)]
    listed = [space.completed(c["params"]) for c in started.warm_start["configs"]]
    # in the listed order (one that equals an earlier default runs as that default)
    positions = [listed.index(w) for w in warm]
    assert warm and positions == sorted(positions)
