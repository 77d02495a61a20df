"""Latency of models: an ensemble's predict time, keeping the final model under a limit, and the
fastest trial within a tolerance of the best score.

Each finished trial records how long its model takes to predict 1,000 rows (``predict_ms``,
measured on its validation folds). An ensemble predicts with every member, so its time is the
sum of its members'.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import InputError
from ._trials import TrialRecord

MSG_TOLERANCE = ("The 'tolerance' of select_faster must be a number from 0 to 1 (a share of the best "
                 "score). Got {got!r} instead.")
MSG_NO_TIMES = "No finished trial recorded its predict time, so there is no faster model to choose."
MSG_NONE_CLOSE = ("No single trial scores within {tolerance:.0%} of the model's score ({best:.4g}): "
                  "the model (an ensemble, better than each of its members) stays the choice. "
                  "Allow a larger tolerance, e.g. select_faster(0.05).")


def ensemble_predict_ms(members: list[TrialRecord]) -> float | None:
    """Milliseconds an ensemble of these trials takes to predict 1,000 rows (None if unknown)."""
    times = [m.predict_ms for m in members]
    return None if any(t is None for t in times) else float(sum(times))


def within_latency(ranked: list[TrialRecord], max_predict_ms: float, notes: list[str]) -> list[TrialRecord]:
    """The ranked trials fast enough for ``max_predict_ms``; the fastest one if none is."""
    fast = [r for r in ranked if r.predict_ms is not None and r.predict_ms <= max_predict_ms]
    slow = len(ranked) - len(fast)
    if fast:
        if slow:
            notes.append(f"{slow} trial(s) left out of the final choice: they predict 1,000 rows in "
                         f"more than max_predict_ms={max_predict_ms:g} ms")
        return fast
    timed = [r for r in ranked if r.predict_ms is not None] or ranked
    fastest = min(timed, key=lambda r: (r.predict_ms or 0.0, ranked.index(r)))
    notes.append(f"no trial predicts 1,000 rows within max_predict_ms={max_predict_ms:g} ms; the "
                 f"model is the fastest, trial {fastest.number} ({fastest.predict_ms or 0:.1f} ms)")
    return [fastest]


def trim_to_latency(members: list[TrialRecord], weights: list[float], max_predict_ms: float,
                    notes: list[str]) -> tuple[list[TrialRecord], list[float]]:
    """Drop the lightest members of an ensemble until it predicts within the limit."""
    members, weights = list(members), list(weights)
    while len(members) > 1 and (ensemble_predict_ms(members) or 0.0) > max_predict_ms:
        i = int(np.argmin(weights))
        notes.append(f"trial {members[i].number} left out of the ensemble: with it, the ensemble "
                     f"would predict 1,000 rows in more than {max_predict_ms:g} ms")
        del members[i], weights[i]
    total = sum(weights)
    return members, [w / total for w in weights]


def faster_trial(records: list[TrialRecord], best_score: float, greater_is_better: bool,
                 tolerance: float) -> TrialRecord:
    """The finished trial that predicts fastest among those scoring within ``tolerance`` (a share
    of the best score's size) of ``best_score``; ties go to the better score."""
    finished = {r.number: r for r in records if r.state == "finished" and r.score is not None
                and r.predict_ms is not None}
    number = pick_faster([r.number for r in finished.values()], [r.score for r in finished.values()],
                         [r.predict_ms for r in finished.values()], best_score, greater_is_better,
                         tolerance)
    return finished[number]


def faster_in_leaderboard(board: Any, best_score: float, greater_is_better: bool,
                          tolerance: float) -> int:
    """``faster_trial`` over a leaderboard frame: the trial number."""
    done = board[(board["status"] == "finished") & board["predict_ms"].notna() & board["score"].notna()]
    return pick_faster(done["trial"].tolist(), done["score"].tolist(), done["predict_ms"].tolist(),
                       best_score, greater_is_better, tolerance)


def pick_faster(numbers: list[int], scores: list[float], predict_ms: list[float], best_score: float,
                greater_is_better: bool, tolerance: float) -> int:
    """The rule behind ``select_faster``: among the trials within ``tolerance`` of the best score,
    the fastest to predict (ties: the better score, then the earlier trial)."""
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance <= 1:
        raise InputError(MSG_TOLERANCE.format(got=tolerance))
    if not numbers:
        raise InputError(MSG_NO_TIMES)
    margin = tolerance * abs(best_score)
    sign = 1.0 if greater_is_better else -1.0
    close = [(ms, -sign * s, n) for n, s, ms in zip(numbers, scores, predict_ms, strict=True)
             if sign * (s - best_score) >= -margin - 1e-12]
    if not close:  # the best score is an ensemble's, above every single trial's
        raise InputError(MSG_NONE_CLOSE.format(tolerance=tolerance, best=best_score))
    return int(min(close)[2])
