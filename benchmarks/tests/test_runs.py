"""The protocol (split, metrics) and whole runs in real subprocesses, on the shared datasets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _anchors import read_anchors
from _protocol import load_split, proba_in_label_order, score
from _systems import run_constant
from bench_automl import main


def test_split_is_the_protocols(datasets_dir):
    split = load_split("wine", 0, datasets_dir)
    assert (len(split.y_train), len(split.y_test)) == (133, 45)
    assert not set(split.X_train.index) & set(split.X_test.index)
    assert split.labels == sorted(split.labels) and split.metric == "log_loss"
    # Stratified: each class's share of the test part is within one row of its share overall.
    for label in split.labels:
        share = (split.y_train == label).mean() * 178
        assert abs((split.y_test == label).sum() - share / 4) <= 1


def test_constant_matches_the_anchor_cell(datasets_dir, anchors_path):
    anchors = read_anchors(anchors_path)
    for name in ("wine", "german_credit", "diabetes_sklearn"):
        split = load_split(name, 0, datasets_dir)
        out = run_constant(split, 60, 0)
        got = score(split, out.proba, out.pred, out.classes)["primary"]
        assert got == pytest.approx(anchors.score(name, "constant"), abs=5e-5), name


def test_probabilities_are_reordered_by_label():
    proba = np.array([[0.1, 0.2, 0.7]])
    out = proba_in_label_order(proba, np.array([2, 0, 1]), [0, 1, 2, 3])
    assert out.tolist() == [[0.2, 0.7, 0.1, 0.0]]


def test_roc_auc_uses_the_manifest_positive_class(datasets_dir):
    split = load_split("german_credit", 0, datasets_dir)
    positive = split.meta["positive_class"]
    truth = (split.y_test == positive).to_numpy().astype(float)
    classes = np.array(split.labels, dtype=object)
    j = split.labels.index(positive)
    proba = np.zeros((len(truth), 2))
    proba[:, j], proba[:, 1 - j] = truth, 1 - truth  # perfect scores for the positive class
    pred = np.where(truth == 1, positive, classes[1 - j])
    assert score(split, proba, pred, classes) == {"primary": 1.0, "secondary": 1.0}


def test_baseline_runs_write_records_and_tables(datasets_dir, anchors_path, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--budget", "5", "--systems", "constant", "--datasets", "wine", "glass",
                 "--out", str(out), "--datasets-dir", str(datasets_dir)]) == 0
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [(r["dataset"], r["status"]) for r in records] == [("wine", "ok"), ("glass", "ok")]
    for r in records:
        assert r["wall_s"] > r["fit_s"] >= 0 and r["peak_rss_mb"] > 50
        assert (out / r["log"]).exists()
    text = (out / "results.md").read_text()
    assert text == capsys.readouterr().out
    assert "| wine | public | multiclass | log_loss | 1.0852 |" in text
    assert "constant: equal to the anchors on 2/2 dataset(s) at seed 0" in text
    # --resume runs nothing new; --report-only reprints from the file.
    assert main(["--budget", "5", "--systems", "constant", "--datasets", "wine", "--out", str(out),
                 "--datasets-dir", str(datasets_dir), "--resume"]) == 0
    assert len((out / "results.jsonl").read_text().splitlines()) == 2
    assert main(["--report-only", "--out", str(out)]) == 0
    assert "| glass |" in capsys.readouterr().out


def test_a_failed_run_is_a_row_not_a_crash(datasets_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--systems", "constant", "--datasets", "no_such_dataset", "--out", str(out),
                 "--datasets-dir", str(datasets_dir)]) == 0
    record = json.loads((out / "results.jsonl").read_text())
    assert record["status"] == "failed" and "unknown dataset" in record["error"]
    assert "- constant / no_such_dataset (seed 0): KeyError" in capsys.readouterr().out


@pytest.mark.slow
def test_jupyter_automl_run_records_its_figures(datasets_dir, anchors_path, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["--budget", "4", "--systems", "constant", "hgb_default", "jupyter_automl",
                 "--datasets", "wine", "--out", str(out), "--datasets-dir", str(datasets_dir)]) == 0
    ours = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()][-1]
    assert ours["system"] == "jupyter_automl" and ours["status"] == "ok", ours.get("error")
    assert ours["n_finished"] >= 1 and ours["model"]
    assert 0 < ours["first_trial_s"] < ours["fit_s"]
    text = capsys.readouterr().out
    assert "max time from fit_async to the first finished trial" in text
    assert "| jupyter_automl | 1 | 1 | 0 |" in text


def test_the_noise_screen_alone_reports_what_it_keeps_and_drops(datasets_dir, capsys):
    from bench_feature_noise import main as noise_main

    assert noise_main(["--screen-only", "--datasets", "pima_diabetes", "--seeds", "0", "--noise", "50",
                       "--datasets-dir", str(datasets_dir)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    kept = int(line.split("noise columns kept ")[1].split(" /")[0])
    # pima's 8 real columns among 50 noise ones: a mostly-noise table, screened
    assert line.startswith("pima_diabetes seed 0:") and "/ 50" in line and kept < 10
