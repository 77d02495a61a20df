"""The wire protocol between the widgets and their front-end; mirrored by ``js/lib/protocol.js``.

Python -> JS messages are ``{kind, seq, ...}``; ``seq`` counts every stream message of one widget
from 1, so the front-end notices a gap and asks for a resync:

* ``snapshot``: the whole state (every trial row so far and every panel), sent in reply to
  ``hello`` or ``resync``; a front-end replaces what it has.
* ``trials``: the rows of trials that ended since the last message (an increment; a row is sent
  once, never again).
* ``part``: one panel's state replaced (``name`` and ``value``), e.g. ``run``, ``data``,
  ``target``, ``results``.

Replies to requests (``reply``, ``error``) carry the request ``id`` and no ``seq``.

JS -> Python: ``hello`` (a front-end model started; answer with a snapshot), ``resync`` (a gap
was seen), ``request`` (``id``, ``action``, ``args``) and ``cancel`` (``id``).
"""

from __future__ import annotations

import math
from typing import Any, TypedDict

import numpy as np

from ..events import Event

__all__ = [
    "PROTOCOL_VERSION",
    "TO_JS",
    "TO_PY",
    "MAX_UPDATES_PER_SECOND",
    "TrialRow",
    "Snapshot",
    "TrialsIncrement",
    "PartMessage",
    "Reply",
    "ErrorReply",
    "row_of",
    "run_part",
    "jsonable",
]

PROTOCOL_VERSION = 1
TO_JS = ("snapshot", "trials", "part", "reply", "error")
TO_PY = ("hello", "resync", "request", "cancel")
MAX_UPDATES_PER_SECOND = 10.0
TERMINAL_KINDS = ("trial_finished", "trial_pruned", "trial_failed")


class TrialRow(TypedDict):
    """One trial that ended; what the chart, the leaderboard and the failure list show."""

    trial: int
    family: str
    status: str  # finished, pruned, stopped, failed
    score: float | None  # mean over the folds scored (None when no fold was scored)
    std: float | None
    t: float  # seconds since the search started, when the trial ended
    duration: float | None
    params: dict[str, Any]
    reason: str  # why pruned, stopped or failed ("" when finished)
    objectives: dict[str, float]  # extra objectives of a finished trial (fairness: the disparity)


class Snapshot(TypedDict):
    kind: str  # "snapshot"
    seq: int
    version: int
    trials: list[TrialRow]
    parts: dict[str, Any]


class TrialsIncrement(TypedDict):
    kind: str  # "trials"
    seq: int
    rows: list[TrialRow]


class PartMessage(TypedDict):
    kind: str  # "part"
    seq: int
    name: str
    value: Any


class Reply(TypedDict):
    kind: str  # "reply"
    id: str
    result: Any


class ErrorReply(TypedDict):
    kind: str  # "error"
    id: str
    message: str
    error_type: str


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers and NaN/inf as None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    return str(value)


def row_of(event: Event) -> TrialRow | None:
    """The trial row of an event that ends a trial; None for every other event."""
    kind = event.kind
    if kind not in TERMINAL_KINDS:
        return None
    fields = event.to_dict()
    family = fields["family"]
    # "gradient_boosting.learning_rate" -> "learning_rate": the family is shown next to it
    params = {k.removeprefix(family + "."): v for k, v in fields["params"].items() if k != "family"}
    objectives: dict[str, float] = {}
    if kind == "trial_finished":
        status, score, std, reason = "finished", fields["score"], fields["score_std"], ""
        duration, objectives = fields["duration"], fields.get("objectives") or {}
    elif kind == "trial_pruned":
        reason = fields["reason"]
        status = "stopped" if reason.startswith("stopped") else "pruned"
        score, std, duration = fields["score"], None, None
    else:
        status, score, std, duration = "failed", None, None, None
        reason = f"{fields['error_type']}: {fields['reason']}" if fields["error_type"] else fields["reason"]
    # a supernet's candidate (nas="supernet") was scored with shared weights, never trained
    inherited = {"inherited": True} if fields.get("inherited_weights") else {}
    return jsonable({
        "trial": fields["trial_number"], "family": family, "status": status,
        "score": score, "std": std, "t": fields["t"], "duration": duration,
        "params": params, "reason": reason, "objectives": objectives, **inherited,
    })


def run_part(event: Event, previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``run`` panel after a search-level event (None when ``event`` does not change it)."""
    fields = event.to_dict()
    kind = fields.pop("kind")
    fields.pop("seq")
    if kind == "search_started":
        return jsonable({"phase": "searching", **fields})
    run = dict(previous or {})
    if kind == "search_paused":
        run["phase"] = "paused"
    elif kind == "search_resumed":
        run["phase"] = "searching"
    elif kind == "refit_started":
        run |= {"phase": "refitting", "refit": fields["description"]}
    elif kind == "search_finished":
        run |= {"phase": "finished", "finished": fields}
    elif kind == "search_errored":
        run |= {"phase": "failed", "error": fields["message"], "error_type": fields["error_type"]}
    else:
        return None
    return jsonable(run)
