"""Controlling a search that runs in the background: pause/resume, Ctrl-C, the time budget."""

from __future__ import annotations

import signal
import threading
import time
import warnings

import pytest

from conformance._tiny import TINY, demo
from jupyter_automl import AutoML
from jupyter_automl.exceptions import SearchWarning

pytestmark = pytest.mark.integration

WAIT = 300


def _background(**params) -> AutoML:
    return AutoML(**(TINY | {"storage": "memory", "executor": "threads", "n_jobs": 2,
                             "families": ["linear", "gradient_boosting"]} | params))


def _when(handle, kind):
    seen = threading.Event()
    handle.subscribe(lambda e: e.kind == kind and seen.set())
    return seen


def test_pause_starts_nothing_new_and_stops_the_clock_until_resume():
    X, y = demo()
    automl = _background(n_trials=6, time_budget=600)
    handle = automl.fit_async(X, y)
    assert _when(handle, "trial_finished").wait(WAIT)
    handle.pause()
    assert _when(handle, "search_paused").wait(WAIT)
    # units already running may still end; wait until the events go quiet
    deadline = time.monotonic() + WAIT
    n = len(handle.events())
    while time.monotonic() < deadline:
        time.sleep(1.0)
        if len(handle.events()) == n:
            break
        n = len(handle.events())
    quiet_from, elapsed = len(handle.events()), handle.progress()["elapsed"]
    time.sleep(2.0)
    assert handle.status == "paused" and handle.progress()["status"] == "paused"
    assert len(handle.events()) == quiet_from  # no new trial, no new fold
    assert handle.progress()["elapsed"] == pytest.approx(elapsed, abs=0.3)  # the budget clock stopped
    handle.resume()
    assert handle.wait(WAIT)
    handle.result()
    kinds = [e.kind for e in handle.events()]
    assert kinds.count("search_paused") == kinds.count("search_resumed") == 1
    resumed_at = kinds.index("search_resumed")
    assert "trial_started" in kinds[resumed_at:]  # the search went on
    assert len(automl.leaderboard()) == 6


def test_ctrl_c_while_waiting_stops_and_keeps_the_best_model():
    X, y = demo()
    automl = _background(n_trials=None, time_budget=600)
    handle = automl.fit_async(X, y)
    assert _when(handle, "trial_finished").wait(WAIT)
    main = threading.main_thread().ident
    threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT)).start()
    t0 = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchWarning)
        assert handle.wait() is True  # the KeyboardInterrupt became stop(), then a normal end
        handle.result()
    assert time.monotonic() - t0 < 60
    assert handle.events()[-1].reason == "stopped"
    assert automl.predict(X.head(2)).shape == (2,)


def test_fit_returns_within_the_time_budget():
    # one timing test (budget adherence is measured properly by the benchmarks)
    X, y = demo(569)
    budget = 10.0
    automl = AutoML(time_budget=budget, storage="memory", seed=0)  # every family, threads, ensemble
    t0 = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchWarning)
        automl.fit(X, y)
    elapsed = time.monotonic() - t0
    assert elapsed <= budget * 1.1 + 1.0, f"fit took {elapsed:.1f} s for a {budget:g} s budget"
    assert automl.search_.reason == "time_budget"
    assert len(automl.leaderboard()) >= 2
