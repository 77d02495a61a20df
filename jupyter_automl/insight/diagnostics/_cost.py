"""Score against predict time over a search's finished trials: what a faster model would cost.

Each trial records how long its model takes to predict 1,000 rows; an ensemble takes the sum of
its members'. The plot marks the chosen model and the trials that no faster trial beats (the
score/time front), where a faster model can be picked with ``AutoML.select_faster``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass
class CostFront:
    """Finished trials' ``score`` and ``predict_ms``; ``front`` marks those no faster trial
    beats; ``chosen_ms``/``chosen_score`` place the model (an ensemble sums its members)."""

    trials: pd.DataFrame  # trial, family, score, predict_ms, front
    metric: str
    greater_is_better: bool
    chosen_ms: float | None
    chosen_score: float

    def plot(self, ax: Axes | None = None) -> Axes:
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(4.4, 3.7))
        t = self.trials
        ax.scatter(t["predict_ms"], t["score"], s=14, alpha=0.45, color="#4c72b0", label="trials")
        front = t[t["front"]].sort_values("predict_ms")
        ax.plot(front["predict_ms"], front["score"], marker="o", ms=4, lw=1.2, color="#dd8452",
                label="fastest for its score")
        if self.chosen_ms is not None:
            ax.scatter([self.chosen_ms], [self.chosen_score], s=90, facecolors="none",
                       edgecolors="#222222", linewidths=1.6, label="the model")
        ax.set_xscale("log")
        ax.set_xlabel("ms to predict 1,000 rows (log scale)")
        better = "higher" if self.greater_is_better else "lower"
        ax.set_ylabel(f"{self.metric} ({better} is better)")
        ax.set_title("Score against predict time")
        ax.legend(loc="best", fontsize=8)
        return ax


def cost_front(board: pd.DataFrame, metric: str, greater_is_better: bool,
               members: list[int], score: float) -> CostFront | None:
    """The CostFront of a leaderboard; None when no finished trial recorded its predict time."""
    done = board[(board["status"] == "finished") & board["predict_ms"].notna() & board["score"].notna()]
    if done.empty:
        return None
    t = done[["trial", "family", "score", "predict_ms"]].reset_index(drop=True)
    sign = 1.0 if greater_is_better else -1.0
    order = t.sort_values(["predict_ms", "score"], ascending=[True, not greater_is_better])
    best, front = -np.inf, np.zeros(len(t), dtype=bool)
    for i, row in order.iterrows():
        if sign * row["score"] > best:  # better than every faster trial
            best, front[i] = sign * row["score"], True
    t["front"] = front
    chosen = done.set_index("trial").reindex(members)["predict_ms"]
    chosen_ms = None if chosen.isna().any() else float(chosen.sum())
    return CostFront(t, metric, greater_is_better, chosen_ms, float(score))


def cost_front_of(automl: Any) -> CostFront | None:
    """The CostFront of a fitted AutoML's search."""
    return cost_front(automl.leaderboard(), automl.problem_.metric.name,
                      automl.problem_.metric.greater_is_better, list(automl.search_.members),
                      automl.search_.score)
