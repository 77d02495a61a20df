"""Matplotlib drawings of insight results. Data in, an Axes out; matplotlib is imported lazily.

Each function draws on ``ax`` when given (the wizard passes an Agg axes) and otherwise on a new
pyplot figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

POSITIVE = "#ff0051"  # SHAP's red: pushes the output up
NEGATIVE = "#008bfb"  # SHAP's blue: pushes it down
NEUTRAL = "#8c8c8c"
MAX_LABEL = 28
MAX_CATEGORIES = 12  # categories shown on a dependence plot's axis; the rest are "other"


def new_axes(ax: Any, size: tuple[float, float] = (6.4, 4.2)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


def _short(text: Any) -> str:
    text = str(text)
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _value_text(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return "missing" if np.isnan(v) else f"{v:.4g}"
    return "missing" if v is None or (isinstance(v, float) and np.isnan(v)) else _short(v)


def _top(importance: pd.Series, max_display: int) -> tuple[list[str], list[str]]:
    nonzero = importance[importance > 0]
    shown = list(nonzero.index[:max_display])
    return shown, list(nonzero.index[max_display:])


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _colour_values(s: pd.Series) -> np.ndarray:
    """Colour positions in [0, 1] by rank for numbers (robust to outliers); NaN for the rest."""
    if not _is_numeric(s):
        return np.full(len(s), np.nan)
    ranks = s.rank(pct=True).to_numpy(dtype=float)
    return ranks


# -- SHAP ---------------------------------------------------------------------------------------


def bar(result: Any, ax: Any, max_display: int) -> Any:
    ax = new_axes(ax)
    importance = result.importance()
    shown, rest = _top(importance, max_display)
    labels = [_short(c) for c in shown]
    widths = [importance[c] for c in shown]
    if rest:
        labels.append(f"{len(rest)} other columns")
        widths.append(float(importance[rest].sum()))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, widths, color=NEGATIVE, height=0.7)
    for yi, w in zip(y, widths, strict=True):
        ax.text(w, yi, f" {w:.3g}", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(f"mean |SHAP value| ({result.output})")
    ax.set_title("Which columns matter most")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(widths + [1e-12]) * 1.18)
    return ax


def beeswarm(result: Any, ax: Any, max_display: int) -> Any:
    import matplotlib as mpl

    ax = new_axes(ax, (6.4, 0.45 * max_display + 1.4))
    shown, _ = _top(result.importance(), max_display)
    cmap = mpl.colormaps["coolwarm"]
    rng = np.random.default_rng(0)
    for i, column in enumerate(shown):
        y0 = len(shown) - 1 - i
        v = result.values[column].to_numpy(dtype=float)
        colours = _colour_values(result.data[column])
        jitter = _swarm_offsets(v, rng) * 0.38
        numeric = ~np.isnan(colours)
        ax.scatter(v[~numeric], y0 + jitter[~numeric], s=7, color=NEUTRAL, alpha=0.6, linewidths=0)
        ax.scatter(v[numeric], y0 + jitter[numeric], s=7, c=cmap(colours[numeric]), alpha=0.8,
                   linewidths=0)
    ax.axvline(0, color="#999999", lw=0.8, zorder=0)
    ax.set_yticks(np.arange(len(shown))[::-1], [_short(c) for c in shown])
    ax.set_xlabel(f"SHAP value ({result.output})")
    ax.set_title("Effect of each column on each row")
    ax.spines[["top", "right"]].set_visible(False)
    sm = mpl.cm.ScalarMappable(cmap=cmap, norm=mpl.colors.Normalize(0, 1))
    bar_ = ax.figure.colorbar(sm, ax=ax, ticks=[0, 1], aspect=40, pad=0.02)
    bar_.ax.set_yticklabels(["low", "high"])
    bar_.set_label("column value (grey: a category)", fontsize=8)
    return ax


def _swarm_offsets(v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Vertical offsets in [-1, 1] that grow with the local density of values (a cheap swarm)."""
    if len(v) < 2 or np.ptp(v) == 0:
        return rng.uniform(-0.3, 0.3, len(v))
    bins = np.clip(((v - v.min()) / np.ptp(v) * 60).astype(int), 0, 59)
    counts = np.bincount(bins, minlength=60)
    width = counts[bins] / counts.max()
    return rng.uniform(-1, 1, len(v)) * width


