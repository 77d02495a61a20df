"""A small synchronous search, seen through its events: order, content, failures, limits.

The sync executor runs every unit on the coordinator's thread, so the event order is fully
determined by the seed.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.events import EVENT_KINDS
from jupyter_automl.exceptions import AllTrialsFailedError, SearchWarning

from ..conftest import tiny_automl


def _by_trial(events):
    trials: dict[int, list] = {}
    for e in events:
        if hasattr(e, "trial_number") and e.kind != "best_changed":
            trials.setdefault(e.trial_number, []).append(e)
    return trials


@pytest.fixture(scope="module")
def search():
    from .._data import binary_frame

    X, y = binary_frame(90)
    automl = tiny_automl(n_trials=4, families=["linear", "gradient_boosting"]).fit(X, y)
    return automl, automl.handle_.events()


def test_sequence_numbers_are_one_to_n(search):
    _, events = search
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    times = [e.t for e in events]
    assert times == sorted(times)


def test_starts_and_ends(search):
    automl, events = search
    kinds = [e.kind for e in events]
    assert kinds[0] == "search_started"
    assert kinds[-2:] == ["refit_started", "search_finished"]
    assert kinds.count("search_started") == kinds.count("search_finished") == 1
    started = events[0]
    assert (started.task, started.metric, started.direction) == ("binary", "roc_auc", "maximize")
    assert started.n_folds == 3 and started.n_trials == 4
    assert started.families == ["linear", "gradient_boosting"]


def test_each_trial_starts_scores_its_folds_then_finishes(search):
    _, events = search
    trials = _by_trial(events)
    assert sorted(trials) == [0, 1, 2, 3]
    for evs in trials.values():
        kinds = [e.kind for e in evs]
        assert kinds[0] == "trial_started"
        assert kinds[-1] in ("trial_finished", "trial_pruned", "trial_failed")
        folds = [e.fold for e in evs if e.kind == "fold_scored"]
        if kinds[-1] == "trial_finished":
            assert sorted(folds) == [0, 1, 2]
            finished = evs[-1]
            assert finished.score == pytest.approx(np.mean([e.score for e in evs if e.kind == "fold_scored"]))


def test_best_changed_follows_a_better_finished_trial(search):
    _, events = search
    best = None
    for i, e in enumerate(events):
        if e.kind == "best_changed":
            before = events[i - 1]
            assert before.kind == "trial_finished" and before.trial_number == e.trial_number
            assert e.score == before.score
            assert e.previous_score == best
            assert best is None or e.score > best
            best = e.score
    assert best is not None


def test_finished_summary_agrees_with_the_model(search):
    automl, events = search
    finished = events[-1]
    assert finished.reason == "n_trials"
    assert finished.best_trial == automl.best_trial_
    assert finished.best_score == pytest.approx(automl.cv_score_)
    board = automl.leaderboard()
    assert finished.n_finished == int((board["status"] == "finished").sum())
    assert finished.n_finished + finished.n_pruned + finished.n_failed == len(board) == 4
    assert events[-2].trial_numbers == [automl.best_trial_]


def test_events_are_json_with_known_kinds(search):
    _, events = search
    for e in events:
        assert EVENT_KINDS[e.kind] is type(e)
        assert json.loads(json.dumps(e.to_dict()))["kind"] == e.kind


def test_same_seed_same_trials():
    from .._data import binary_frame

    X, y = binary_frame(60)
    boards = [tiny_automl(n_trials=3, sampler="random").fit(X, y).leaderboard() for _ in range(2)]
    pd.testing.assert_frame_equal(boards[0][["trial", "score", "params"]],
                                  boards[1][["trial", "score", "params"]])


# -- failures are data ----------------------------------------------------------------------------

def _twelve_rows():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=12), "b": rng.normal(size=12)})
    return X, pd.Series([0, 1] * 6, name="y")


def test_a_failing_trial_is_recorded_and_the_search_goes_on():
    # k-NN's default asks for 10 neighbours; each training fold here has only 6 rows
    X, y = _twelve_rows()
    automl = tiny_automl(families=["linear", "knn"], n_trials=3, cv=2)
    with pytest.warns(SearchWarning, match=r"1 of 3 trials failed \(1x ValueError: Expected n_neighbors"):
        automl.fit(X, y)
    board = automl.leaderboard().set_index("trial")
    assert board.loc[1, "family"] == "knn" and board.loc[1, "status"] == "failed"
    assert board.loc[1, "reason"].startswith("fold 1: ValueError: Expected n_neighbors <= n_samples_fit")
    assert (board["status"] == "finished").sum() == 2  # the search went on after the failure
    [failed] = [e for e in automl.handle_.events() if e.kind == "trial_failed"]
    assert (failed.trial_number, failed.error_type) == (1, "ValueError")
    assert failed.reason == board.loc[1, "reason"]
    assert automl.predict(X).shape == (12,)


def test_all_trials_failing_is_an_error_with_the_reasons():
    X, y = _twelve_rows()
    automl = tiny_automl(families=["knn"], n_trials=1, cv=2)
    with pytest.raises(AllTrialsFailedError, match=r"All 1 trials failed, so there is no model\. "
                       r"Most common reasons: 1x fold 1: ValueError: Expected n_neighbors"):
        automl.fit(X, y)
    kinds = [e.kind for e in automl.handle_.events()]
    assert kinds[-1] == "search_errored" and "search_finished" not in kinds
    assert automl.handle_.status == "failed"
    assert not hasattr(automl, "best_pipeline_")


def test_n_trials_counts_new_trials():
    from .._data import regression_frame

    X, y = regression_frame(60)
    automl = tiny_automl(n_trials=5).fit(X, y)
    assert len(automl.leaderboard()) == 5
    assert [e.kind for e in automl.handle_.events()].count("trial_started") == 5


def test_a_pick_too_slow_for_the_time_left_is_asked_again_then_the_search_ends(monkeypatch):
    from jupyter_automl.search import _coordinator
    from jupyter_automl.search._coordinator import MAX_TOO_SLOW_PICKS

    from .._data import binary_frame

    def estimate(problem, rec, records, plan=None):  # every trial but the first "would take" ages
        return 1e6 if rec.number > 0 else None

    monkeypatch.setattr(_coordinator, "first_fold_estimate", estimate)
    X, y = binary_frame(90)
    automl = tiny_automl(n_trials=None, time_budget=60, families=["linear"]).fit(X, y)
    board = automl.leaderboard().set_index("trial")
    assert board.loc[0, "status"] == "finished"
    skipped = board.drop(index=0)
    assert len(skipped) == MAX_TOO_SLOW_PICKS
    assert (skipped["status"] == "stopped").all()
    assert skipped["reason"].str.startswith("not started: a linear fit would take about").all()
    assert automl.search_.reason == "time_budget"


def test_a_sampled_repeat_of_a_tried_configuration_is_not_fitted_again():
    from .._data import multiclass_frame

    X, y = multiclass_frame(90)
    # knn's space is small (k, weights, p, a selector, calibration): with this seed TPE proposes
    # two configurations again within 40 trials
    automl = tiny_automl(n_trials=40, families=["knn"]).fit(X, y)
    board = automl.leaderboard().set_index("trial")
    repeats = board[board["reason"].fillna("").str.startswith("not fitted: the same configuration as trial")]
    fitted = board.drop(index=repeats.index)
    assert len(repeats) >= 1 and (repeats["status"] == "pruned").all() and (repeats["n_folds"] == 0).all()
    for number, row in repeats.iterrows():
        twin = int(row["reason"].rsplit(" ", 1)[1])
        assert twin < number and twin in fitted.index and fitted.loc[twin, "params"] == row["params"]
    assert len(fitted) == 40  # repeats are not among the n_trials
    assert len(set(map(str, fitted["params"]))) == len(fitted)  # nothing fitted twice


def test_a_space_with_nothing_new_to_propose_ends_the_search(monkeypatch):
    from jupyter_automl.search import _coordinator
    from jupyter_automl.search._coordinator import MAX_REPEATS_IN_A_ROW

    from .._data import binary_frame

    def every_later_trial_repeats_the_first(rec, records):
        return next((r for r in records if r.number == 0), None) if rec.number > 0 else None

    monkeypatch.setattr(_coordinator, "repeat_of", every_later_trial_repeats_the_first)
    X, y = binary_frame(90)
    automl = tiny_automl(n_trials=None, time_budget=60, families=["linear"]).fit(X, y)
    board = automl.leaderboard().set_index("trial")
    assert board.loc[0, "status"] == "finished" and len(board) == 1 + MAX_REPEATS_IN_A_ROW
    assert (board.drop(index=0)["reason"] == "not fitted: the same configuration as trial 0").all()
    finished = [e for e in automl.handle_.events() if e.kind == "search_finished"]
    assert automl.search_.reason == "space_exhausted" and finished[0].duration < 30  # of 60 s


def test_refit_makespan_shares_the_refits_among_the_workers():
    from jupyter_automl.search._budget import refit_makespan

    assert refit_makespan([3.0, 1.0, 1.0], 2) == 3.0  # the long refit on one worker, two short on the other
    assert refit_makespan([2.0, 2.0, 2.0], 2) == 4.0
    assert refit_makespan([2.0, 2.0, 2.0], 1) == 6.0
    assert refit_makespan([], 2) == 0.0


ENSEMBLE = dict(n_trials=6, time_budget=600, ensemble=True, families=["linear", "knn", "gradient_boosting"])


def _slow_refits_except(monkeypatch, affordable):
    """Make every trial's refit "take" a day at the end of the search, except ``affordable(rec, best)``."""
    from jupyter_automl.search._coordinator import Coordinator

    finish = Coordinator._finish

    def finish_with_slow_refits(self):
        best = self.ranked_finished()[0]
        self.budget.refit_estimate = lambda rec: 0.0 if affordable(rec, best) else 86_400.0
        return finish(self)

    monkeypatch.setattr(Coordinator, "_finish", finish_with_slow_refits)


