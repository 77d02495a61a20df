"""What the Run step shows beside the chart: teaching lessons and which settings matter so far.

Both come from the engine: lessons from ``jupyter_automl.teach.Teacher`` observing the search's
events, the importance from ``AutoML.parameter_importance()`` on the live leaderboard. The
importance is recomputed on the worker thread, at most every ``IMPORTANCE_EVERY`` seconds while
trials finish, and once more when the search is over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .._logging import get_logger
from ..teach import Teacher

_log = get_logger(__name__)

IMPORTANCE_EVERY = 5.0  # seconds between two live recomputations (fANOVA takes ~0.1-0.5 s)


class RunCompanion:
    """Lessons (teaching mode) and live parameter importance of one search, as bridge parts."""

    def __init__(self, bridge: Any, submit: Callable, automl: Any, handle: Any, *, teaching: bool,
                 sampler: str):
        self.bridge, self.submit, self.automl, self.handle = bridge, submit, automl, handle
        self.teacher = Teacher(sampler=sampler, on_lesson=self._publish_lessons) if teaching else None
        self._last = 0.0
        bridge.set_part("lessons", None)
        bridge.set_part("importance", None)
        if self.teacher is not None:
            handle.subscribe(self.teacher.observe, replay=True)
        handle.subscribe(self._on_event, replay=True)

    def _publish_lessons(self, _lesson: Any = None) -> None:  # coordinator thread: only enqueues
        self.bridge.set_part("lessons", {"lessons": [x.to_dict() for x in self.teacher.lessons]})

    def _on_event(self, event: Any) -> None:  # coordinator thread: be quick
        if event.kind == "trial_finished" and time.monotonic() - self._last > IMPORTANCE_EVERY:
            self._last = time.monotonic()
            self.submit(self.publish_importance)

    def publish_importance(self) -> None:
        try:
            found = self.automl.parameter_importance()
        except Exception as exc:  # a live board may be too small or still empty: say so, go on
            _log.debug("parameter importance not available: %s", exc)
            return
        self.bridge.set_part("importance", found.to_dict())

    def finished(self) -> None:
        """After the results: the ensemble lesson and the final importance (worker thread)."""
        if self.teacher is not None:
            self.teacher.explain_result(self.automl)
            self._publish_lessons()
        self.publish_importance()
