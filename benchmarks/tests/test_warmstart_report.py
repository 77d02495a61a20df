"""bench_warmstart's table: its arms, and records written before the history arm existed."""

from __future__ import annotations

import pytest
from _anchors import read_anchors
from bench_warmstart import arm_of, report


def _record(dataset: str, arm: str | None, primary: float, seed: int = 0) -> dict:
    r = {"dataset": dataset, "seed": seed, "budget": 5.0, "status": "ok", "primary": primary,
         "warm_start": arm not in (None, "cold")}
    return r | ({"arm": arm} if arm else {})


def test_old_records_keep_their_arm():
    assert arm_of({"warm_start": True}) == "warm" and arm_of({"warm_start": False}) == "cold"
    assert arm_of({"warm_start": True, "arm": "history"}) == "history"


def test_each_arm_gets_its_own_column(anchors_path):
    anchors = read_anchors(anchors_path)
    constant = anchors.score("wine", "constant")
    best = min(v for v in anchors.scores["wine"].values() if v is not None)
    half = (constant + best) / 2  # log loss: halfway between the constant and the best anchor
    records = [_record("wine", None, half), _record("wine", "warm", best),
               _record("wine", "history", best, seed=0), _record("wine", "history", half, seed=1)]
    text = report(records, anchors_path)
    assert "| budget s | without warm start | with warm start | warm, with an earlier study |" in text
    row = next(line for line in text.splitlines() if line.startswith("| 5 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert [float(c) for c in cells[1:4]] == pytest.approx([0.5, 1.0, 0.75], abs=1e-3)
    assert "- wine: 0.500 -> 1.000 -> 0.750" in text