def dependence(result: Any, column: str, color: str | None, ax: Any) -> Any:
    ax = new_axes(ax)
    x = result.data[column]
    v = result.values[column].to_numpy(dtype=float)
    c = None if color is None else _colour_values(result.data[color])
    if _is_numeric(x):
        xs = x.to_numpy(dtype=float)
        ok = ~np.isnan(xs)
        style = {"color": NEGATIVE} if c is None else {"c": c[ok], "cmap": "coolwarm"}
        scatter = ax.scatter(xs[ok], v[ok], s=10, alpha=0.7, linewidths=0, **style)
        if (~ok).any():
            ax.scatter(np.full((~ok).sum(), np.nanmin(xs) if ok.any() else 0.0), v[~ok], s=10,
                       marker="x", color=NEUTRAL, label="missing")
            ax.legend(fontsize=8, frameon=False)
    else:
        labels = x.astype(object).where(x.notna(), "missing").astype(str)
        order = labels.value_counts().index[:MAX_CATEGORIES]
        labels = labels.where(labels.isin(order), "other")
        cats = list(order) + (["other"] if (labels == "other").any() else [])
        pos = labels.map({k: i for i, k in enumerate(cats)}).to_numpy(dtype=float)
        jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(pos))
        style = {"color": NEGATIVE} if c is None else {"c": c, "cmap": "coolwarm"}
        scatter = ax.scatter(pos + jitter, v, s=10, alpha=0.6, linewidths=0, **style)
        ax.set_xticks(range(len(cats)), [_short(k) for k in cats], rotation=40, ha="right",
                      fontsize=8)
    if c is not None:
        bar_ = ax.figure.colorbar(scatter, ax=ax, ticks=[0, 1], aspect=40, pad=0.02)
        bar_.ax.set_yticklabels(["low", "high"])
        bar_.set_label(_short(color), fontsize=8)
    ax.axhline(0, color="#999999", lw=0.8, zorder=0)
    ax.set_xlabel(_short(column))
    ax.set_ylabel(f"SHAP value of {_short(column)}")
    ax.set_title(f"How {_short(column)} moves the {result.output}", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def waterfall(result: Any, i: int, ax: Any, max_display: int) -> Any:
    ax = new_axes(ax, (6.4, 0.42 * max_display + 1.6))
    row = result.values.iloc[i]
    data = result.data.iloc[i]
    order = row.abs().sort_values(ascending=False).index
    shown = [c for c in order[:max_display] if row[c] != 0]
    rest = [c for c in order if c not in shown]
    items = [(f"{_short(c)} = {_value_text(data[c])}", float(row[c])) for c in shown]
    if rest and abs(float(row[rest].sum())) > 0:
        items.append((f"{len(rest)} other columns", float(row[rest].sum())))
    items = items[::-1]  # smallest at the bottom, the largest effect on top
    start = result.base_value + sum(v for _, v in items[:0])
    total = result.base_value
    lefts = []
    for _, v in items:
        lefts.append(total)
        total += v
    y = np.arange(len(items))
    for yi, (_label, v), left in zip(y, items, lefts, strict=True):
        ax.barh(yi, v, left=left, color=POSITIVE if v > 0 else NEGATIVE, height=0.7)
        ax.text(left + v, yi, f" {v:+.3g} " if v > 0 else f" {v:+.3g} ",
                va="center", ha="left" if v > 0 else "right", fontsize=8)
    ax.axvline(start, color="#999999", lw=0.8, ls="--")
    ax.axvline(total, color="#333333", lw=0.8)
    ax.set_yticks(y, [label for label, _ in items], fontsize=8)
    span = max(lefts + [total, start]) - min(lefts + [total, start]) or 1.0
    ax.set_xlim(min(lefts + [total, start]) - 0.15 * span, max(lefts + [total, start]) + 0.15 * span)
    ax.set_xlabel(f"{result.output}: base {result.base_value:.3g} → this row {total:.3g}")
    ax.set_title(f"Why row {_short(result.values.index[i])} gets its prediction", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


# -- fairness -------------------------------------------------------------------------------------

GROUP_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")
METRIC_LABELS = {"selection_rate": "selection rate", "true_positive_rate": "true positive rate",
                 "false_positive_rate": "false positive rate", "accuracy": "accuracy",
                 "balanced_accuracy": "balanced accuracy", "mae": "MAE", "rmse": "RMSE",
                 "mean_prediction": "mean prediction", "mean_target": "mean target"}


def _group_labels(index: pd.Index) -> list[str]:
    return [_short(" & ".join(map(str, g)) if isinstance(g, tuple) else g) for g in index]


def _metric_label(metric: str) -> str:
    base, _, cls = metric.partition("[")
    label = METRIC_LABELS.get(base, base)
    return f"{label} of {cls[:-1]}" if cls else label


def group_bars(result: Any, metric: str, ax: Any) -> Any:
    frame = result.by_group
    ax = new_axes(ax, (6.4, 0.38 * len(frame) + 1.6))
    values = frame[metric].to_numpy(dtype=float)
    y = np.arange(len(frame))[::-1]
    small = frame["small_group"].to_numpy(dtype=bool)
    ax.barh(y[~small], values[~small], color=GROUP_COLOURS[0], height=0.7)
    if small.any():
        ax.barh(y[small], values[small], color="none", edgecolor=GROUP_COLOURS[0], hatch="///",
                height=0.7, label=f"fewer than {result.min_group_size} rows: not trusted")
    for yi, v, n in zip(y, values, frame["count"], strict=True):
        ax.text(0 if np.isnan(v) else v, yi, f" {v:.3f}  (n={n:,})", va="center", fontsize=8)
    overall = float(result.overall.get(metric, np.nan))
    if not np.isnan(overall):
        ax.axvline(overall, color="#333333", ls="--", lw=1, label=f"overall {overall:.3f}")
    ax.set_yticks(y, _group_labels(frame.index), fontsize=8)
    ax.set_xlabel(_metric_label(metric))
    top = np.nanmax(np.append(values, overall)) if np.isfinite(values).any() else 1.0
    ax.set_xlim(0, top * 1.35 if top > 0 else 1.0)
    ax.set_title(f"{_metric_label(metric).capitalize()} by {' & '.join(result.sensitive_features)}",
                 fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def grouped_bars(result: Any, metrics: list[str], ax: Any) -> Any:
    frame = result.by_group
    ax = new_axes(ax, (6.4, 0.5 * len(frame) * max(1, len(metrics) / 3) + 1.6))
    n = len(metrics)
    height = 0.8 / n
    y = np.arange(len(frame))[::-1]
    for i, metric in enumerate(metrics):
        ax.barh(y + (n - 1 - 2 * i) * height / 2, frame[metric].to_numpy(dtype=float), height=height,
                color=GROUP_COLOURS[i % len(GROUP_COLOURS)], label=_metric_label(metric))
    ax.set_yticks(y, _group_labels(frame.index), fontsize=8)
    ax.set_xlim(0, 1.0 if all(frame[m].max() <= 1 for m in metrics) else None)
    ax.set_xlabel("rate" if all(frame[m].max() <= 1 for m in metrics) else "value")
    ax.set_title(f"Metrics by {' & '.join(result.sensitive_features)}", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def disparity_bars(result: Any, ax: Any) -> Any:
    items = [(k, float(v)) for k, v in result.disparities.items()
             if k.endswith("_difference") and isinstance(v, (float, int, np.floating)) and np.isfinite(v)]
    ax = new_axes(ax, (6.4, 0.45 * max(len(items), 1) + 1.6))
    labels = [k.replace("_difference", "").replace("_", " ") for k, _ in items]
    values = [v for _, v in items]
    y = np.arange(len(items))[::-1]
    ax.barh(y, values, color=[POSITIVE if v > 0.1 else GROUP_COLOURS[0] for v in values], height=0.6)
    for yi, v in zip(y, values, strict=True):
        ax.text(v, yi, f" {v:.3f}", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_xlabel("difference between groups (0 = parity)")
    ax.set_xlim(0, max(values + [0.1]) * 1.3)
    worst = result.disparities.get("worst_group")
    title = "Disparities between groups"
    if worst is not None:
        title += f" (worst: {_short(worst)})"
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


# -- mitigation -----------------------------------------------------------------------------------

BEFORE = "#9aa5b1"
AFTER = "#2a9d8f"


def before_after_groups(before: Any, after: Any, metrics: list[str], ax: Any) -> Any:
    frame_b, frame_a = before.by_group, after.by_group
    n = len(frame_b)
    ax = new_axes(ax, (6.4, 0.45 * n * len(metrics) + 1.6))
    rows, labels = [], []
    for metric in metrics:
        for group in frame_b.index:
            rows.append((float(frame_b.loc[group, metric]), float(frame_a.loc[group, metric])))
            label = _group_labels(pd.Index([group]))[0]
            labels.append(f"{label} ({_metric_label(metric)})" if len(metrics) > 1 else label)
    y = np.arange(len(rows))[::-1]
    b = np.array([r[0] for r in rows])
    a = np.array([r[1] for r in rows])
    ax.barh(y + 0.2, b, height=0.38, color=BEFORE, label="before")
    ax.barh(y - 0.2, a, height=0.38, color=AFTER, label="after")
    for yi, v in zip(y, a, strict=True):
        ax.text(0 if np.isnan(v) else v, yi - 0.2, f" {v:.3f}", va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, max(1e-9, np.nanmax(np.concatenate([a, b]))) * 1.25)
    ax.set_xlabel(" / ".join(_metric_label(m) for m in metrics))
    ax.set_title(f"By {' & '.join(before.sensitive_features)}: before and after mitigation",
                 fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def before_after_overall(comparison: pd.DataFrame, ax: Any) -> Any:
    frame = comparison.dropna(subset=["before", "after"])
    ax = new_axes(ax, (6.4, 0.5 * len(frame) + 1.6))
    y = np.arange(len(frame))[::-1]
    ax.barh(y + 0.2, frame["before"], height=0.38, color=BEFORE, label="before")
    ax.barh(y - 0.2, frame["after"], height=0.38, color=AFTER, label="after")
    for yi, (bv, av) in zip(y, frame[["before", "after"]].to_numpy(), strict=True):
        ax.text(av, yi - 0.2, f" {av:.3f} ({av - bv:+.3f})", va="center", fontsize=7)
    ax.set_yticks(y, [_metric_label(k).replace("_", " ") for k in frame.index], fontsize=8)
    ax.set_xlim(0, 1.15)
    ax.set_title("Overall metrics and disparities, before and after", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


# -- fairness-aware search -------------------------------------------------------------------------


def pareto(board: pd.DataFrame, front: pd.DataFrame, ax: Any) -> Any:
    ax = new_axes(ax)
    objective = [c for c in front.columns if c not in ("trial", "family", "score", "mitigation",
                                                       "chosen", "fit_time", "params")][0]
    metric = front.attrs.get("metric", "score")
    done = board[(board["status"] == "finished")] if "status" in board else board
    if objective in done:
        ax.scatter(done[objective], done["score"], s=18, color=NEUTRAL, alpha=0.6,
                   label="trials", linewidths=0)
    line = front.sort_values(objective)
    ax.plot(line[objective], line["score"], "-o", color=GROUP_COLOURS[0], ms=5, lw=1.2,
            label="Pareto front")
    for _, row in line.iterrows():
        ax.annotate(f"#{row['trial']}", (row[objective], row["score"]), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    limit = front.attrs.get("max_disparity")
    if limit is not None:
        ax.axvline(limit, color="#999999", ls="--", lw=0.8, label=f"max disparity {limit:g}")
    chosen = front[front["chosen"]]
    if not chosen.empty:
        ax.scatter(chosen[objective], chosen["score"], s=140, facecolors="none",
                   edgecolors=POSITIVE, linewidths=1.8, label="chosen model", zorder=3)
    ax.set_xlabel(f"{objective.replace('_', ' ')} (lower is fairer)")
    ax.set_ylabel(f"{metric} (out of fold)")
    ax.set_title("Trade-off between the metric and fairness", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.spines[["top", "right"]].set_visible(False)
    return ax
