"""bench_rung_ladders' simulated search: its schedule, and a slow starter that early rungs drop."""

from __future__ import annotations

import json

import numpy as np
from bench_rung_ladders import Network, load_networks, report, simulate, thresholds, time_ratio

CHANCE, GOOD, FAIR = 1.10, 0.05, 0.30  # log loss: lower is better
SLOW_STARTER = Network([1.0] * 5, cv=GOOD, curve=[CHANCE] * 20 + [GOOD] * 80)  # near chance until 20
QUICK = Network([1.0] * 5, cv=FAIR, curve=[0.6] * 5 + [FAIR] * 95)


def test_without_rungs_folds_run_side_by_side_depth_first():
    # 5 folds of 1 s on 2 workers: folds 1-2, 3-4, then 5 beside the next network's first
    runs = simulate([QUICK, SLOW_STARTER], [0, 1], greater=False, ladder=[], budget=100)
    assert runs == [(3.0, FAIR), (5.0, GOOD)]


def test_early_rungs_drop_a_slow_starter_that_later_rungs_keep():
    nets, order = [QUICK, SLOW_STARTER], [0, 1]
    assert thresholds([QUICK.curve], [3, 30], 100, greater=False) == {3: 0.6, 30: FAIR}
    early = simulate(nets, order, False, [3, 9, 27, 81], budget=100)
    assert [s for _, s in early] == [FAIR]  # stopped at epoch 3, behind the quick one
    assert np.isinf(time_ratio(nets, order, False, [3, 9, 27, 81], budget=100))
    late = simulate(nets, order, False, [30, 90], budget=100)
    assert [s for _, s in late] == [FAIR, GOOD]
    # judged, its first fold runs alone before the others: later than side by side
    assert time_ratio(nets, order, False, [30, 90], budget=100) >= 1.0


def test_the_report_reads_collected_networks(tmp_path):
    record = {"dataset": "toy", "seed": 0, "greater_is_better": False, "networks": [
        {"network": i, "folds": [{"score": n.cv, "seconds": 1.0, "curve": n.curve, "error": None}] * 5}
        for i, n in enumerate([QUICK, SLOW_STARTER, QUICK])]}
    path = tmp_path / "toy.json"
    path.write_text(json.dumps(record))
    nets, greater = load_networks(path)
    assert len(nets) == 3 and greater is False
    text = report([path], [100.0], n_orders=6)
    assert "| toy (3) | 100 | 30-90 |" in text and "| toy (3) | 100 | 3-9-27-81 |" in text
