"""Engine events: small immutable records of what the search did, and the bus that delivers them.

Events are named in the past tense and carry only JSON-able fields. The coordinator thread emits
them; subscribers are called synchronously, in order, on that thread, so they must be fast (the
widget bridge only enqueues). A subscriber that raises is logged and skipped, never fatal.

The bus keeps the history, so a late subscriber can ask for a replay and sees every event once,
in order, with no gap (``subscribe(fn, replay=True)``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from ._logging import get_logger

__all__ = [
    "Event",
    "SearchStarted",
    "TrialStarted",
    "FoldScored",
    "TrialFinished",
    "TrialPruned",
    "TrialFailed",
    "BestChanged",
    "SearchPaused",
    "SearchResumed",
    "RefitStarted",
    "FeaturesSelected",
    "SearchFinished",
    "SearchErrored",
    "EVENT_KINDS",
    "EventBus",
]

_log = get_logger(__name__)


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event: ``seq`` is monotonic from 1, ``t`` is seconds since the search began."""

    kind: ClassVar[str] = "event"
    seq: int
    t: float

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-able dict with its ``kind``."""
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True, kw_only=True)
class SearchStarted(Event):
    kind: ClassVar[str] = "search_started"
    study_name: str
    task: str
    metric: str
    direction: str  # "maximize" or "minimize"
    time_budget: float | None
    n_trials: int | None
    n_folds: int
    families: list[str]
    n_resumed_trials: int = 0
    # the configurations tried first and why (see search._warm_plan.WarmPlan); None: cold start
    warm_start: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class TrialStarted(Event):
    kind: ClassVar[str] = "trial_started"
    trial_number: int
    family: str
    params: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class FoldScored(Event):
    kind: ClassVar[str] = "fold_scored"
    trial_number: int
    fold: int
    score: float
    fit_time: float
    epoch_scores: list[float] = field(default_factory=list)  # a network's score after each epoch


@dataclass(frozen=True, kw_only=True)
class TrialFinished(Event):
    kind: ClassVar[str] = "trial_finished"
    trial_number: int
    family: str
    params: dict[str, Any]
    score: float
    score_std: float
    fit_time: float
    duration: float
    objectives: dict[str, float] = field(default_factory=dict)  # extra objectives (SearchPlugin)


@dataclass(frozen=True, kw_only=True)
class TrialPruned(Event):
    kind: ClassVar[str] = "trial_pruned"
    trial_number: int
    family: str
    params: dict[str, Any]
    fold: int
    score: float | None
    reason: str
    inherited_weights: bool = False  # a supernet's candidate: scored with its weights, not trained


@dataclass(frozen=True, kw_only=True)
class TrialFailed(Event):
    kind: ClassVar[str] = "trial_failed"
    trial_number: int
    family: str
    params: dict[str, Any]
    reason: str
    error_type: str


@dataclass(frozen=True, kw_only=True)
class BestChanged(Event):
    kind: ClassVar[str] = "best_changed"
    trial_number: int
    family: str
    score: float
    previous_score: float | None


@dataclass(frozen=True, kw_only=True)
class SearchPaused(Event):
    kind: ClassVar[str] = "search_paused"


@dataclass(frozen=True, kw_only=True)
class SearchResumed(Event):
    kind: ClassVar[str] = "search_resumed"


@dataclass(frozen=True, kw_only=True)
class RefitStarted(Event):
    kind: ClassVar[str] = "refit_started"
    description: str
    trial_numbers: list[int]


@dataclass(frozen=True, kw_only=True)
class FeaturesSelected(Event):
    """A phased feature search (``feature_search="sequential"`` or ``"pseudo_joint"``) changed
    or fixed the columns the next trials read."""

    kind: ClassVar[str] = "features_selected"
    phase: str  # "elimination" (sequential's RFE step, pseudo-joint's step), "chosen", "reverted"
    step: int
    n_columns: int  # columns the next trials read
    dropped: list[str]  # columns this step removed ([] when it kept or restored the set)
    columns: list[str]
    score: float | None  # the step's evidence: the score the decision rests on
    message: str


@dataclass(frozen=True, kw_only=True)
class SearchFinished(Event):
    kind: ClassVar[str] = "search_finished"
    reason: str  # "time_budget", "n_trials", "stopped", "space_exhausted"
    n_finished: int
    n_pruned: int
    n_failed: int
    best_trial: int | None
    best_score: float | None
    model: str  # one line describing the chosen model
    duration: float


@dataclass(frozen=True, kw_only=True)
class SearchErrored(Event):
    kind: ClassVar[str] = "search_errored"
    message: str
    error_type: str


EVENT_KINDS: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        SearchStarted,
        TrialStarted,
        FoldScored,
        TrialFinished,
        TrialPruned,
        TrialFailed,
        BestChanged,
        SearchPaused,
        SearchResumed,
        RefitStarted,
        FeaturesSelected,
        SearchFinished,
        SearchErrored,
    )
}
"""Every event kind, listed once; the widget protocol and the JS code read this vocabulary."""

Subscriber = Callable[[Event], None]


@dataclass
class EventBus:
    """Numbers, records and delivers events. Thread-safe; delivery is synchronous and ordered."""

    _subscribers: list[Subscriber] = field(default_factory=list)
    _history: list[Event] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _t0: float = field(default_factory=time.monotonic)

    def emit(self, cls: type[Event], **fields: Any) -> Event:
        """Create the next event of type ``cls`` and deliver it to every subscriber."""
        with self._lock:
            event = cls(seq=len(self._history) + 1, t=round(time.monotonic() - self._t0, 4), **fields)
            self._history.append(event)
            subscribers = list(self._subscribers)
            for fn in subscribers:
                self._deliver(fn, event)
        return event

    def subscribe(self, fn: Subscriber, *, replay: bool = False) -> Callable[[], None]:
        """Call ``fn(event)`` for every future event (and, with ``replay``, every past one first).

        Returns a function that unsubscribes.
        """
        with self._lock:
            if replay:
                for event in self._history:
                    self._deliver(fn, event)
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def events(self, since: int = 0) -> list[Event]:
        """Every event with ``seq > since``, in order."""
        with self._lock:
            return self._history[since:]

    @staticmethod
    def _deliver(fn: Subscriber, event: Event) -> None:
        try:
            fn(event)
        except Exception:  # a broken subscriber must not stop the search
            _log.exception("event subscriber %r raised on %s", fn, event.kind)
