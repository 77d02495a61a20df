"""Matplotlib figures of the report, rendered without pyplot and embedded as base64 PNG.

Figures are created with ``matplotlib.figure.Figure`` directly, so the report never touches
pyplot's global state (a notebook's open figures, the backend) and is safe from a thread.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..search.space import FAMILIES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..insight import FamilyImportance

DPI = 100
# zlib level 1: the PNGs are ~10% larger, and writing them ~30% faster (most of a report's time)
PNG_OPTIONS = {"compress_level": 1}
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")
BEST = "#222222"
MUTED = "#9a9a9a"


def family_colour(family: str) -> str:
    order = list(FAMILIES)  # one colour per family, in the order the search lists them
    return PALETTE[order.index(family)] if family in order else PALETTE[-1]


def new_figure(width: float = 6.4, height: float = 3.6, ncols: int = 1) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=True)
    return fig, axes


def to_data_uri(fig: Figure, dpi: int = DPI) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (the figure is then closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs=PNG_OPTIONS)
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_png(draw: Any, size: tuple[float, float] = (4.4, 3.7), dpi: int = 96) -> str:
    """Draw on a fresh figure with ``draw(ax)`` and return it as a PNG data URL (no pyplot:
    safe from any thread)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi)
    ax = fig.add_subplot()
    draw(ax)
    fig.tight_layout()
    return to_data_uri(fig, dpi)


def _clean(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.8)
    ax.set_axisbelow(True)


def search_history(board: pd.DataFrame, metric: str, greater_is_better: bool, ax: Axes) -> Axes:
    """Each trial's score in the order trials started, and the best score so far."""
    board = board.sort_values("trial")
    finished = board[(board["status"] == "finished") & board["score"].notna()]
    for family, rows in finished.groupby("family", sort=False):
        ax.scatter(rows["trial"], rows["score"], s=22, color=family_colour(str(family)),
                   label=str(family), zorder=3, edgecolor="white", linewidth=0.4)
    partial = board[(board["status"] != "finished") & board["score"].notna()]
    if len(partial):
        ax.scatter(partial["trial"], partial["score"], s=22, facecolor="none", edgecolor=MUTED,
                   label="pruned or stopped (partial score)", zorder=2)
    if len(finished):
        scores = finished["score"].to_numpy(dtype=float)
        best = np.maximum.accumulate(scores) if greater_is_better else np.minimum.accumulate(scores)
        ax.step(finished["trial"], best, where="post", color=BEST, linewidth=1.4,
                label="best so far", zorder=4)
        low, high = np.nanpercentile(scores, [5 if greater_is_better else 0,
                                              100 if greater_is_better else 95])
        pad = (high - low) * 0.15 or abs(high) * 0.05 or 1.0
        ax.set_ylim(low - pad, high + pad)
    failed = board[(board["status"] == "failed")]
    if len(failed):
        bottom = ax.get_ylim()[0]
        ax.scatter(failed["trial"], np.full(len(failed), bottom), marker="x", color="#c44e52",
                   s=18, label="failed", zorder=3, clip_on=False)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial (in the order they started)")
    ax.set_ylabel(metric)
    ax.set_title(f"Search history ({'higher' if greater_is_better else 'lower'} is better)")
    ax.legend(fontsize=7, frameon=False, loc="best")
    _clean(ax)
    return ax


def family_scores(board: pd.DataFrame, metric: str, greater_is_better: bool, ax: Axes) -> Axes:
    """Every finished trial's score, one row per model family, best family on top."""
    finished = board[(board["status"] == "finished") & board["score"].notna()]
    best = finished.groupby("family")["score"].agg("max" if greater_is_better else "min")
    order = list(best.sort_values(ascending=not greater_is_better).index)
    rng = np.random.default_rng(0)
    for i, family in enumerate(order):
        scores = finished.loc[finished["family"] == family, "score"].to_numpy(dtype=float)
        y = np.full(len(scores), len(order) - 1 - i) + rng.uniform(-0.15, 0.15, len(scores))
        ax.scatter(scores, y, s=20, color=family_colour(family), alpha=0.8, edgecolor="white",
                   linewidth=0.4)
        ax.scatter([best[family]], [len(order) - 1 - i], marker="|", s=300, color=BEST)
    ax.set_yticks(range(len(order)), list(reversed(order)))
    ax.set_xlabel(metric)
    ax.set_title("Scores by model family (| best)")
    if len(finished):
        scores = finished["score"].to_numpy(dtype=float)
        low, high = np.nanpercentile(scores, [5 if greater_is_better else 0,
                                              100 if greater_is_better else 95])
        pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
        ax.set_xlim(low - pad, high + pad)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def importance_bars(result: FamilyImportance, ax: Axes) -> Axes:
    items = list(result.importances.items())[:10][::-1]
    names = [k for k, _ in items]
    values = [v for _, v in items]
    ax.barh(range(len(items)), values, color=family_colour(result.family), height=0.65)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.0%}", va="center", fontsize=8)
    ax.set_yticks(range(len(items)), names)
    ax.set_xlim(0, max(values + [0.01]) * 1.2)
    ax.set_xlabel("share of the score's variation explained (fANOVA)")
    ax.set_title(f"{result.family}: which settings mattered ({result.n_trials} trials)")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def target_distribution(y: Any, task: str, target: str, ax: Axes) -> Axes:
    values = pd.Series(np.asarray(y))
    if task == "regression":
        ax.hist(values.astype(float).dropna(), bins=30, color=PALETTE[0], edgecolor="white")
        ax.set_xlabel(target)
        ax.set_ylabel("rows")
    else:
        counts = values.astype(str).value_counts().head(20)[::-1]
        ax.barh(range(len(counts)), counts.to_numpy(), color=PALETTE[0], height=0.65)
        total = float(len(values))
        for i, c in enumerate(counts.to_numpy()):
            ax.text(c, i, f" {c} ({c / total:.0%})", va="center", fontsize=8)
        ax.set_yticks(range(len(counts)), list(counts.index))
        ax.set_xlim(0, counts.max() * 1.3)
        ax.set_xlabel("rows")
    ax.set_title(f"Target {target!r}")
    ax.spines[["top", "right"]].set_visible(False)
    return ax
