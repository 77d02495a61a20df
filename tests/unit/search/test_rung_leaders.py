"""On row rungs, a trial cut short by time that beat every finished trial on the rows it reached
is the final model; a lone model whose refit on all rows cannot end before the deadline learns
from the largest share of rows that can."""

from __future__ import annotations

import copy
import time
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from jupyter_automl.events import EventBus
from jupyter_automl.problem import resolve_metric
from jupyter_automl.search._budget import Budget, refit_scale, rows_within
from jupyter_automl.search._final_model import FinalModel, stratified_share
from jupyter_automl.search._objective import FoldResult
from jupyter_automl.search._ranking import ranked_for_reserve, rung_leaders
from jupyter_automl.search._trials import TrialRecord
from jupyter_automl.search.executors import SyncExecutor

from .._data import binary_frame
from ._rungs import row_rung_search

ACCURACY = resolve_metric("accuracy", "binary", np.array([0, 1]))[0]
LOG_LOSS = resolve_metric("log_loss", "binary", np.array([0, 1]))[0]
ROWS = SimpleNamespace(kind="rows")


def _rec(number: int, state: str, scores: dict[int, float]) -> TrialRecord:
    folds = {k: FoldResult(k, s, 1.0, 0.1, None) for k, s in scores.items()}
    return TrialRecord(number, {}, 0.0, state=state, folds=folds,
                       score=scores[max(scores)] if state == "finished" else None)


def _records() -> list[TrialRecord]:
    return [
        _rec(0, "finished", {0: 0.90, 1: 0.91, 2: 0.92}),
        _rec(1, "finished", {0: 0.93, 1: 0.93, 2: 0.93}),
        _rec(2, "stopped", {0: 0.95}),  # beats 0.90 and 0.93 on rung 0
        _rec(3, "stopped", {0: 0.92}),  # behind trial 1 there
        _rec(4, "pruned", {0: 0.99}),  # pruned for its score: never a leader
        _rec(5, "running", {0: 0.96}),
        _rec(6, "stopped", {0: 0.94, 1: 0.94}),  # a deeper rung: ahead of 0.91 and 0.93
    ]


def test_a_trial_cut_short_leads_when_it_beat_every_finished_trial_on_its_rung():
    assert [r.number for r in rung_leaders(_records(), ACCURACY, ROWS)] == [6, 2]
    assert [r.number for r in rung_leaders(_records(), ACCURACY, ROWS, running=True)] == [6, 5, 2]
    # lower is better: the same scores as losses make no trial cut short a leader
    assert [r.number for r in rung_leaders(_records(), LOG_LOSS, ROWS)] == []
    # only on row rungs: folds of k-fold cross-validation are not sizes of one split
    assert rung_leaders(_records(), ACCURACY, SimpleNamespace(kind="kfold")) == []


def test_the_refit_reserve_counts_the_leaders_before_the_finished_trials():
    ranked = ranked_for_reserve(_records(), ACCURACY, ROWS)
    assert [r.number for r in ranked] == [6, 5, 2, 1, 0]


@pytest.mark.parametrize("stratify", [True, False])
def test_a_stratified_share_keeps_each_class_and_its_proportion(stratify):
    y = np.array(["a"] * 900 + ["b"] * 95 + ["c"] * 5, dtype=object)
    rows = stratified_share(y, 300, seed=0, stratify=stratify)
    assert len(rows) == pytest.approx(300, abs=2) and np.all(np.diff(rows) > 0)
    if stratify:
        labels, counts = np.unique(y[rows], return_counts=True)
        assert list(labels) == ["a", "b", "c"] and list(counts) == [270, 28, 2]
    assert np.array_equal(rows, stratified_share(y, 300, seed=0, stratify=stratify))


@pytest.fixture(scope="module")
def search():
    return row_rung_search(6, ["linear"])


def _final_model(search, time_budget: float | None, bus: EventBus) -> FinalModel:
    coordinator = search.handle_._coordinator
    data = coordinator.final.data
    executor = SyncExecutor()
    executor.start(data)
    budget = Budget(time_budget, time.monotonic(), ranking=coordinator.ranked_finished,
                    n_workers=1, refit_scale=lambda rec: refit_scale(data.problem, rec),
                    ensemble=True)
    return FinalModel(data=data, budget=budget, executor=executor, oof=coordinator.oof, bus=bus,
                      ensemble=True, seed=0, study_name="leaders")


def _with_a_leader(search) -> tuple[list[TrialRecord], TrialRecord]:
    """The search's trials, plus one cut short on the first rung, ahead of every finished one."""
    records = [copy.copy(r) for r in search.handle_._coordinator.records.values()]
    finished = [r for r in records if r.state == "finished"]
    top = max(f.folds[0].score for f in finished)
    leader = copy.copy(finished[-1])
    leader.number, leader.state, leader.score = 99, "stopped", None
    leader.folds = {0: replace(finished[-1].folds[0], score=min(1.0, top + 0.01))}
    return records + [leader], leader


def test_the_final_model_is_the_leader_refit_on_all_rows_when_it_fits(search):
    records, leader = _with_a_leader(search)
    bus = EventBus()
    result = _final_model(search, None, bus).from_records(records, "time_budget", None)
    assert result.members == [99] and result.score == pytest.approx(leader.folds[0].score)
    assert any("trial 99 was cut short after training on 178 rows" in n for n in result.notes)
    refit = [e for e in bus.events() if e.kind == "refit_started"]
    assert refit[0].description.endswith("on all rows") and result.refit_rows is None
    assert result.model.predict_proba(binary_frame(50)[0]).shape == (50, 2)


def test_a_lone_model_learns_from_the_rows_its_refit_has_time_for(search, monkeypatch):
    from jupyter_automl.search import _budget

    rows_and_fixed = _budget._rows_and_fixed  # a cost per row only, at this scale
    monkeypatch.setattr(_budget, "_rows_and_fixed", lambda p, r: (rows_and_fixed(p, r)[0], 0))
    records, leader = _with_a_leader(search)
    leader.folds = {0: replace(leader.folds[0], fit_time=0.1)}  # 0.1 s on 178 rows
    bus = EventBus()
    final = _final_model(search, 1.2, bus)  # about 0.6 s for the refit: about 1,000 rows
    expected = rows_within(final.problem, leader, (final.budget.time_left() - 0.5) / 1.15)
    assert 500 < expected < 1_500
    result = final.from_records(records, "time_budget", 1.2)
    note = next(n for n in result.notes if "learned from" in n)
    n = int(note.split("learned from ")[1].split(" of")[0].replace(",", ""))
    assert abs(n - expected) <= 0.1 * expected and "of the 2,000 rows" in note
    refit = [e for e in bus.events() if e.kind == "refit_started"]
    assert refit[0].description.endswith(f"on {n:,} of 2,000 rows") and result.refit_rows == n
    # never fewer rows than the trial was judged on
    leader.folds = {0: replace(leader.folds[0], fit_time=100.0)}
    result = _final_model(search, 1.2, EventBus()).from_records(records, "time_budget", 1.2)
    assert any("learned from 178 of the 2,000 rows" in n for n in result.notes)
