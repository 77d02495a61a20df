"""A search starts warm: after a quick baseline its first trials come from the warm start, marked in the leaderboard and
announced by SearchStarted; warm_start=False starts from the fixed defaults."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest

from jupyter_automl.search._warm_plan import SPACE_DEFAULT, WarmPlan, first_configs
from jupyter_automl.search.space import SearchSpace
from jupyter_automl.search.warmstart import METAFEATURES_ATTR

from ..._data import binary_frame
from ...conftest import tiny_automl


def test_a_baseline_then_warm_starts_alternating_with_defaults(tmp_path):
    automl = tiny_automl(warm_start=True, n_trials=4, families=["linear", "random_forest"],
                         storage=None, runs_dir=str(tmp_path)).fit(*binary_frame(120))
    board = automl.leaderboard().sort_values("trial")
    [started] = [e for e in automl.handle_.events() if e.kind == "search_started"]
    plan = started.warm_start
    assert plan["text"].startswith(f"Warm start from {plan['n_reference']} reference datasets")
    assert plan["n_reference"] > 10 and len(plan["configs"]) == 8
    space = SearchSpace(automl.problem_, ["linear", "random_forest"])
    defaults = space.default_configs()
    tried = [dict(p, family=f) for p, f in zip(board["params"], board["family"], strict=True)]
    # the quickest default, a warm start, the next default, the next warm start (each once)
    # the engineering choices a configuration leaves out are enqueued at their defaults
    first = first_configs(WarmPlan(plan["configs"]), defaults, tried=[], complete=space.completed)
    assert tried == [params for params, _ in first[:4]]
    assert tried[0] == space.completed(defaults[0])
    assert tried[1] == space.completed(plan["configs"][0]["params"])
    assert board["warm_start"].notna().tolist() == ["warm_start" in attrs for _, attrs in first[:4]]
    assert [attrs.get(SPACE_DEFAULT, False) for _, attrs in first[:4]] == [True, False, True, False]
    records = sorted(automl.handle_._coordinator.records.values(), key=lambda r: r.number)
    assert [r.space_default for r in records] == [True, False, True, False]  # ensemble candidates
    assert board["warm_start"].notna().sum() == 2
    assert board["predicted_score"].dropna().between(0, 1).all()
    study = optuna.load_study(study_name=automl.study_name_,
                              storage=f"sqlite:///{tmp_path / automl.study_name_ / 'study.db'}")
    assert METAFEATURES_ATTR in study.user_attrs  # later searches learn from this one
    # only what ran is stored: the configurations never asked for were never enqueued
    assert [t.state for t in study.get_trials()] == [optuna.trial.TrialState.COMPLETE] * 4


def test_warm_start_off_starts_from_the_defaults():
    automl = tiny_automl(warm_start=False, n_trials=2).fit(*binary_frame(120))
    assert "warm_start" not in automl.leaderboard().columns
    [started] = [e for e in automl.handle_.events() if e.kind == "search_started"]
    assert started.warm_start is None


def test_first_configs_interleave_and_skip_what_was_tried():
    plan = WarmPlan([{"params": {"family": f"w{i}"}, "source": "portfolio", "predicted_score": 0.9}
                     for i in range(3)])
    defaults = [{"family": f"d{i}"} for i in range(3)]
    order = [p["family"] for p, _ in first_configs(plan, defaults, tried=[{"family": "w1"}])]
    assert order == ["d0", "w0", "d1", "d2", "w2"]
    assert [p["family"] for p, _ in first_configs(None, defaults, tried=[])] == ["d0", "d1", "d2"]
    # far larger tables than the reference corpus's: two defaults before the first warm pick
    order = [p["family"] for p, _ in first_configs(plan, defaults, tried=[], defaults_first=2)]
    assert order == ["d0", "d1", "w0", "d2", "w1", "w2"]


def test_tables_with_row_rungs_start_with_two_defaults():
    from jupyter_automl.problem import _splits, analyze
    from jupyter_automl.search._warm_plan import n_defaults_first

    X = pd.DataFrame({"x": np.arange(3000.0) % 17})
    y = pd.Series(np.arange(3000) % 2)
    assert n_defaults_first(analyze(X, y, check_leakage=False)[0]) == 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_splits, "SMALL_ROWS", 500)
        mp.setattr(_splits, "LARGE_ROWS", 1_000)
        mp.setattr(_splits, "MIN_RUNG_ROWS", 100)
        problem = analyze(X, y, check_leakage=False)[0]
    assert problem.splits.kind == "rows" and n_defaults_first(problem) == 2


def test_tables_far_larger_than_the_corpus_start_with_two_defaults():
    # adult's 36,631 training rows: folds, not row rungs, but 24 times the corpus's largest table
    from jupyter_automl.problem import analyze
    from jupyter_automl.search._warm_plan import FAR_BEYOND_CORPUS_ROWS, n_defaults_first

    def problem(n):
        X = pd.DataFrame({"x": np.arange(float(n)) % 17})
        return analyze(X, pd.Series(np.arange(n) % 2), check_leakage=False)[0]

    below, far = problem(FAR_BEYOND_CORPUS_ROWS - 1), problem(FAR_BEYOND_CORPUS_ROWS)
    assert far.splits.kind != "rows"
    assert n_defaults_first(below) == 1 and n_defaults_first(far) == 2