def test_members_too_slow_to_refit_are_left_out_and_the_best_trial_stays(monkeypatch):
    from .._data import multiclass_frame

    _slow_refits_except(monkeypatch, lambda rec, best: rec.number == best.number)
    X, y = multiclass_frame(120)
    automl = tiny_automl(**ENSEMBLE).fit(X, y)
    board = automl.leaderboard()
    best = int(board.iloc[0]["trial"])
    assert automl.search_.members == [best]
    finished = board[(board["status"] == "finished") & (board["trial"] != best)]
    for number in finished["trial"]:
        assert f"trial {number} not considered for the ensemble: no time left to refit it" \
            in automl.search_.notes


def test_the_ensemble_is_chosen_among_the_members_that_can_be_refit(monkeypatch):
    from .._data import multiclass_frame

    X, y = multiclass_frame(120)
    free = tiny_automl(**ENSEMBLE).fit(X, y)
    assert len(free.search_.members) >= 2, "this data and seed should give an ensemble"
    slow = free.search_.members[1]  # a runner-up member, now "too slow" to refit

    _slow_refits_except(monkeypatch, lambda rec, best: rec.number != slow)
    automl = tiny_automl(**ENSEMBLE).fit(X, y)
    assert slow not in automl.search_.members
    assert f"trial {slow} not considered for the ensemble: no time left to refit it" in automl.search_.notes
    proba = automl.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("priced", [True, False], ids=["priced", "estimate-only"])
