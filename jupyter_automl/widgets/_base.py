"""StreamWidget: an anywidget with a bridge, progress traits, and request handling.

Small durable state lives in traits (the status and counts of the search, user choices in
subclasses); trial rows and panels stream as custom messages through the ``Bridge``. Requests
from the front-end (``{kind: "request", id, action, args}``) call methods marked ``@action``;
slow ones run on the widget's worker thread so the kernel stays free, and the reply (or the
error, with its message) goes back through the bridge.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from .._logging import get_logger
from ..exceptions import AutoMLError
from ..problem import METRIC_LABELS
from ._bridge import Bridge

__all__ = ["StreamWidget", "action", "STATIC"]

_log = get_logger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "static"
MSG_NO_BUNDLE = ("The front-end bundle {path} is missing, so the widget cannot be shown. Build it "
                 "with `npm install && npm run build` in the source folder, or reinstall with "
                 "`pip install -e .` (which runs the build).")
MSG_UNKNOWN_ACTION = "Unknown request {action!r}. Known requests: {known}."
MSG_CANCELLED = "The request was cancelled."
_ACTION = "_jupyter_automl_action"


def action(*, name: str | None = None, inline: bool = False) -> Callable[[Callable], Callable]:
    """Mark a method as a front-end request handler: ``method(self, args, buffers) -> result``.

    The request's ``action`` is ``name`` (default: the method's name). ``inline`` handlers run
    at once on the thread that received the message (they must be quick, e.g. Stop); the
    others run one at a time on the widget's worker thread.
    """

    def mark(fn: Callable) -> Callable:
        setattr(fn, _ACTION, {"inline": inline, "name": name or fn.__name__})
        return fn

    return mark


def bundle(name: str) -> Path:
    """The path of a built front-end file, or an error that says how to build it."""
    path = STATIC / name
    if not path.exists():
        raise ImportError(MSG_NO_BUNDLE.format(path=path))
    return path


class StreamWidget(anywidget.AnyWidget):
    """Base of the live views and the wizard. Call ``close()`` to stop its threads."""

    status = t.Unicode("idle").tag(sync=True)
    elapsed = t.Float(0.0).tag(sync=True)
    remaining = t.Float(None, allow_none=True).tag(sync=True)
    time_budget = t.Float(None, allow_none=True).tag(sync=True)
    max_trials = t.Int(None, allow_none=True).tag(sync=True)
    n_finished = t.Int(0).tag(sync=True)
    n_pruned = t.Int(0).tag(sync=True)
    n_inherited = t.Int(0).tag(sync=True)  # a supernet's rows (scored with its weights, not trained)
    n_failed = t.Int(0).tag(sync=True)
    n_running = t.Int(0).tag(sync=True)
    best_score = t.Float(None, allow_none=True).tag(sync=True)
    best_trial = t.Int(None, allow_none=True).tag(sync=True)
    metric = t.Unicode("").tag(sync=True)
    # how people read metric names: one table, in jupyter_automl.problem; the front-end reads it here
    metric_labels = t.Dict(dict(METRIC_LABELS)).tag(sync=True)
    _seq = t.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._bridge = Bridge(self)
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="jupyter_automl-widget")
        self._cancelled: set[str] = set()
        self._n_jobs = 0
        self._cancel_lock = threading.Lock()
        self._actions = {
            getattr(fn, _ACTION)["name"]: getattr(self, attr)
            for cls in reversed(type(self).__mro__)
            for attr, fn in vars(cls).items()
            if callable(fn) and hasattr(fn, _ACTION)
        }
        self.on_msg(self._on_front_end_message)

    # -- messages from the front-end ---------------------------------------------------------

    def _on_front_end_message(self, _widget: Any, content: Any, buffers: list) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("kind")
        if kind in ("hello", "resync"):
            self._bridge.request_snapshot()
        elif kind == "request":
            self._dispatch(str(content.get("id", "")), str(content.get("action", "")),
                           content.get("args") or {}, buffers)
        elif kind == "cancel":
            with self._cancel_lock:
                self._cancelled.add(str(content.get("id", "")))

    def _dispatch(self, request_id: str, name: str, args: dict, buffers: list) -> None:
        method = self._actions.get(name)
        if method is None:
            self._bridge.reply_error(request_id, MSG_UNKNOWN_ACTION.format(
                action=name, known=sorted(self._actions)), "InputError")
            return
        if getattr(method, _ACTION)["inline"]:
            self._run(request_id, method, args, buffers)
        else:
            self._n_jobs += 1
            self._worker.submit(self._run, request_id, method, args, buffers)

    def _run(self, request_id: str, method: Callable, args: dict, buffers: list) -> None:
        if self._take_cancelled(request_id):
            self._bridge.reply_error(request_id, MSG_CANCELLED, "Cancelled")
            return
        try:
            result = method(args, buffers)
        except Exception as exc:  # every error reaches the person, in the view that asked
            if not isinstance(exc, (AutoMLError, ValueError, KeyError, TypeError, ImportError)):
                _log.exception("request %s failed", method.__name__)
            self._bridge.reply_error(request_id, _message(exc), type(exc).__name__)
            return
        if self._take_cancelled(request_id):
            return
        self._bridge.reply(request_id, result)

    def _take_cancelled(self, request_id: str) -> bool:
        with self._cancel_lock:
            if request_id in self._cancelled:
                self._cancelled.discard(request_id)
                return True
            return False

    def _submit(self, fn: Callable, *args: Any) -> None:
        """Run ``fn`` on the worker thread; an error is logged (the caller shows it in a panel)."""

        def run() -> None:
            try:
                fn(*args)
            except Exception:
                _log.exception("background job %s failed", getattr(fn, "__name__", fn))

        self._n_jobs += 1
        self._worker.submit(run)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until queued background work is done and sent (for tests and scripts).

        Jobs can queue more jobs (through trait changes sent by the bridge), so this waits
        until a round of waiting queued nothing new.
        """
        deadline = time.monotonic() + timeout
        while True:
            before = self._n_jobs
            done = threading.Event()
            self._worker.submit(done.set)
            left = deadline - time.monotonic()
            if not (done.wait(max(left, 0)) and self._bridge.flush(max(deadline - time.monotonic(), 0))):
                return False
            if self._n_jobs == before:
                return True

    def close(self) -> None:
        """Stop the bridge and the worker, then close the widget."""
        if hasattr(self, "_bridge"):  # close() also runs from __del__ of a half-made widget
            self._bridge.close()
            self._worker.shutdown(wait=False, cancel_futures=True)
        super().close()


def _message(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, KeyError) and text.startswith(("'", '"')):
        text = text[1:-1]
    return text or type(exc).__name__
