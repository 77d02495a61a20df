"""Bridge: engine events -> batched, throttled messages to one widget. The only thread hop.

Engine events arrive on the search's coordinator thread; requests and trait changes from the
browser arrive on the kernel's shell thread (or a subshell); slow work runs on a widget's worker
thread. None of them talks to the front-end directly: they hand what they have to the bridge,
whose own thread sends everything of one widget, in order, at most ``max_rate`` times a second:

* stream messages (``snapshot``, ``trials``, ``part``) numbered by ``seq``;
* replies to requests;
* trait values (progress scalars and values the worker computed), batched with ``hold_sync``.

A trial row is sent once, when the trial ends; only a ``hello`` or ``resync`` from a front-end
makes the bridge send everything again (a snapshot).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from .._logging import get_logger
from ._protocol import MAX_UPDATES_PER_SECOND, PROTOCOL_VERSION, jsonable, row_of, run_part

__all__ = ["Bridge", "EventSource"]

_log = get_logger(__name__)
PROGRESS_TICK = 0.5  # seconds between progress updates while a search runs without events
DONE_STATUSES = ("finished", "failed")


class EventSource(Protocol):
    """What the bridge observes: a SearchHandle, or anything with the same three methods."""

    def subscribe(self, fn: Callable[[Any], None], *, replay: bool = True) -> Callable[[], None]: ...

    def progress(self) -> dict[str, Any]: ...

    @property
    def status(self) -> str: ...


class _Sender(Protocol):
    def send(self, content: dict, buffers: list | None = None) -> None: ...

    def hold_sync(self) -> Any: ...


class Bridge:
    """Forwards one event source (and anything else queued) to one widget, throttled.

    Thread-safe: every public method may be called from any thread and returns at once.

    Parameters
    ----------
    widget : ipywidgets.Widget
        Where messages go (``widget.send``) and whose traits are set.
    max_rate : float
        Flushes per second at most (each flush sends what accumulated since the last one).
    progress_tick : float
        Seconds between progress-trait updates while the source runs and nothing else happens.
    """

    def __init__(self, widget: _Sender, *, max_rate: float = MAX_UPDATES_PER_SECOND,
                 progress_tick: float = PROGRESS_TICK):
        self._widget = widget
        self._interval = 1.0 / max_rate
        self._tick = progress_tick
        self._lock = threading.Lock()
        self._wake = threading.Event()
        # queued by any thread, taken by the bridge thread
        self._events: list[Any] = []
        self._parts_pending: dict[str, Any] = {}
        self._replies: list[dict[str, Any]] = []
        self._traits_pending: dict[str, Any] = {}
        self._calls: list[Callable[[], None]] = []
        self._snapshot_requested = False
        self._reset = False
        # owned by the bridge thread
        self._rows: dict[int, dict[str, Any]] = {}
        self._parts: dict[str, Any] = {}
        self._seq = 0
        self._source: EventSource | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._generation = 0
        self._source_done_reported = True
        self._closed = False
        self._last_flush = -math.inf
        self.stats = {"flushes": 0, "messages": 0, "bytes": 0, "snapshots": 0}
        self._thread = threading.Thread(target=self._loop, name="jupyter_automl-bridge", daemon=True)
        self._thread.start()

    # -- what other threads call -------------------------------------------------------------

    def attach(self, source: EventSource) -> None:
        """Observe ``source`` (its past events first); the previous source is dropped.

        Every front-end gets a fresh snapshot, so the views of an earlier search are cleared.
        """
        with self._lock:
            self._generation += 1
            generation = self._generation
            old, self._unsubscribe = self._unsubscribe, None
            self._events.clear()
            self._source = source
            self._source_done_reported = False
            self._reset = True
        if old is not None:
            old()

        def on_event(event: Any) -> None:  # on the coordinator thread: enqueue only
            with self._lock:
                if generation != self._generation:
                    return
                self._events.append(event)
            self._wake.set()

        unsubscribe = source.subscribe(on_event, replay=True)
        with self._lock:
            if generation == self._generation:
                self._unsubscribe = unsubscribe
                unsubscribe = None
        if unsubscribe is not None:  # another attach came in meanwhile
            unsubscribe()
        self._wake.set()

    def set_part(self, name: str, value: Any) -> None:
        """Replace the panel ``name`` in every front-end (the latest value per flush wins)."""
        with self._lock:
            self._parts_pending[name] = jsonable(value)
        self._wake.set()

    def set_traits(self, **values: Any) -> None:
        """Set traits of the widget from the bridge thread (batched with ``hold_sync``)."""
        with self._lock:
            self._traits_pending.update(values)
        self._wake.set()

    def reply(self, request_id: str, result: Any = None) -> None:
        self._queue_reply({"kind": "reply", "id": request_id, "result": jsonable(result)})

    def reply_error(self, request_id: str, message: str, error_type: str = "Error") -> None:
        self._queue_reply({"kind": "error", "id": request_id, "message": message,
                           "error_type": error_type})

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the bridge thread after the next flush (for ordered side effects)."""
        with self._lock:
            self._calls.append(fn)
        self._wake.set()

    def request_snapshot(self) -> None:
        """Send every front-end the whole state (answer to ``hello`` and ``resync``)."""
        with self._lock:
            self._snapshot_requested = True
        self._wake.set()

    def flush(self, timeout: float = 5.0) -> bool:
        """Block until everything queued before this call was sent (for tests and scripts)."""
        done = threading.Event()
        self.call_soon(done.set)
        return done.wait(timeout)

    def close(self) -> None:
        """Stop observing and stop the thread; nothing more is sent."""
        with self._lock:
            self._closed = True
            self._generation += 1
            old, self._unsubscribe = self._unsubscribe, None
        if old is not None:
            old()
        self._wake.set()

    @property
    def seq(self) -> int:
        return self._seq

    # -- the bridge thread --------------------------------------------------------------------

    def _queue_reply(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._replies.append(message)
        self._wake.set()

    def _running(self) -> bool:
        source = self._source
        return source is not None and not self._source_done_reported

    def _loop(self) -> None:
        while True:
            self._wake.wait(self._tick if self._running() else None)
            if self._closed:
                return
            wait = self._last_flush + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # the throttle: whatever arrives meanwhile joins this flush
            self._wake.clear()
            try:
                self._flush()
            except Exception:  # the bridge must outlive a broken message or a closed comm
                _log.exception("widget bridge flush failed")
            # measured from the end of a flush, so that the messages of two flushes are always
            # at least one interval apart, however long a flush took
            self._last_flush = time.monotonic()

    def _flush(self) -> None:
        with self._lock:
            events, self._events = self._events, []
            parts, self._parts_pending = self._parts_pending, {}
            replies, self._replies = self._replies, []
            traits, self._traits_pending = self._traits_pending, {}
            calls, self._calls = self._calls, []
            snapshot, reset = self._snapshot_requested or self._reset, self._reset
            self._snapshot_requested = self._reset = False
            source = self._source
        self.stats["flushes"] += 1
        if reset:
            self._rows.clear()
            self._parts.pop("run", None)
        new_rows = []
        for event in events:
            row = row_of(event)
            if row is not None:
                self._rows[row["trial"]] = row
                new_rows.append(row)
                continue
            run = run_part(event, parts.get("run", self._parts.get("run")))
            if run is not None:
                parts["run"] = run
        self._parts.update(parts)
        if snapshot:
            self.stats["snapshots"] += 1
            self._send_stream({"kind": "snapshot", "version": PROTOCOL_VERSION,
                               "trials": list(self._rows.values()), "parts": dict(self._parts)})
        else:
            if new_rows:
                self._send_stream({"kind": "trials", "rows": new_rows})
            for name, value in parts.items():
                self._send_stream({"kind": "part", "name": name, "value": value})
        for message in replies:
            self._send(message)
        values = dict(traits)
        if source is not None and (events or self._running() or reset):
            values = self._progress(source) | values
        values["_seq"] = self._seq
        self._set_traits(values)
        for fn in calls:
            fn()

    def _progress(self, source: EventSource) -> dict[str, Any]:
        p = source.progress()
        status = p.get("status", "idle")
        if status in DONE_STATUSES:
            self._source_done_reported = True
        return jsonable({
            "status": status,
            "elapsed": p.get("elapsed") or 0.0,
            "remaining": p.get("remaining"),
            "time_budget": p.get("time_budget"),
            "max_trials": p.get("n_trials"),
            "n_finished": p.get("n_finished", 0),
            # the supernet's rows are counted apart: they were never trained to be pruned
            "n_pruned": p.get("n_pruned", 0) + p.get("n_stopped", 0) - p.get("n_inherited", 0),
            "n_inherited": p.get("n_inherited", 0),
            "n_failed": p.get("n_failed", 0),
            "n_running": p.get("n_running", 0),
            "best_score": p.get("best_score"),
            "best_trial": p.get("best_trial"),
            "metric": p.get("metric") or "",
        })

    def _send_stream(self, message: dict[str, Any]) -> None:
        self._seq += 1
        self._send({"seq": self._seq, **message})

    def _send(self, message: dict[str, Any]) -> None:
        self.stats["messages"] += 1
        self.stats["bytes"] += len(json.dumps(message, separators=(",", ":")))
        self._widget.send(message)

    def _set_traits(self, values: dict[str, Any]) -> None:
        widget = self._widget
        changed = {k: v for k, v in values.items() if getattr(widget, k) != v}
        if not changed:
            return
        with widget.hold_sync():
            for name, value in changed.items():
                setattr(widget, name, value)
