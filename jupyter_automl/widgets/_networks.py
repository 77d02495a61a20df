"""What the wizard shows of the "nas" family's networks: their learning curves, live on the Run
step, and their architectures on the Results step (the chosen model's networks, and the networks
among trials compared in the leaderboard).

Both come from the public API: ``SearchHandle.learning_curves()`` and the leaderboard for the
curves, ``jupyter_automl.search.trial_architecture`` and ``jupyter_automl.nn.architecture_svg``
for the diagrams. The curves are recomputed on the widget's worker thread when a network's first
fold is scored or a network's trial ends; events that arrive while a recomputation is waiting
join it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pandas as pd

from .._logging import get_logger
from ..nn import architecture_summary, architecture_svg
from ..search import NAS_FAMILY, rungs_below, trial_architecture
from ._protocol import jsonable

__all__ = ["CurvePublisher", "architecture_view", "curves_part", "networks_of"]

_log = get_logger(__name__)
SIGNIFICANT = 5  # digits kept of each epoch's score: the chart cannot show more
TERMINAL = ("trial_finished", "trial_pruned", "trial_failed")


def _short(x: float) -> float:
    return float(f"{x:.{SIGNIFICANT}g}")


def curves_part(curves: pd.DataFrame, board: pd.DataFrame) -> dict[str, Any]:
    """The Run step's learning-curve panel: one curve per network (``curves`` as
    ``SearchHandle.learning_curves()`` gives them), the best finished one named (the leaderboard's
    best among them), and the epochs where weak networks may be stopped (the rungs)."""
    scores = board.set_index("trial")["score"] if len(board) else pd.Series(dtype=float)
    trials = []
    for number, rows in curves.groupby("trial", sort=True):
        number = int(number)
        row = board[board["trial"] == number]
        trials.append({
            "trial": number, "status": str(rows["status"].iloc[0]),
            "scores": [_short(s) for s in rows.sort_values("epoch")["score"]],
            "score": scores.get(number) if number in scores.index else None,
            "reason": str(row["reason"].iloc[0]) if len(row) else "",
        })
    shown = {t["trial"] for t in trials}
    finished = board[(board["status"] == "finished") & board["trial"].isin(shown)] if len(board) else board
    best = int(finished["trial"].iloc[0]) if len(finished) else None  # the board is ranked, best first
    full = [len(t["scores"]) for t in trials if t["status"] == "finished"]
    max_epochs = max(full or [len(t["scores"]) for t in trials] or [0])
    return jsonable({"trials": trials, "best": best, "max_epochs": max_epochs,
                     "rungs": rungs_below(max_epochs) if max_epochs else []})


class CurvePublisher:
    """Keeps the ``curves`` panel of one search up to date (as a bridge part)."""

    def __init__(self, bridge: Any, submit: Callable, handle: Any):
        self.bridge, self.submit, self.handle = bridge, submit, handle
        self._lock = threading.Lock()
        self._waiting = False
        self._stopped = False
        bridge.set_part("curves", {"trials": [], "best": None, "max_epochs": 0, "rungs": []})
        self._unsubscribe = handle.subscribe(self._on_event, replay=True)

    def stop(self) -> None:
        """Publish nothing more (another search's curves take the panel)."""
        self._stopped = True
        self._unsubscribe()

    @staticmethod
    def _changes_curves(event: Any) -> bool:
        kind = event.kind
        if kind == "fold_scored":
            return event.fold == 0 and bool(event.epoch_scores)
        if kind in TERMINAL:
            return getattr(event, "family", None) == NAS_FAMILY
        return kind == "search_finished"

    def _on_event(self, event: Any) -> None:  # coordinator thread: only enqueues
        if not self._changes_curves(event):
            return
        with self._lock:
            if self._waiting:
                return  # the recomputation already queued will see this event's trial too
            self._waiting = True
        self.submit(self.publish)

    def publish(self) -> None:
        with self._lock:
            self._waiting = False
        if self._stopped:
            return
        try:
            part = curves_part(self.handle.learning_curves(), self.handle.leaderboard())
        except Exception:  # the curves must never stop the Run step
            _log.exception("learning curves failed")
            return
        self.bridge.set_part("curves", part)


def architecture_view(params: dict[str, Any], *, n_outputs: int | None) -> dict[str, str]:
    """A network's diagram (SVG, drawn in the notebook's theme colours) and its one-line summary."""
    arch = trial_architecture(params)
    # the family's networks see one-hot encoded columns: numbers only, no embeddings
    return {"svg": architecture_svg(arch, cat_cardinalities=(), n_outputs=n_outputs),
            "summary": architecture_summary(arch)}


def n_outputs_of(problem: Any) -> int | None:
    if problem is None:
        return None
    return len(problem.classes) if problem.is_classification and problem.classes is not None else 1


def networks_of(board: pd.DataFrame, trials: list[int], problem: Any,
                weights: dict[int, float] | None = None) -> list[dict[str, Any]]:
    """The diagrams of the networks among ``trials`` (leaderboard rows of the "nas" family)."""
    out = []
    for number in trials:
        row = board[board["trial"] == number]
        if not len(row) or row["family"].iloc[0] != NAS_FAMILY:
            continue
        try:
            view = architecture_view(dict(row["params"].iloc[0]), n_outputs=n_outputs_of(problem))
        except Exception:  # a configuration the diagram cannot read: the rest still shows
            _log.exception("the architecture of trial %s could not be drawn", number)
            continue
        out.append({"trial": int(number), "weight": (weights or {}).get(number), **view})
    return out
