"""The widget layer without a browser: a recording comm stands in for the front-end.

Checks hello -> snapshot -> increments, contiguous seq numbers, resync after a gap, throttling
(at most 10 updates per second), every trial row sent once, requests and their errors, and that
everything reaches the comm from the bridge thread only. Events come from a real EventBus and a
real search.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import comm
import pytest

from jupyter_automl import AutoML
from jupyter_automl.datasets import load_demo
from jupyter_automl.events import EventBus, SearchStarted, TrialFailed, TrialFinished, TrialPruned
from jupyter_automl.widgets import LiveSearch
from jupyter_automl.widgets._base import MSG_UNKNOWN_ACTION
from jupyter_automl.widgets.live import MSG_NO_SEARCH

pytestmark = pytest.mark.integration
IDLE_TIMEOUT = 30.0
BRIDGE_THREAD = "jupyter_automl-bridge"


class RecordingComm:
    """Records what a widget sends to the front-end, with the sending thread and time."""

    comm_id = "recording-comm"
    kernel = "a kernel"

    def __init__(self, *args: Any, **kwargs: Any):
        self.sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def send(self, data=None, metadata=None, buffers=None):
        with self._lock:
            self.sent.append({"data": data, "buffers": buffers, "t": time.monotonic(),
                              "thread": threading.current_thread().name})

    def on_msg(self, callback):
        pass

    def open(self, *args, **kwargs):
        pass

    def close(self, *args, **kwargs):
        pass

    # -- reading what was sent ---------------------------------------------------------------

    def customs(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            out = [m["data"]["content"] for m in self.sent if m["data"].get("method") == "custom"]
        return [m for m in out if kind is None or m.get("kind") == kind]

    def stream(self) -> list[dict[str, Any]]:
        return [m for m in self.customs() if "seq" in m]

    def flush_starts(self) -> list[float]:
        """When each flush that sent stream messages began (a flush ends with its ``_seq``)."""
        starts, first = [], None
        with self._lock:
            for m in self.sent:
                data = m["data"]
                if data.get("method") == "custom" and "seq" in data["content"] and first is None:
                    first = m["t"]
                elif data.get("method") == "update" and "_seq" in data.get("state", {}):
                    if first is not None:
                        starts.append(first)
                    first = None
        return starts

    def state_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return [m["data"]["state"] for m in self.sent if m["data"].get("method") == "update"]


@pytest.fixture
def recording(monkeypatch):
    comms: list[RecordingComm] = []

    def create_comm(*args, **kwargs):
        c = RecordingComm()
        comms.append(c)
        return c

    monkeypatch.setattr(comm, "create_comm", create_comm)
    return comms


def from_front(widget, content: dict, buffers: list | None = None) -> None:
    """Deliver a custom message as the front-end would (through ipywidgets' handler)."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}},
                        "buffers": buffers or []})


def request(widget, rec: RecordingComm, action: str, args: dict | None = None,
            timeout: float = 60.0) -> dict[str, Any]:
    """Send a request and wait for its reply or error."""
    rid = f"req-{action}-{time.monotonic_ns()}"
    from_front(widget, {"kind": "request", "id": rid, "action": action, "args": args or {}})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in rec.customs():
            if m.get("id") == rid and m.get("kind") in ("reply", "error"):
                return m
        time.sleep(0.02)
    raise AssertionError(f"no reply to {action} within {timeout} s")


def assert_contiguous(stream: list[dict[str, Any]]) -> None:
    seqs = [m["seq"] for m in stream]
    assert seqs == list(range(1, len(seqs) + 1)), seqs


