"""From run records and the anchors to the comparison table: medians, normalised scores, ranks.

Definitions follow anchors-60s-public.md:

- normalised score per dataset: (score - constant) / (best - constant), where best is the best
  system in the table (ours included) and the metric's direction is handled by the formula
  itself; 1 = best system, 0 = constant predictor; a failed run counts 0; clipped below at -1.
- rank per dataset: 1 = best; failed runs rank last (ties share the average rank).
- fit/budget: the system's own fit seconds over the time budget; wall: the whole process.

A cell measured in this run replaces the anchors' cell of the same system (the baselines are
re-measured on the same machine in the same run because the machine is noisy); the other
systems' cells come from the anchors file.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from _anchors import Anchors
from _protocol import GREATER_IS_BETTER

NORM_FLOOR = -1.0
BASELINES = ("constant", "rf_default", "hgb_default")  # always the first columns


@dataclass
class Cell:
    """One system on one dataset: the median score over its ok seeds (None: every seed failed)."""

    score: float | None
    source: str  # "measured" or "anchor"
    n_ok: int = 1
    n_failed: int = 0
    norm: float = 0.0
    rank: float = math.nan

    @property
    def failed(self) -> bool:
        return self.score is None


@dataclass
class Table:
    """Every cell of the comparison, in display order, plus the records behind measured cells."""

    datasets: list[str]
    info: dict[str, dict[str, str]]  # dataset -> split, task, metric
    systems: list[str]
    cells: dict[str, dict[str, Cell]]  # dataset -> system -> cell (absent: system did not run it)
    runs: list[dict[str, Any]]
    measured: list[str]
    seeds: list[int]
    budgets: list[float]
    anchor_failures: list[str] = field(default_factory=list)

    def runs_of(self, system: str, dataset: str | None = None, ok: bool | None = None) -> list[dict]:
        return [r for r in self.runs if r["system"] == system
                and (dataset is None or r["dataset"] == dataset)
                and (ok is None or (r["status"] == "ok") == ok)]


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else None


def build(runs: list[dict[str, Any]], anchors: Anchors | None, order: list[str] | None = None,
          datasets: list[str] | None = None) -> Table:
    """The table for ``runs`` (records of bench_automl) next to ``anchors``' systems.

    Only datasets with at least one run appear (or ``datasets``, when given); anchor systems are
    compared on those datasets. With no runs and ``datasets`` given, this is the anchors' own table.
    """
    measured = list(dict.fromkeys(r["system"] for r in runs))
    if order:
        measured.sort(key=lambda s: order.index(s) if s in order else len(order))
    datasets = list(datasets or dict.fromkeys(r["dataset"] for r in runs))
    if anchors is not None:
        known = list(anchors.datasets)
        datasets.sort(key=lambda d: known.index(d) if d in known else len(known))
    anchor_systems = [s for s in (anchors.systems if anchors else []) if s not in measured]
    # Display order: the anchors' columns with ours inserted after the baselines they replace.
    baselines = [s for s in BASELINES if s in measured or s in anchor_systems]
    systems = (baselines + [s for s in measured if s not in baselines]
               + [s for s in anchor_systems if s not in baselines])

    info: dict[str, dict[str, str]] = {}
    cells: dict[str, dict[str, Cell]] = {}
    for d in datasets:
        first = next((r for r in runs if r["dataset"] == d and r.get("task")), None)
        if first is not None:
            info[d] = {"split": first.get("split", "public"), "task": first["task"],
                       "metric": first["metric"]}
        elif anchors is not None and d in anchors.datasets:
            info[d] = dict(anchors.datasets[d])
        else:  # every run failed before loading the data
            info[d] = {"split": "?", "task": "?", "metric": "?"}
            counts = Counter(r["system"] for r in runs if r["dataset"] == d)
            cells[d] = {s: Cell(None, "measured", n_ok=0, n_failed=n) for s, n in counts.items()}
            continue
        if anchors is not None and d in anchors.datasets and anchors.datasets[d]["metric"] != info[d]["metric"]:
            raise ValueError(f"dataset {d}: this run scored {info[d]['metric']} but the anchors "
                             f"use {anchors.datasets[d]['metric']}")
        row: dict[str, Cell] = {}
        for s in measured:
            rs = [r for r in runs if r["system"] == s and r["dataset"] == d]
            if not rs:
                continue
            ok = [r["primary"] for r in rs if r["status"] == "ok"]
            row[s] = Cell(median(ok), "measured", n_ok=len(ok), n_failed=len(rs) - len(ok))
        if anchors is not None and d in anchors.scores:
            for s in anchor_systems:
                if s in anchors.scores[d]:
                    v = anchors.scores[d][s]
                    row[s] = Cell(v, "anchor", n_ok=int(v is not None), n_failed=int(v is None))
        cells[d] = row
        _normalise_and_rank(row, info[d]["metric"])
    return Table(datasets, info, systems, cells, runs, measured,
                 sorted({r["seed"] for r in runs}), sorted({float(r["budget"]) for r in runs}),
                 anchors.failures if anchors else [])


def _normalise_and_rank(row: dict[str, Cell], metric: str) -> None:
    greater = GREATER_IS_BETTER[metric]
    ok = {s: c.score for s, c in row.items() if not c.failed}
    const = row.get("constant")
    if ok and const is not None and not const.failed:
        best = max(ok.values()) if greater else min(ok.values())
        gap = best - const.score
        for c in row.values():
            if c.failed or gap == 0:
                c.norm = 0.0
            else:
                c.norm = max(NORM_FLOOR, (c.score - const.score) / gap)
    # Ranks: ok systems by score (ties averaged), then the failed ones sharing the last places.
    ordered = sorted(ok, key=lambda s: -ok[s] if greater else ok[s])
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ok[ordered[j + 1]] == ok[ordered[i]]:
            j += 1
        for k in range(i, j + 1):
            row[ordered[k]].rank = (i + j) / 2 + 1
        i = j + 1
    failed = [s for s, c in row.items() if c.failed]
    for s in failed:
        row[s].rank = len(ordered) + (len(failed) + 1) / 2


@dataclass
class SystemSummary:
    system: str
    source: str
    datasets: int
    ok: int
    failed: int
    mean_rank: float | None
    mean_norm: float | None
    norm_public: float | None
    timings: dict[str, float | None]  # keys: TIMING_COLUMNS (measured) or anchor cell text


TIMING_COLUMNS = ("median fit/budget", "max fit/budget", "max fit s over budget", "median wall s",
                  "max wall s", "median peak RSS MB", "max peak RSS MB")


def summarise(table: Table, anchors: Anchors | None) -> list[SystemSummary]:
    """One row per system over the datasets it ran (timings of anchor systems: the anchors' own)."""
    out = []
    for s in table.systems:
        row_cells = [(d, table.cells[d][s]) for d in table.datasets if s in table.cells[d]]
        if not row_cells:
            continue
        source = row_cells[0][1].source
        public = [c.norm for d, c in row_cells if table.info[d].get("split", "public") == "public"]
        if source == "measured":
            ok_runs = table.runs_of(s, ok=True)
            n_ok, n_failed = len(ok_runs), len(table.runs_of(s, ok=False))
            timings = _timings(ok_runs)
        else:
            n_ok = sum(c.n_ok for _, c in row_cells)
            n_failed = sum(c.n_failed for _, c in row_cells)
            anchor_row = anchors.per_system.get(s, {}) if anchors else {}
            timings = {k: anchor_row.get(k) for k in TIMING_COLUMNS}
        out.append(SystemSummary(
            s, source, len(row_cells), n_ok, n_failed,
            statistics.fmean(c.rank for _, c in row_cells),
            statistics.fmean(c.norm for _, c in row_cells),
            statistics.fmean(public) if public else None, timings))
    return out


def _timings(runs: list[dict[str, Any]]) -> dict[str, float | None]:
    ratio = [r["fit_s"] / r["budget"] for r in runs if r.get("fit_s") is not None]
    over = [r["fit_s"] - r["budget"] for r in runs if r.get("fit_s") is not None]
    wall = [r["wall_s"] for r in runs if r.get("wall_s") is not None]
    rss = [r["peak_rss_mb"] for r in runs if r.get("peak_rss_mb") is not None]
    return {
        "median fit/budget": median(ratio), "max fit/budget": max(ratio, default=None),
        "max fit s over budget": max(over, default=None),
        "median wall s": median(wall), "max wall s": max(wall, default=None),
        "median peak RSS MB": median(rss), "max peak RSS MB": max(rss, default=None),
    }


def by_dataset(table: Table, system: str) -> dict[str, dict[str, Any]]:
    """Medians over seeds of one measured system's figures, per dataset."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for d in table.datasets:
        rs = table.runs_of(system, d)
        if not rs:
            continue
        ok = [r for r in rs if r["status"] == "ok"]
        row = out[d]
        row["runs"], row["ok"] = len(rs), len(ok)
        row["errors"] = [r.get("error", "") for r in rs if r["status"] != "ok"]
        for key in ("primary", "secondary", "fit_s", "predict_s", "wall_s", "peak_rss_mb",
                    "first_trial_s", "fit_async_return_s", "n_finished", "n_pruned", "n_failed"):
            row[key] = median([r.get(key) for r in ok])
        row["fit_ratio"] = median([r["fit_s"] / r["budget"] for r in ok])
        row["max_fit_ratio"] = max((r["fit_s"] / r["budget"] for r in ok), default=None)
        row["max_first_trial_s"] = max((r["first_trial_s"] for r in ok
                                        if r.get("first_trial_s") is not None), default=None)
        row["max_peak_rss_mb"] = max((r["peak_rss_mb"] for r in rs
                                      if r.get("peak_rss_mb") is not None), default=None)
        row["models"] = [r.get("model") for r in ok if r.get("model")]
    return dict(out)
