"""The plot of a fairness-aware search's Pareto front (the front itself is listed by the search:
``AutoML.pareto_front()``)."""

from __future__ import annotations

from typing import Any

from .. import _displays


def plot_pareto(automl: Any, *, ax: Any = None) -> Any:
    """Every finished trial as (disparity, score), the Pareto front joined, the chosen one ringed.

    Returns the matplotlib Axes.
    """
    front = automl.pareto_front()
    board = automl.leaderboard()
    return _displays.pareto(board, front, ax)
