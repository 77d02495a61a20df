"""Wire payloads: trial rows from engine events, the run panel, JSON-safe values."""

from __future__ import annotations

import json
import math

import numpy as np

from jupyter_automl.events import (
    BestChanged,
    RefitStarted,
    SearchErrored,
    SearchFinished,
    SearchStarted,
    TrialFailed,
    TrialFinished,
    TrialPruned,
    TrialStarted,
)
from jupyter_automl.widgets._protocol import jsonable, row_of, run_part

PARAMS = {"family": "gradient_boosting", "gradient_boosting.learning_rate": 0.1,
          "gradient_boosting.max_leaf_nodes": 31}


def test_finished_trial_row_drops_the_family_prefix():
    e = TrialFinished(seq=5, t=3.2, trial_number=2, family="gradient_boosting", params=PARAMS,
                      score=0.91, score_std=0.02, fit_time=1.0, duration=1.5)
    assert row_of(e) == {"trial": 2, "family": "gradient_boosting", "status": "finished",
                         "score": 0.91, "std": 0.02, "t": 3.2, "duration": 1.5,
                         "params": {"learning_rate": 0.1, "max_leaf_nodes": 31}, "reason": "",
                         "objectives": {}}


def test_a_fairness_aware_trial_row_carries_its_disparity():
    """The Run step draws score against disparity live from these rows (no NaN: JSON has none)."""
    e = TrialFinished(seq=5, t=3.2, trial_number=2, family="linear", params={"family": "linear"},
                      score=0.7, score_std=0.02, fit_time=1.0, duration=1.5,
                      objectives={"demographic_parity_difference": 0.031, "other": float("nan")})
    assert row_of(e)["objectives"] == {"demographic_parity_difference": 0.031, "other": None}


def test_pruned_stopped_and_failed_rows_carry_their_reason():
    pruned = TrialPruned(seq=1, t=1.0, trial_number=3, family="linear", params={"family": "linear"},
                         fold=1, score=0.6, reason="pruned after fold 2: worst third")
    stopped = TrialPruned(seq=2, t=2.0, trial_number=4, family="linear", params={"family": "linear"},
                          fold=0, score=None, reason="stopped by the user")
    failed = TrialFailed(seq=3, t=3.0, trial_number=5, family="svm", params={"family": "svm"},
                         reason="fold 1: out of memory", error_type="MemoryError")
    assert row_of(pruned)["status"] == "pruned" and row_of(pruned)["score"] == 0.6
    assert row_of(stopped)["status"] == "stopped" and row_of(stopped)["score"] is None
    assert row_of(failed)["status"] == "failed"
    assert row_of(failed)["reason"] == "MemoryError: fold 1: out of memory"
    assert "inherited" not in row_of(pruned)
    candidate = TrialPruned(seq=4, t=4.0, trial_number=6, family="nas", params={"family": "nas"},
                            fold=0, score=0.2, reason="scored with the supernet's inherited weights",
                            inherited_weights=True)
    assert row_of(candidate)["inherited"] is True and row_of(candidate)["status"] == "pruned"


def test_events_that_do_not_end_a_trial_make_no_row():
    assert row_of(TrialStarted(seq=1, t=0.1, trial_number=0, family="linear", params={})) is None
    assert row_of(BestChanged(seq=2, t=0.2, trial_number=0, family="linear", score=0.5,
                              previous_score=None)) is None


def test_run_panel_follows_the_search_phases():
    started = SearchStarted(seq=1, t=0.0, study_name="s", task="binary", metric="roc_auc",
                            direction="maximize", time_budget=15, n_trials=None, n_folds=5,
                            families=["linear"])
    run = run_part(started, None)
    assert run["phase"] == "searching" and run["metric"] == "roc_auc" and run["time_budget"] == 15
    run = run_part(RefitStarted(seq=9, t=9.0, description="refitting linear", trial_numbers=[0]), run)
    assert run["phase"] == "refitting" and run["refit"] == "refitting linear"
    finished = SearchFinished(seq=10, t=10.0, reason="stopped", n_finished=3, n_pruned=1, n_failed=0,
                              best_trial=0, best_score=0.9, model="linear (trial 0)", duration=10.0)
    run = run_part(finished, run)
    assert run["phase"] == "finished" and run["finished"]["reason"] == "stopped"
    assert run["metric"] == "roc_auc"  # what was known is kept
    errored = run_part(SearchErrored(seq=3, t=1.0, message="All 3 trials failed", error_type="X"), None)
    assert errored == {"phase": "failed", "error": "All 3 trials failed", "error_type": "X"}
    assert run_part(TrialStarted(seq=1, t=0.1, trial_number=0, family="linear", params={}), run) is None


def test_jsonable_turns_numpy_and_non_finite_numbers_into_json():
    value = {"a": np.float32(0.5), "b": np.int64(3), "c": float("nan"), "d": [np.inf, np.bool_(True)],
             1: np.array([1, 2]), "e": ("x", None)}
    out = jsonable(value)
    assert out == {"a": 0.5, "b": 3, "c": None, "d": [None, True], "1": [1, 2], "e": ["x", None]}
    json.dumps(out, allow_nan=False)
    assert not any(isinstance(v, float) and math.isnan(v) for v in out.values())