class ReplaySource:
    """A real EventBus fed by the test: the same interface as a SearchHandle for the bridge."""

    def __init__(self):
        self.bus = EventBus()
        self.status = "searching"
        self.n = 0
        self.counts = {"n_pruned": 0, "n_stopped": 0, "n_failed": 0}

    def subscribe(self, fn, *, replay=True):
        return self.bus.subscribe(fn, replay=replay)

    def progress(self):
        return {"status": self.status, "elapsed": 1.0, "time_budget": 60, "remaining": 59.0,
                "n_finished": self.n, **self.counts, "n_running": 1, "n_trials": None, "best_trial": 0, "best_score": 0.9, "metric": "roc_auc"}

    def pause(self):
        self.status = "paused"

    def resume(self):
        self.status = "searching"

    def stop(self):
        self.status = "finished"

    def start(self):
        self.bus.emit(SearchStarted, study_name="replay", task="binary", metric="roc_auc",
                      direction="maximize", time_budget=60, n_trials=None, n_folds=3,
                      families=["linear"])

    def finish_trials(self, n, start=0):
        for i in range(start, start + n):
            self.bus.emit(TrialFinished, trial_number=i, family="linear",
                          params={"family": "linear", "linear.C": 1.0 / (i + 1)},
                          score=0.5 + i / (10 * (n + start)), score_std=0.01, fit_time=0.1,
                          duration=0.2)
            self.n += 1


@pytest.fixture
def replay_view(recording):
    """A started ReplaySource and a LiveSearch attached to it; the view is closed afterwards."""
    source = ReplaySource()
    source.start()
    view = LiveSearch(source)
    yield source, view
    view.close()


def test_hello_gets_a_snapshot_then_increments(recording):
    source = ReplaySource()
    source.start()
    source.finish_trials(3)
    view = LiveSearch()
    rec = view.comm
    try:
        view.attach(source)
        assert view.wait_idle(IDLE_TIMEOUT)
        from_front(view, {"kind": "hello", "version": 1, "have_seq": -1})
        assert view.wait_idle(IDLE_TIMEOUT)
        snaps = rec.customs("snapshot")
        assert snaps, "hello must be answered with a snapshot"
        snap = snaps[-1]
        assert [r["trial"] for r in snap["trials"]] == [0, 1, 2]
        assert snap["parts"]["run"]["phase"] == "searching"
        assert snap["parts"]["run"]["metric"] == "roc_auc"
        source.finish_trials(2, start=3)
        assert view.wait_idle(IDLE_TIMEOUT)
        after = [m for m in rec.stream() if m["seq"] > snap["seq"]]
        assert [m["kind"] for m in after] == ["trials"] * len(after)
        assert [r["trial"] for m in after for r in m["rows"]] == [3, 4]
        assert_contiguous(rec.stream())
        assert view._seq == rec.stream()[-1]["seq"]  # the trait that lets a view detect a loss
    finally:
        view.close()


def test_resync_after_a_gap_sends_everything_again(replay_view):
    source, view = replay_view
    rec = view.comm
    source.finish_trials(4)
    assert view.wait_idle(IDLE_TIMEOUT)
    from_front(view, {"kind": "resync", "have_seq": 1, "reason": "expected seq 2, got 3"})
    assert view.wait_idle(IDLE_TIMEOUT)
    snap = rec.customs("snapshot")[-1]
    assert [r["trial"] for r in snap["trials"]] == [0, 1, 2, 3]
    assert_contiguous(rec.stream())


def test_a_burst_is_throttled_and_every_row_is_sent_exactly_once(replay_view):
    source, view = replay_view
    rec = view.comm
    n = 3000
    assert view.wait_idle(IDLE_TIMEOUT)  # the snapshot of the attach is out
    t0 = time.monotonic()
    done = threading.Event()

    def produce():  # the coordinator thread's role: events as fast as they come
        for k in range(30):
            source.finish_trials(n // 30, start=k * (n // 30))
            time.sleep(0.02)
        done.set()

    threading.Thread(target=produce).start()
    assert done.wait(60)
    assert view.wait_idle(IDLE_TIMEOUT)
    elapsed = time.monotonic() - t0
    rows = [r["trial"] for m in rec.customs("trials") for r in m["rows"]]
    assert sorted(rows) == list(range(n)) and len(rows) == n  # no resend, nothing lost
    starts = [t for t in rec.flush_starts() if t >= t0]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) >= 3 and min(gaps) >= 0.095, gaps  # at most 10 updates per second
    assert len(starts) <= elapsed * 10 + 2
    assert_contiguous(rec.stream())


