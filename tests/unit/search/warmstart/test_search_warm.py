"""A search starts warm: its first trials come from the warm start, marked in the leaderboard and
announced by SearchStarted; warm_start=False starts from the fixed defaults."""

from __future__ import annotations

import optuna

from jupyter_automl.search.warmstart import METAFEATURES_ATTR

from ..._data import binary_frame
from ...conftest import tiny_automl


def test_the_first_trials_are_the_warm_starts_and_say_so(tmp_path):
    automl = tiny_automl(warm_start=True, n_trials=3, families=["linear", "random_forest"],
                         storage=None, runs_dir=str(tmp_path)).fit(*binary_frame(120))
    board = automl.leaderboard().sort_values("trial")
    assert board["warm_start"].notna().all()  # 3 trials, all from the plan (it has 8)
    assert board["predicted_score"].between(0, 1).all()
    [started] = [e for e in automl.handle_.events() if e.kind == "search_started"]
    plan = started.warm_start
    assert plan["text"].startswith(f"Warm start from {plan['n_reference']} reference datasets")
    assert plan["n_reference"] > 10 and len(plan["configs"]) == 8
    tried = [dict(p, family=f) for p, f in zip(board["params"], board["family"], strict=True)]
    planned = [c["params"] for c in plan["configs"][:3]]
    assert tried == planned
    study = optuna.load_study(study_name=automl.study_name_,
                              storage=f"sqlite:///{tmp_path / automl.study_name_ / 'study.db'}")
    assert METAFEATURES_ATTR in study.user_attrs  # later searches learn from this one
    # only what ran is stored: the five configurations never asked for were never enqueued
    assert [t.state for t in study.get_trials()] == [optuna.trial.TrialState.COMPLETE] * 3


def test_warm_start_off_starts_from_the_defaults():
    automl = tiny_automl(warm_start=False, n_trials=2).fit(*binary_frame(120))
    assert "warm_start" not in automl.leaderboard().columns
    [started] = [e for e in automl.handle_.events() if e.kind == "search_started"]
    assert started.warm_start is None
