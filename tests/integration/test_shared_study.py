"""Several coordinators on one PostgreSQL study, as separate real processes.

- two processes with the same study_name cooperate: trial numbers never collide, each leaderboard
  shows the other's trials and which of the two coordinators (hostname:pid) ran each trial, the
  last one's final model is chosen from all of them;
- a coordinator killed (SIGKILL) mid-search: another process resumes the study by name and keeps
  every finished trial; the killed one's running trial is failed as interrupted (its heartbeat
  stopped) and its configuration is tried once more.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import psycopg2
import pytest

from conformance._tiny import demo
from jupyter_automl import AutoML

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RUNNER = Path(__file__).with_name("_share_run.py")
WAIT = 180  # seconds


def _start(url: str, study: str, n_trials: int, runs: Path, out: Path,
           go: Path | None = None) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    env.pop("JUPYTER_AUTOML_COORDINATOR", None)  # each process is named by its default id
    args = [url, study, str(n_trials), str(runs), str(out)] + ([str(go)] if go else [])
    return subprocess.Popen([sys.executable, str(RUNNER), *args],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _rows(server, url: str, study: str) -> dict[int, str]:
    dbname = url.rsplit("/", 1)[1]
    with psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres",
                          dbname=dbname) as conn, conn.cursor() as cur:
        try:
            cur.execute("SELECT t.number, t.state FROM trials t JOIN studies s USING (study_id) "
                        "WHERE s.study_name = %s", (study,))
        except psycopg2.errors.UndefinedTable:  # the process has not created Optuna's tables yet
            return {}
        return dict(cur.fetchall())


def _finished(rows: dict[int, str]) -> set[int]:
    return {n for n, s in rows.items() if s == "COMPLETE"}


def test_two_processes_search_one_study(postgres_server, postgres_url, tmp_path):
    outs, go = [tmp_path / "a.json", tmp_path / "b.json"], tmp_path / "go"
    procs = [_start(postgres_url, "shared", 6, tmp_path / "runs", out, go) for out in outs]
    deadline = time.monotonic() + WAIT
    while not all(Path(f"{out}.ready").exists() for out in outs):  # both imported: start together
        assert all(p.poll() is None for p in procs) and time.monotonic() < deadline
        time.sleep(0.05)
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=WAIT)
        assert proc.returncode == 0, err[-3000:]
    a, b = (json.loads(out.read_text()) for out in outs)
    rows = _rows(postgres_server, postgres_url, "shared")
    print(f"\ntwo processes on one study: {len(a['started'])} + {len(b['started'])} trials started, "
          f"{len(_finished(rows))} finished in the database; leaderboards of {len(a['board'])} "
          f"and {len(b['board'])} trials")
    assert not set(a["started"]) & set(b["started"])  # trial numbers never collide
    assert set(a["started"]) | set(b["started"]) == set(rows) == _finished(rows)
    assert len(rows) == 12
    for mine in (a, b):
        board = {int(k): v for k, v in mine["board"].items()}
        assert set(mine["started"]) <= set(board)
        assert set(board) <= set(rows)
    # whoever ended last saw every trial, the other's included, and chose its model from them all
    last = max((a, b), key=lambda r: len(r["board"]))
    assert len(last["board"]) == 12
    assert last["best_trial"] in rows
    # who ran each trial: each leaderboard names both coordinators, by host and pid, correctly
    ids = {f"{socket.gethostname()}:{r['pid']}": set(r["started"]) for r in (a, b)}
    assert len(ids) == 2
    for mine in (a, b):
        named = {int(t): c for t, c in mine["coordinators"].items()}
        assert all(t in ids[c] for t, c in named.items()), (named, ids)
    # the one that ended last names both (the first may end before the other's first trial:
    # a process that lost the race to create Optuna's tables starts up to a second later)
    named = {int(t): c for t, c in last["coordinators"].items()}
    assert set(named.values()) == set(ids), named
    print(f"coordinators: {', '.join(f'{c} ran {sorted(t)}' for c, t in ids.items())}")


def test_a_killed_coordinator_is_resumed_by_another_process(postgres_server, postgres_url,
                                                            tmp_path, monkeypatch):
    from jupyter_automl.search import _heartbeat

    proc = _start(postgres_url, "killed", 500, tmp_path / "runs", tmp_path / "never.json")
    deadline = time.monotonic() + WAIT
    try:
        while len(_finished(_rows(postgres_server, postgres_url, "killed"))) < 3:
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # the kernel dies: no cleanup of any kind
        proc.communicate(timeout=30)
    rows = _rows(postgres_server, postgres_url, "killed")
    before = _finished(rows)
    running = {n for n, s in rows.items() if s == "RUNNING"}
    # this process counts a trial as interrupted after 3 s without a heartbeat (60 s by default)
    monkeypatch.setattr(_heartbeat, "INTERVAL", 1)
    monkeypatch.setattr(_heartbeat, "GRACE", 3)
    time.sleep(3.5)
    X, y = demo(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl = AutoML(time_budget=None, n_trials=3, seed=1, cv=3, families=["linear", "knn"],
                        storage=postgres_url, study_name="killed", runs_dir=str(tmp_path / "runs"),
                        executor="threads", n_jobs=1, warm_start=False).fit(X, y)
    board = automl.leaderboard().set_index("trial")
    after = _finished(_rows(postgres_server, postgres_url, "killed"))
    print(f"\ncoordinator killed: {len(before)} finished trials before, {len(after)} after the "
          f"resume by another process; {len(running)} running trial(s) interrupted")
    assert before <= after and len(after) == len(before) + 3  # nothing finished was lost
    assert before <= set(board.index[board["status"] == "finished"])
    # the dead coordinator's trials still name it; the new ones name this process
    assert set(board.loc[sorted(before), "coordinator"]) == {f"{socket.gethostname()}:{proc.pid}"}
    assert set(board.loc[sorted(after - before), "coordinator"]) == {
        f"{socket.gethostname()}:{os.getpid()}"}
    final = _rows(postgres_server, postgres_url, "killed")
    assert "RUNNING" not in final.values()
    for n in running:  # failed with the reason, its configuration run again by the new process
        assert final[n] == "FAIL" and board.loc[n, "reason"].startswith("interrupted")
        drawn = board.loc[n, "params"].items()  # define-by-run: maybe not all drawn before the kill
        retried = [m for m in board.index if m > n and drawn <= board.loc[m, "params"].items()]
        assert retried, f"trial {n}'s configuration was not tried again"