def test_everything_reaches_the_comm_from_the_bridge_thread(replay_view):
    source, view = replay_view
    rec = view.comm
    opened = len(rec.sent)  # the comm_open state goes out on the creating thread
    threads_events = threading.Thread(target=source.finish_trials, args=(5,))
    threads_events.start()
    threads_events.join()
    from_front(view, {"kind": "hello", "version": 1, "have_seq": -1})
    reply = request(view, rec, "pause")
    assert reply == {"kind": "reply", "id": reply["id"], "result": {"status": "pausing"}}
    assert view.wait_idle(IDLE_TIMEOUT)
    senders = {m["thread"] for m in rec.sent[opened:]}
    assert senders == {BRIDGE_THREAD}


def test_requests_without_a_search_or_unknown_fail_with_a_message(recording):
    view = LiveSearch()
    rec = view.comm
    try:
        err = request(view, rec, "stop")
        assert err["kind"] == "error" and err["message"] == MSG_NO_SEARCH.format(what="stop")
        err = request(view, rec, "launch_rockets")
        assert err["message"] == MSG_UNKNOWN_ACTION.format(
            action="launch_rockets", known=["pause", "resume", "stop"])
    finally:
        view.close()


def test_failed_and_pruned_trials_stream_with_their_reasons(replay_view):
    source, view = replay_view
    rec = view.comm
    source.bus.emit(TrialFailed, trial_number=7, family="svm", params={"family": "svm"},
                    reason="fold 1: out of memory", error_type="MemoryError")
    source.bus.emit(TrialPruned, trial_number=8, family="linear", params={"family": "linear"},
                    fold=1, score=0.4, reason="pruned after fold 2")
    assert view.wait_idle(IDLE_TIMEOUT)
    rows = {r["trial"]: r for m in rec.stream() for r in m.get("rows", m.get("trials", []))}
    assert rows[7]["status"] == "failed" and rows[7]["reason"] == "MemoryError: fold 1: out of memory"
    assert rows[8]["status"] == "pruned" and rows[8]["score"] == 0.4


def test_a_supernets_rows_are_counted_apart_from_the_pruned_trials(replay_view):
    source, view = replay_view
    source.counts = {"n_pruned": 44, "n_stopped": 1, "n_inherited": 41, "n_failed": 0}
    source.finish_trials(1)  # an event: the view reads the progress again
    assert view.wait_idle(IDLE_TIMEOUT)
    assert (view.n_pruned, view.n_inherited, view.n_finished) == (4, 41, 1)


def test_a_real_search_streams_every_trial_and_ends_finished(recording):
    X, y, _ = load_demo("breast_cancer")
    handle = AutoML(time_budget=None, n_trials=4, families=["linear"], storage="memory", n_jobs=1,
                    seed=0).fit_async(X, y)
    view = LiveSearch(handle)
    rec = view.comm
    try:
        assert handle.wait(120)
        assert view.wait_idle(IDLE_TIMEOUT)
        streamed = {r["trial"]: r for m in rec.customs("trials") for r in m["rows"]}
        board = handle.leaderboard()
        assert set(streamed) == set(board["trial"])
        for _, row in board.iterrows():
            assert streamed[row["trial"]]["status"] == row["status"]
            if row["status"] == "finished":
                assert streamed[row["trial"]]["score"] == pytest.approx(row["score"])
        assert view.status == "finished"
        assert view.n_finished == int((board["status"] == "finished").sum())
        assert rec.customs("part")[-1]["value"]["phase"] == "finished"
        assert_contiguous(rec.stream())
        err = request(view, rec, "stop")  # stopping a finished search is harmless
        assert err["kind"] == "reply"
    finally:
        view.close()
