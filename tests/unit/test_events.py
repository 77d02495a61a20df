"""Events and the EventBus: one vocabulary, frozen JSON-able records, ordered delivery, replay."""

from __future__ import annotations

import dataclasses
import json
import logging
import re

import pytest

from jupyter_automl import events as ev
from jupyter_automl.events import EVENT_KINDS, EventBus


def test_every_event_class_is_listed_once():
    classes = [getattr(ev, name) for name in ev.__all__
               if isinstance(getattr(ev, name), type) and issubclass(getattr(ev, name), ev.Event)
               and getattr(ev, name) is not ev.Event]
    assert sorted(c.__name__ for c in classes) == sorted(c.__name__ for c in EVENT_KINDS.values())
    assert len(EVENT_KINDS) == 13
    for kind, cls in EVENT_KINDS.items():
        assert cls.kind == kind and re.fullmatch(r"[a-z]+(_[a-z]+)+", kind)
        # past tense, as the style guide asks
        assert cls.__name__.endswith("ed")


def _emit_some(bus):
    bus.emit(ev.TrialStarted, trial_number=0, family="linear", params={"linear.C": 1.0})
    bus.emit(ev.FoldScored, trial_number=0, fold=0, score=0.8, fit_time=0.1)
    bus.emit(ev.TrialFailed, trial_number=1, family="svm", params={}, reason="boom", error_type="ValueError")


def test_events_are_frozen_and_json():
    bus = EventBus()
    _emit_some(bus)
    first = bus.events()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.score = 1.0
    for event in bus.events():
        d = event.to_dict()
        assert d["kind"] == event.kind and d["seq"] == event.seq
        assert json.loads(json.dumps(d)) == d


def test_seq_is_monotonic_from_one_and_events_since():
    bus = EventBus()
    _emit_some(bus)
    assert [e.seq for e in bus.events()] == [1, 2, 3]
    assert [e.seq for e in bus.events(since=1)] == [2, 3]
    assert bus.events(since=3) == []


def test_subscribers_get_events_in_order():
    bus = EventBus()
    got_a, got_b = [], []
    bus.subscribe(got_a.append)
    bus.subscribe(lambda e: got_b.append(e.seq))
    _emit_some(bus)
    assert [e.seq for e in got_a] == got_b == [1, 2, 3]


def test_replay_then_live_with_no_gap_and_no_duplicate():
    bus = EventBus()
    _emit_some(bus)
    seen = []
    bus.subscribe(lambda e: seen.append(e.seq), replay=True)
    bus.emit(ev.SearchPaused)
    assert seen == [1, 2, 3, 4]


def test_without_replay_only_new_events():
    bus = EventBus()
    _emit_some(bus)
    seen = []
    bus.subscribe(lambda e: seen.append(e.seq))
    bus.emit(ev.SearchResumed)
    assert seen == [4]


def test_unsubscribe():
    bus = EventBus()
    seen = []
    unsubscribe = bus.subscribe(seen.append)
    bus.emit(ev.SearchPaused)
    unsubscribe()
    unsubscribe()  # twice is harmless
    bus.emit(ev.SearchResumed)
    assert [e.kind for e in seen] == ["search_paused"]


def test_a_raising_subscriber_is_logged_not_fatal(caplog):
    bus = EventBus()
    seen = []

    def broken(event):
        raise RuntimeError("subscriber bug")

    bus.subscribe(broken)
    bus.subscribe(seen.append)
    with caplog.at_level(logging.ERROR, logger="jupyter_automl"):
        event = bus.emit(ev.SearchPaused)
        bus.emit(ev.SearchResumed)
    assert [e.seq for e in seen] == [1, 2]  # later subscribers still get every event
    assert event.seq == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "search_paused" in errors[0].getMessage()
    assert errors[0].exc_info[0] is RuntimeError


def test_a_raising_subscriber_during_replay_is_logged(caplog):
    bus = EventBus()
    _emit_some(bus)
    with caplog.at_level(logging.ERROR, logger="jupyter_automl"):
        bus.subscribe(lambda e: 1 / 0, replay=True)
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 3


def test_a_subscriber_may_unsubscribe_itself_while_called():
    bus = EventBus()
    seen = []
    holder = {}

    def once(event):
        seen.append(event.seq)
        holder["unsubscribe"]()

    holder["unsubscribe"] = bus.subscribe(once)
    bus.emit(ev.SearchPaused)
    bus.emit(ev.SearchResumed)
    assert seen == [1]


def test_time_is_relative_to_the_bus():
    bus = EventBus()
    _emit_some(bus)
    times = [e.t for e in bus.events()]
    assert times == sorted(times) and 0 <= times[0] < 5
