"""Kill -9 a search that writes a SQLite study, then resume it in a new process: the study opens,
the trials the dead process left RUNNING are marked failed, finished trials are kept, and the
search goes on."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import optuna
import pytest
from optuna.trial import TrialState

from jupyter_automl.search._storage import INTERRUPTED

pytestmark = pytest.mark.integration

WAIT = 300  # seconds

SEARCH = textwrap.dedent("""
    import json, sys, warnings
    warnings.simplefilter("ignore")
    from jupyter_automl import AutoML
    from jupyter_automl.datasets import load_demo
    X, y, _ = load_demo("breast_cancer")
    automl = AutoML(time_budget=None, n_trials=int(sys.argv[2]), seed=0, executor="threads", n_jobs=2,
                    families=["linear", "gradient_boosting"], storage=None, study_name="killed",
                    runs_dir=sys.argv[1], ensemble=False, cv=5)
    automl.fit(X, y)
    board = automl.leaderboard()
    print(json.dumps({"board": board[["trial", "status", "score", "reason"]].to_dict("records"),
                      "events": [e.to_dict() for e in automl.handle_.events()]}, default=str))
""")


def study_states(db):
    study = optuna.load_study(study_name="killed", storage=f"sqlite:///{db}")
    return {t.number: t for t in study.get_trials()}


def test_kill_and_resume(tmp_path):
    runs = tmp_path / "runs"
    db = runs / "killed" / "study.db"
    child = subprocess.Popen([sys.executable, "-c", SEARCH, str(runs), "200"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert child.poll() is None, child.stderr.read()
            assert time.monotonic() < deadline, "the search never had 2 finished and 1 running trial"
            if db.exists():
                try:
                    states = [t.state for t in study_states(db).values()]
                except Exception:  # the child is creating the study right now
                    states = []
                if states.count(TrialState.COMPLETE) >= 2 and TrialState.RUNNING in states:
                    break
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
    assert child.returncode == -signal.SIGKILL

    # the file is intact and shows what the dead process left behind
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    before = study_states(db)
    finished = {n: t.values[0] for n, t in before.items() if t.state == TrialState.COMPLETE}
    orphans = {n for n, t in before.items() if t.state == TrialState.RUNNING}
    assert len(finished) >= 2 and orphans

    resumed = subprocess.run([sys.executable, "-c", SEARCH, str(runs), "2"], capture_output=True,
                             text=True, timeout=WAIT)
    assert resumed.returncode == 0, resumed.stderr
    out = json.loads(resumed.stdout.strip().splitlines()[-1])
    board = {row["trial"]: row for row in out["board"]}

    for n in orphans:  # marked failed, with the reason
        assert board[n]["status"] == "failed" and board[n]["reason"] == INTERRUPTED
        assert study_states(db)[n].state == TrialState.FAIL
    for n, score in finished.items():  # kept, with their scores
        assert board[n]["status"] == "finished" and board[n]["score"] == pytest.approx(score)
    started = [e for e in out["events"] if e["kind"] == "search_started"]
    assert started[0]["n_resumed_trials"] >= len(finished) + len(orphans)
    new = [e["trial_number"] for e in out["events"] if e["kind"] == "trial_started"]
    assert len(new) == 2 and min(new) > max(orphans | set(finished))  # numbering continues
    assert all(board[n]["status"] == "finished" for n in new)  # and the search went on
    after = study_states(db)
    assert not [n for n, t in after.items() if t.state == TrialState.RUNNING]
