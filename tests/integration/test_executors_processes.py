"""The process executor's promises: a hard per-fit time limit, a memory limit, and workers that
die are replaced. Each is recorded as a failed trial with its reason, and the search goes on."""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import numpy as np
import pandas as pd
import psutil
import pytest

from jupyter_automl import AutoML
from jupyter_automl.exceptions import AllTrialsFailedError, SearchWarning

pytestmark = pytest.mark.integration

WAIT = 300  # seconds: worker processes take several seconds to start on a busy machine
TIMEOUT = 2.0  # seconds for one fit; a linear fold takes ~0.1 s, a 200-tree forest ~10 s here


def heavy_data(n: int = 20_000) -> tuple[pd.DataFrame, pd.Series]:
    """Linear models fit this in a blink; fully grown forests take many seconds and much memory."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, 10)), columns=[f"x{i}" for i in range(10)])
    y = pd.Series((X["x0"] + rng.normal(size=n) > 0).astype(int), name="y")
    return X, y


def search(**params) -> AutoML:
    # trial 0 is the linear default, trial 1 the random forest default (defaults run first)
    return AutoML(**({"time_budget": None, "n_trials": 3, "seed": 0, "executor": "processes",
                      "n_jobs": 1, "families": ["linear", "random_forest"], "storage": "memory",
                      "ensemble": False, "cv": 2} | params))


def our_workers(before: set[int]) -> set[int]:
    """Live worker processes started since ``before`` (a set of child pids)."""
    pids = set()
    for p in psutil.Process().children():
        try:
            if (p.pid not in before and p.status() != psutil.STATUS_ZOMBIE
                    and "spawn_main" in " ".join(p.cmdline())):
                pids.add(p.pid)
        except psutil.Error:  # ended meanwhile
            pass
    return pids


def fit_quietly(automl, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchWarning)
        return automl.fit(X, y)


def test_a_slow_fit_is_killed_at_the_time_limit():
    X, y = heavy_data()
    before = {p.pid for p in psutil.Process().children()}
    automl = search(trial_timeout=TIMEOUT)
    pids: list[set[int]] = []
    handle = automl.fit_async(X, y)
    handle.subscribe(lambda e: e.kind == "trial_started" and e.trial_number == 0
                     and pids.append(our_workers(before)))
    assert handle.wait(WAIT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchWarning)
        handle.result()
    board = automl.leaderboard().set_index("trial")
    assert board.loc[0, "status"] == "finished"
    row = board.loc[1]
    assert (row["family"], row["status"]) == ("random_forest", "failed")
    assert row["reason"] == f"fold 1: stopped after {TIMEOUT:g} s, the time limit of one fit"
    failed = next(e for e in handle.events() if e.kind == "trial_failed" and e.trial_number == 1)
    assert failed.error_type == "TimeoutError"
    # killed at the limit, not when the fit would have ended
    assert row["duration"] < TIMEOUT + 3
    # the killed worker is gone, and a new one ran trial 2 (a unit's clock starts only on a ready
    # worker, so trial 2 ending at all, even by the time limit, shows the replacement worked)
    [first_worker] = pids[0]
    assert first_worker not in our_workers(before)
    assert board.loc[2, "status"] in ("finished", "failed")
    assert board.loc[2, "status"] == "finished" or "time limit" in board.loc[2, "reason"]


def test_a_memory_limit_turns_an_allocation_into_a_failed_trial():
    # 1 MB on top of what the worker holds after loading the data: copying a fold's 8 MB of rows
    # fails with a MemoryError inside the fit, which comes back as the trial's reason. (A limit
    # that lets a fit start but not finish depends on the allocator; RLIMIT_AS counts address
    # space, and OpenBLAS alone reserves more than 150 MB of it.)
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(20_000, 50)), columns=[f"x{i}" for i in range(50)])
    y = pd.Series((X["x0"] + rng.normal(size=20_000) > 0).astype(int), name="y")
    # feature_search="off": the 49 noise columns stay, so a fold's rows are the 8 MB above
    automl = search(families=["linear"], n_trials=2, memory_limit=1, feature_search="off")
    with pytest.raises(AllTrialsFailedError, match=r"All 2 trials failed.*2x fold 1: ran out of memory"):
        automl.fit(X, y)
    kinds = [(e.kind, getattr(e, "error_type", None)) for e in automl.handle_.events()]
    assert kinds.count(("trial_failed", "MemoryError")) == 2  # the search went on after the first


def test_a_worker_that_dies_is_replaced():
    X, y = heavy_data()
    before = {p.pid for p in psutil.Process().children()}
    automl = search(n_trials=2)
    forest_started = threading.Event()
    handle = automl.fit_async(X, y)
    handle.subscribe(lambda e: e.kind == "trial_started" and e.trial_number == 1 and forest_started.set())
    assert forest_started.wait(WAIT)
    time.sleep(1.0)  # the forest is being fitted now
    [victim] = our_workers(before)
    os.kill(victim, signal.SIGKILL)  # as the kernel's OOM killer would
    assert handle.wait(WAIT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchWarning)
        handle.result()
    board = automl.leaderboard().set_index("trial")
    assert board.loc[1, "status"] == "failed"
    assert "the worker process died (exit code -9)" in board.loc[1, "reason"]
    assert automl.predict(X.head(3)).shape == (3,)  # a new worker refit the model
    assert victim not in our_workers(before)


def test_workers_are_gone_after_the_search():
    X, y = heavy_data(2000)
    before = {p.pid for p in psutil.Process().children()}
    fit_quietly(search(n_jobs=2, families=["linear"], n_trials=2), X, y)
    deadline = time.monotonic() + 10
    while our_workers(before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert our_workers(before) == set()
