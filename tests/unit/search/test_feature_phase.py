"""AutoML(feature_search="sequential" | "pseudo_joint"): the phased feature searches in the engine."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from jupyter_automl import AutoML
from jupyter_automl.exceptions import InputError
from jupyter_automl.search.space import FEATURE_SET

from .test_selection import is_noise, with_noise

PHASED = ("sequential", "pseudo_joint")


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return with_noise(X.iloc[:, :10], 10), y  # 10 real columns, 10 noise columns in front


def search(X, y, mode, n_trials=20, **kwargs):
    options = {"time_budget": None, "n_trials": n_trials, "families": ["linear"], "cv": 3,
               "storage": "memory", "executor": "sync", "seed": 0, "feature_search": mode} | kwargs
    return AutoML(**options).fit(X, y)


@pytest.fixture(scope="module")
def fitted(cancer):
    X, y = cancer
    return {mode: search(X, y, mode) for mode in PHASED}


@pytest.mark.parametrize("mode", PHASED)
def test_the_final_model_reads_only_the_kept_columns_and_most_noise_is_dropped(cancer, fitted, mode):
    X, y = cancer
    automl = fitted[mode]
    phase = automl.search_.feature_phase
    kept = phase["columns"]
    assert phase["mode"] == mode and phase["n_columns_in"] == 20 and len(kept) < 20
    assert set(automl.selected_features_) <= set(kept)
    dropped = [c for c in X.columns if c not in automl.selected_features_]
    assert dropped
    # the dropped columns are not read: scrambling them changes no prediction
    scrambled = X.copy()
    for c in dropped:
        scrambled[c] = scrambled[c].sample(frac=1.0, random_state=1).to_numpy() * 3.0
    np.testing.assert_array_equal(automl.predict_proba(scrambled), automl.predict_proba(X))
    assert automl.score(X, y) > 0.9
    noise_dropped = [c for c in X.columns if is_noise(c) and c not in kept]
    assert len(noise_dropped) >= 6, kept  # of 10
    assert sum(is_noise(c) for c in kept) < sum(not is_noise(c) for c in kept)


@pytest.mark.parametrize("mode", PHASED)
def test_events_and_the_leaderboard_say_what_each_step_did(cancer, fitted, mode):
    X, _ = cancer
    automl = fitted[mode]
    events = [e for e in automl.handle_.events() if e.kind == "features_selected"]
    eliminations = [e for e in events if e.phase == "elimination"]
    assert eliminations and all(e.dropped and set(e.dropped) <= set(X.columns) for e in eliminations)
    assert all(e.n_columns == len(e.columns) and ", ".join(e.dropped) in e.message for e in eliminations)
    n = 20
    for e in eliminations:  # each step drops a fifth of what is left
        assert len(e.dropped) == max(1, n // 5)
        n -= len(e.dropped)
    if mode == "sequential":
        assert events[-1].phase == "chosen" and events[-1].columns == automl.search_.feature_phase["columns"]
    sets = [len(p[FEATURE_SET]) for p in automl.leaderboard().sort_values("trial")["params"]]
    assert sets[0] == 20 and min(sets) < 20  # every trial says which columns it read
    # the phase's trials count toward n_trials; a repeat of a configuration (the first model
    # trial after the elimination is its last step again) is not fitted and does not count
    board = automl.leaderboard()
    assert (~board["reason"].fillna("").str.startswith("not fitted: the same configuration")).sum() == 20


def test_sequential_runs_the_elimination_before_the_model_search(fitted):
    automl = fitted["sequential"]
    steps = automl.search_.feature_phase["steps"]
    board = automl.leaderboard().sort_values("trial")
    first = board.head(len(steps))
    assert list(first["trial"]) == [s["trial"] for s in steps]
    assert len({str(sorted((k, str(v)) for k, v in p.items() if k != FEATURE_SET))
                for p in first["params"]}) == 1  # one fixed model for every RFE step
    rest = board.iloc[len(steps):]
    kept = automl.search_.feature_phase["columns"]
    assert len(rest) and all(p[FEATURE_SET] == kept for p in rest["params"])


def test_pseudo_joint_rescores_the_best_trials_on_the_reduced_set(fitted):
    automl = fitted["pseudo_joint"]
    steps = automl.search_.feature_phase["steps"]
    assert steps and all("before" in s for s in steps)
    judged = [s for s in steps if "after" in s]
    assert judged
    board = automl.leaderboard().set_index("trial")
    for s in judged:  # judged on both re-scored trials, once they had both ended
        assert len(s["rescored"]) == 2
        rescored = board.loc[s["rescored"]]
        assert all(len(p[FEATURE_SET]) == s["n_columns"] for p in rescored["params"])
        finished = rescored[rescored["status"] == "finished"]["score"]
        assert s["after"] == (finished.max() if len(finished) else None)


def test_a_bad_value_is_an_input_error_listing_the_valid_ones(cancer):
    X, y = cancer
    with pytest.raises(InputError, match="feature_search") as info:
        AutoML(feature_search="greedy", storage="memory", n_trials=2).fit(X, y)
    for mode in ("joint", "off", "sequential", "pseudo_joint"):
        assert repr(mode) in str(info.value)
    assert "'greedy'" in str(info.value)


def test_save_and_load_keep_the_selected_columns(cancer, fitted, tmp_path):
    X, _ = cancer
    automl = fitted["sequential"]
    loaded = AutoML.load(automl.save(tmp_path / "model.skops"))
    assert loaded.selected_features_ == automl.selected_features_
    np.testing.assert_array_equal(loaded.predict_proba(X), automl.predict_proba(X))
    assert loaded.search_.feature_phase == automl.search_.feature_phase


def test_a_resumed_search_keeps_the_chosen_columns_instead_of_eliminating_again(cancer, tmp_path):
    X, y = cancer
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    first = search(X, y, "sequential", n_trials=8, storage=storage, study_name="phased")
    kept = first.search_.feature_phase["columns"]
    again = search(X, y, "sequential", n_trials=3, storage=storage, study_name="phased")
    assert not [e for e in again.handle_.events() if e.kind == "features_selected"]
    assert again.search_.feature_phase["columns"] == kept
    board = again.leaderboard()
    new = board[~board["trial"].isin(first.leaderboard()["trial"])]
    assert all(p[FEATURE_SET] == kept for p in new["params"])
    # three new fits; the defaults and warm-start configurations the first search already
    # tried on these columns are proposed again on resume, and are not fitted again
    repeats = new["reason"].fillna("").str.startswith("not fitted: the same configuration")
    assert (~repeats).sum() == 3 and (new[repeats]["n_folds"] == 0).all()
    assert set(again.selected_features_) <= set(kept)


def test_explanations_give_dropped_columns_no_weight(cancer, fitted):
    X, _ = cancer
    automl = fitted["sequential"]
    values = automl.explain(X.head(20), max_time=10).values
    assert list(values.columns) == list(X.columns)
    dropped = [c for c in X.columns if c not in automl.selected_features_]
    assert np.allclose(values[dropped].to_numpy(), 0.0)


def test_stopping_during_the_elimination_keeps_a_model_on_the_best_columns_so_far(cancer):
    X, y = cancer
    automl = AutoML(time_budget=None, n_trials=20, families=["linear"], cv=3, storage="memory",
                    executor="sync", seed=0, feature_search="sequential")
    handle = automl.fit_async(X, y)
    handle.subscribe(lambda e: handle.stop() if e.kind == "features_selected" and e.step == 2 else None)
    handle.result(timeout=120)
    assert automl.search_.reason == "stopped"
    steps = automl.search_.feature_phase["steps"]
    assert len(steps) == 2 and not any(e.phase == "chosen" for e in handle.events()
                                       if e.kind == "features_selected")
    best = max(steps, key=lambda s: s["score"])["score"]
    kept = automl.search_.feature_phase["columns"]  # the fewest columns within 0.5 % of the best step
    assert kept in [s["columns"] for s in steps if s["score"] >= best * 0.995]
    assert set(automl.selected_features_) <= set(kept)
    assert len(automl.leaderboard()) == 2
