"""The events that tell how a trial ended (finished, failed, pruned or stopped), and whether it
became the best so far."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..events import BestChanged, EventBus, TrialFailed, TrialFinished, TrialPruned
from ..problem import Metric
from ._trials import TrialRecord


def public(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as plain Python values (numpy scalars converted), for events."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}


def emit_outcome(bus: EventBus, rec: TrialRecord, metric: Metric, best: TrialRecord | None,
                 error_type: str = "") -> bool:
    """Emit the event of ``rec``'s ending; returns True when it beat ``best`` (the best so far),
    after emitting ``BestChanged``."""
    params = public(rec.params)
    if rec.state == "finished":
        bus.emit(TrialFinished, trial_number=rec.number, family=rec.family, params=params,
                 score=rec.score, score_std=rec.score_std or 0.0,
                 fit_time=round(rec.fit_time, 4), duration=round(rec.duration or 0.0, 4),
                 objectives=dict(rec.objectives))
        if best is None or metric.is_better(rec.score, best.score):
            bus.emit(BestChanged, trial_number=rec.number, family=rec.family, score=rec.score,
                     previous_score=None if best is None else best.score)
            return True
    elif rec.state == "failed":
        bus.emit(TrialFailed, trial_number=rec.number, family=rec.family, params=params,
                 reason=rec.reason, error_type=error_type or "Error")
    else:
        scores = rec.fold_scores
        bus.emit(TrialPruned, trial_number=rec.number, family=rec.family, params=params,
                 fold=len(scores), score=float(np.mean(scores)) if scores else rec.inherited_score,
                 reason=rec.reason, inherited_weights=rec.inherited_weights)
    return False
