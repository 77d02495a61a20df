"""The anchors parser and the table arithmetic: they must reproduce the anchors' own summary."""

from __future__ import annotations

import math

import pytest
from _anchors import read_anchors
from _table import Cell, _normalise_and_rank, build, summarise


def test_anchor_tables_are_read(anchors_path):
    a = read_anchors(anchors_path)
    assert a.systems[:3] == ["constant", "rf_default", "hgb_default"]
    assert len(a.datasets) >= 1 and set(a.scores) == set(a.datasets)
    for d, row in a.scores.items():
        assert set(row) == set(a.systems)
        assert row["constant"] is not None, d
    assert set(a.per_system) == set(a.systems)
    assert "mean norm. score" in a.per_system_columns


def test_failed_cell_is_none_and_listed(anchors_path):
    a = read_anchors(anchors_path)
    failed = [(d, s) for d, row in a.scores.items() for s, v in row.items() if v is None]
    # Each ERR cell of the table has its line under "Failures", and the other way round.
    assert len(failed) == len(a.failures)
    for d, s in failed:
        assert any(f.startswith(f"{s} / {d} ") for f in a.failures)


def test_anchor_summary_is_reproduced(anchors_path):
    """Our normalisation and ranking, applied to the anchors' scores, give their summary row."""
    a = read_anchors(anchors_path)
    table = build([], a, datasets=list(a.datasets))
    rows = {s.system: s for s in summarise(table, a)}
    assert set(rows) == set(a.systems)
    for system, ref in a.per_system.items():
        assert f"{rows[system].mean_rank:.2f}" == ref["mean rank"], system
        assert f"{rows[system].mean_norm:.3f}" == ref["mean norm. score"], system
        assert rows[system].datasets == int(ref["datasets"])
        assert rows[system].failed == int(ref["failed"])


def test_changed_header_fails_loudly(anchors_path, tmp_path):
    text = anchors_path.read_text().replace("| dataset | split | task | metric |",
                                            "| name | split | task | metric |", 1)
    changed = tmp_path / "anchors.md"
    changed.write_text(text)
    with pytest.raises(ValueError, match="changed shape"):
        read_anchors(changed)


def _row(**scores):
    return {s: Cell(v, "measured") for s, v in scores.items()}


def test_lower_is_better_normalisation_and_ranks():
    row = _row(constant=1.0, a=0.2, b=0.6, c=None)
    _normalise_and_rank(row, "log_loss")
    assert row["a"].norm == 1.0 and row["constant"].norm == 0.0
    assert row["b"].norm == pytest.approx(0.5)
    assert row["c"].norm == 0.0  # a failure counts 0 ...
    assert [row[s].rank for s in ("a", "b", "constant", "c")] == [1, 2, 3, 4]  # ... and ranks last


def test_worse_than_constant_is_clipped_and_ties_share_a_rank():
    row = _row(constant=0.5, a=0.9, b=0.9, c=0.01, d=None, e=None)
    _normalise_and_rank(row, "roc_auc")
    assert row["c"].norm == -1.0  # (0.01-0.5)/(0.9-0.5) = -1.2, clipped
    assert row["a"].rank == row["b"].rank == 1.5
    assert row["d"].rank == row["e"].rank == 5.5  # two failures share places 5 and 6
    assert not math.isnan(row["constant"].rank)


def test_measured_cells_replace_anchor_cells(anchors_path):
    a = read_anchors(anchors_path)
    d = next(iter(a.datasets))
    info = a.datasets[d]
    runs = [{"system": s, "dataset": d, "seed": 0, "budget": 60.0, "status": "ok", "primary": v,
             "task": info["task"], "metric": info["metric"], "split": info["split"],
             "fit_s": 1.0, "wall_s": 2.0, "peak_rss_mb": 100.0}
            for s, v in (("constant", a.scores[d]["constant"]), ("jupyter_automl", 0.75))]
    table = build(runs, a, order=["constant", "jupyter_automl"])
    assert table.cells[d]["constant"].source == "measured"
    assert table.cells[d]["rf_default"].source == "anchor"
    assert table.systems.index("jupyter_automl") == table.systems.index("hgb_default") + 1
    ours = next(s for s in summarise(table, a) if s.system == "jupyter_automl")
    assert ours.timings["max fit/budget"] == pytest.approx(1 / 60)
