"""Read the reference table ../shared/bench/anchors-60s-public.md at run time.

The numbers are never copied into the repo: the anchors file is the source of truth and may be
re-measured. Parsing is strict about the two tables' headers so that a changed file fails loudly
instead of shifting columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PRIMARY_HEADING = "### Primary metric per dataset"
PER_SYSTEM_HEADING = "### Per system"
FAILURES_HEADING = "### Failures"
DATASET_COLUMNS = ("dataset", "split", "task", "metric")

MSG_NO_TABLE = "No table under the heading {heading!r} in {path}; the anchors file changed shape."
MSG_BAD_CELL = "Cannot read {value!r} (dataset {dataset!r}, system {system!r}) in {path}."


@dataclass
class Anchors:
    """The anchor table: per-dataset primary metric and per-system summary rows."""

    path: Path
    systems: list[str]  # every system column of the primary table, in order
    datasets: dict[str, dict[str, str]]  # name -> {"split", "task", "metric"}
    scores: dict[str, dict[str, float | None]]  # dataset -> system -> score (None: failed)
    per_system: dict[str, dict[str, str]]  # system -> column -> cell text
    per_system_columns: list[str]
    failures: list[str] = field(default_factory=list)
    title: str = ""

    def score(self, dataset: str, system: str) -> float | None:
        return self.scores.get(dataset, {}).get(system)


def _table_after(lines: list[str], heading: str, path: Path) -> list[list[str]]:
    """The rows (header first, separator dropped) of the first table after ``heading``."""
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().startswith(heading))
    except StopIteration:
        raise ValueError(MSG_NO_TABLE.format(heading=heading, path=path)) from None
    rows: list[list[str]] = []
    for line in lines[start + 1:]:
        text = line.strip()
        if text.startswith("|"):
            cells = [c.strip() for c in text.strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                rows.append(cells)
        elif rows:
            break
        elif text.startswith("#"):
            break
    if len(rows) < 2 or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError(MSG_NO_TABLE.format(heading=heading, path=path))
    return rows


def _number(cell: str) -> float | None:
    """A score cell: ``0.9310``, ``**0.9310**`` (best) or ``ERR`` (failed, None)."""
    text = cell.strip().strip("*").strip()
    if text.upper().startswith("ERR") or text in ("", "-", "—"):
        return None
    return float(text)


def read_anchors(path: Path) -> Anchors:
    """Parse the anchors markdown file at ``path``."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    title = next((line.lstrip("# ").strip() for line in lines if line.startswith("# ")), "")

    primary = _table_after(lines, PRIMARY_HEADING, path)
    header = primary[0]
    if tuple(header[:4]) != DATASET_COLUMNS:
        raise ValueError(MSG_NO_TABLE.format(heading=PRIMARY_HEADING, path=path))
    systems = header[4:]
    datasets: dict[str, dict[str, str]] = {}
    scores: dict[str, dict[str, float | None]] = {}
    for row in primary[1:]:
        name = row[0]
        datasets[name] = dict(zip(DATASET_COLUMNS[1:], row[1:4], strict=True))
        scores[name] = {}
        for system, cell in zip(systems, row[4:], strict=True):
            try:
                scores[name][system] = _number(cell)
            except ValueError:
                raise ValueError(MSG_BAD_CELL.format(value=cell, dataset=name, system=system,
                                                     path=path)) from None

    summary = _table_after(lines, PER_SYSTEM_HEADING, path)
    columns = summary[0]
    per_system = {row[0]: dict(zip(columns, row, strict=True)) for row in summary[1:]}

    failures: list[str] = []
    if any(line.startswith(FAILURES_HEADING) for line in lines):
        start = next(i for i, line in enumerate(lines) if line.startswith(FAILURES_HEADING))
        for line in lines[start + 1:]:
            if line.startswith("#"):
                break
            if line.strip().startswith("- "):
                failures.append(line.strip()[2:])
    return Anchors(path, systems, datasets, scores, per_system, columns, failures, title)