def test_the_search_goes_on_when_the_ensemble_it_would_choose_refits_fast(monkeypatch, priced):
    """The reserve first keeps time for the top trials' refits; once the search would end, the
    ensemble is chosen and the reserve shrinks to what refitting that choice takes."""
    import time

    from jupyter_automl.search import _coordinator
    from jupyter_automl.search._budget import Budget

    from .._data import multiclass_frame

    # the best trial "refits" in 0.1 s, every other in 5 s: too slow for the ensemble at the end,
    # but counted in the first estimate (15 % of the budget, 1.5 s, so a reserve of about 2.3 s)
    def estimate(self, rec):
        return 0.1 if rec.number == self._ranking()[0].number else 5.0

    monkeypatch.setattr(Budget, "refit_estimate", estimate)
    if not priced:
        monkeypatch.setattr(_coordinator, "PRICED_RESERVE_MIN_GAIN", 1e9)
    X, y = multiclass_frame(120)
    budget = 10.0
    t0 = time.monotonic()
    automl = tiny_automl(n_trials=None, time_budget=budget, ensemble=True,
                         families=["linear", "knn"]).fit(X, y)
    elapsed = time.monotonic() - t0
    last_start = max(e.t for e in automl.handle_.events() if e.kind == "trial_started")
    assert automl.search_.reason == "time_budget"
    assert elapsed <= budget + 0.5
    if priced:
        assert last_start > budget - 2.0, "new trials start in the time the estimate kept"
        assert automl.search_.members == [int(automl.leaderboard().iloc[0]["trial"])]
    else:
        assert last_start < budget - 2.2


