"""Events of a search running in threads, seen by a subscriber that joins late."""

from __future__ import annotations

import threading
import time

import pytest

from conformance._tiny import TINY, demo
from jupyter_automl import AutoML

pytestmark = pytest.mark.integration


def test_a_late_subscriber_sees_every_event_once_in_order():
    X, y = demo()
    automl = AutoML(**(TINY | {"storage": "memory", "executor": "threads", "n_jobs": 2, "n_trials": 6,
                               "families": ["linear", "gradient_boosting"]}))
    handle = automl.fit_async(X, y)
    late: list[int] = []
    threads: list[str] = []
    # join while events are being emitted from the coordinator thread
    while not handle.events() or handle.events()[-1].kind == "search_started":
        time.sleep(0.01)

    def record(e):
        late.append(e.seq)
        threads.append(threading.current_thread().name)

    handle.subscribe(record, replay=True)
    assert handle.wait(300)
    assert late == list(range(1, len(handle.events()) + 1))  # replay + live, no gap, no duplicate
    live = threads[len([t for t in threads if t == threading.current_thread().name]):]
    assert live and set(live) == {"jupyter_automl-coordinator"}  # delivered on the coordinator thread


def test_unsubscribing_mid_search_stops_delivery():
    X, y = demo()
    automl = AutoML(**(TINY | {"storage": "memory", "executor": "threads", "n_jobs": 2, "n_trials": 4}))
    handle = automl.fit_async(X, y)
    got = []
    holder = {}

    def first_fold_then_leave(e):
        got.append(e.kind)
        if e.kind == "fold_scored":
            holder["off"]()

    holder["off"] = handle.subscribe(first_fold_then_leave, replay=False)
    assert handle.wait(300)
    assert got.count("fold_scored") == 1
    assert "search_finished" not in got