def _priced_search():
    """A finished ensemble search, its final-model step and the ensemble it chooses freely."""
    from .._data import multiclass_frame

    X, y = multiclass_frame(120)
    coordinator = tiny_automl(**ENSEMBLE).fit(X, y).handle_._coordinator
    final, ranked = coordinator.final, coordinator.ranked_finished()
    members, weights, _ = final.choose_ensemble(ranked, notes=[])
    assert len(members) >= 2, "this data and seed should give an ensemble"
    final.budget.priced_ensemble = {m.number: w for m, w in zip(members, weights, strict=True)}
    return final, ranked, members


def test_the_final_ensemble_is_never_worse_than_the_one_priced_when_time_ran_out(monkeypatch):
    final, ranked, priced = _priced_search()
    single = ([ranked[0]], [1.0], ranked[0].score)  # as when the later members cannot be refit
    monkeypatch.setattr(final, "_choose_in_time", lambda *args: single)
    notes: list[str] = []
    members, weights, score = final.choose_ensemble(ranked, notes)
    assert {m.number for m in members} <= {m.number for m in priced} and len(members) >= 2
    assert final.metric.is_better(score, final._blend_score(*single[:2]))
    assert sum(weights) == pytest.approx(1.0)
    assert any("priced when the search first ran out of time" in n for n in notes)


def test_the_priced_ensemble_is_not_used_when_it_cannot_be_refit_either(monkeypatch):
    final, ranked, priced = _priced_search()
    single = ([ranked[0]], [1.0], ranked[0].score)
    monkeypatch.setattr(final, "_choose_in_time", lambda *args: single)
    too_slow = {m.number for m in priced if m.number != ranked[0].number}
    monkeypatch.setattr(final.budget, "refit_estimate",
                        lambda rec: 86_400.0 if rec.number in too_slow else 0.0)
    notes: list[str] = []
    assert final.choose_ensemble(ranked, notes)[0] == single[0]
    assert not any("priced" in n for n in notes)


@pytest.mark.parametrize(("n_workers", "other_s", "all_kept"), [(2, 0.3, True), (1, 0.3, False), (2, 1.5, False)],
                         ids=["beside", "one-worker", "not-short"])
def test_a_short_refit_beside_a_slower_one_on_an_idle_worker_costs_no_time(monkeypatch, n_workers,
                                                                            other_s, all_kept):
    """german credit at 5 s: boosting's refit alone overran the margin, and the linear model that
    would have been refit beside it was dropped as if it came after it. Only short refits (at most
    half the longest) ride along: two long ones side by side are slower than the estimates say."""
    from types import SimpleNamespace

    final, _, members = _priced_search()
    heavy = members[0]
    monkeypatch.setattr(final.budget, "time_left", lambda: 1.0)  # a 0.5 s limit after the margin
    monkeypatch.setattr(final.budget, "refit_estimate", lambda rec: 2.0 if rec is heavy else other_s)
    monkeypatch.setattr(final, "executor", SimpleNamespace(n_workers=n_workers))
    weights = np.linspace(1.0, 0.5, len(members))  # the heavy member first
    notes: list[str] = []
    kept = final._affordable(members, weights, notes)
    if all_kept:  # the others end on the second worker before the heavy one does
        assert kept == members and not notes
    else:  # one after another, or too long to ride along: each would overrun the limit
        assert kept == [heavy]
        assert len(notes) == len(members) - 1
