"""The command line, run as a real process: outputs, progress bar and exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_automl import AutoML
from jupyter_automl import cli as cli_module
from jupyter_automl.datasets import load_demo

pytestmark = pytest.mark.integration

TIMEOUT = 400
FAST = ["--families", "linear", "--trials", "3", "--budget", "120", "--n-jobs", "1"]


def cli(*args: str, cwd: Path, module: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    command = [sys.executable, "-m", "jupyter_automl"] if module else \
        [str(Path(sys.executable).with_name("jupyter-automl"))]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, env=env)


@pytest.fixture(scope="module")
def credit(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    X, y, info = load_demo("german_credit")
    X.assign(**{info["target"]: y}).to_csv(folder / "credit.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def finished_run(credit) -> tuple[subprocess.CompletedProcess, Path]:
    proc = cli("run", "credit.csv", "--target", "class", "--out", "results", "--test-size", "0.25",
               "--sensitive", "personal_status", "--intended-use", "A workshop exercise.", *FAST,
               cwd=credit, module=False)
    return proc, credit / "results"


def test_run_writes_model_report_leaderboard_and_code(finished_run, credit):
    proc, out = finished_run
    assert proc.returncode == 0, proc.stderr
    written = {p.name for p in out.iterdir() if p.is_file()}
    assert {"leaderboard.csv", "model.skops", "report.html", "summary.json", "train_model.py",
            "automl_estimators.py"} == written  # the linear pipeline uses our AsLabels
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task"] == "binary" and summary["n_train_rows"] == 750
    assert summary["n_holdout_rows"] == 250 and 0.5 < summary["holdout_score"] <= 1
    board = pd.read_csv(out / "leaderboard.csv")
    assert len(board) == summary["n_trials"] == 3
    assert set(board["family"]) == {"linear"}
    assert all(isinstance(json.loads(p), dict) for p in board["params"])
    report = (out / "report.html").read_text()
    for anchor in ("summary", "data", "setup", "search", "model", "diagnostics", "explanations",
                   "fairness", "model-card"):
        assert f"id='{anchor}'" in report
    assert "A workshop exercise." in report and "personal_status" in report
    assert "could not be computed" not in report
    # the saved model is the one that was evaluated
    automl = AutoML.load(out / "model.skops")
    data = pd.read_csv(credit / "credit.csv")
    assert automl.problem_.n_rows == 750
    assert automl.leaderboard()["trial"].tolist() == board["trial"].tolist()
    assert data.columns.tolist()[:3] == automl.feature_names_in_.tolist()[:3]


def test_progress_bar_and_messages_on_stderr(finished_run):
    proc, out = finished_run
    err = proc.stderr
    assert "[" in err and "] 100%" in err and "best roc_auc" in err
    assert "best so far: trial" in err and "refitting" in err
    assert f"wrote {Path('results') / 'report.html'}" in err
    assert proc.stdout == ""


def test_predict_matches_the_saved_model(finished_run, credit):
    _, out = finished_run
    proc = cli("predict", str(out / "model.skops"), "credit.csv", "--out", "pred.csv", cwd=credit)
    assert proc.returncode == 0, proc.stderr
    pred = pd.read_csv(credit / "pred.csv")
    automl = AutoML.load(out / "model.skops")
    data = pd.read_csv(credit / "credit.csv")
    np.testing.assert_array_equal(pred["prediction"].to_numpy(dtype=object),
                                  automl.predict(data).astype(object))
    np.testing.assert_allclose(pred[["proba_bad", "proba_good"]].to_numpy(), automl.predict_proba(data))


def test_untrusted_model_file_needs_trust(finished_run, credit):
    _, out = finished_run
    AutoML.load(out / "model.skops").save(credit / "model.joblib")
    proc = cli("predict", "model.joblib", "credit.csv", "--out", "p.csv", cwd=credit)
    assert proc.returncode == cli_module.EXIT_UNTRUSTED
    assert "--trust" in proc.stderr and "Traceback" not in proc.stderr
    assert cli("predict", "model.joblib", "credit.csv", "--out", "p.csv", "--trust",
               cwd=credit).returncode == 0


@pytest.mark.parametrize(("make", "args", "code", "message"), [
    (None, ["missing.csv", "--target", "class"], cli_module.EXIT_NO_FILE, "No file at missing.csv"),
    ("credit", ["data.csv", "--target", "klass"], cli_module.EXIT_NO_TARGET, "Did you mean 'class'?"),
    ("one_class", ["data.csv", "--target", "class"], cli_module.EXIT_BAD_TARGET, "single value"),
    ("rare_class", ["data.csv", "--target", "class"], cli_module.EXIT_BAD_TARGET,
     "fewer than 2 rows"),
    ("garbage", ["data.parquet", "--target", "class"], cli_module.EXIT_UNREADABLE, "as a Parquet table"),
    ("tiny", ["data.csv", "--target", "class", "--test-size", "0"], cli_module.EXIT_BAD_DATA,
     "at least 10"),
    ("credit", ["data.csv", "--target", "class", "--budget", "0"], cli_module.EXIT_USAGE,
     "--budget must be a positive"),
])
def test_bad_input_gets_a_message_and_its_exit_code(tmp_path, make, args, code, message):
    X, y, info = load_demo("german_credit")
    frame = X.assign(**{info["target"]: y})
    if make == "credit":
        frame.to_csv(tmp_path / "data.csv", index=False)
    elif make == "one_class":
        frame.assign(**{"class": "good"}).to_csv(tmp_path / "data.csv", index=False)
    elif make == "rare_class":
        frame.loc[0, "class"] = "unheard-of"
        frame.to_csv(tmp_path / "data.csv", index=False)
    elif make == "garbage":
        (tmp_path / "data.parquet").write_text("not a parquet file")
    elif make == "tiny":
        frame.head(6).to_csv(tmp_path / "data.csv", index=False)
    proc = cli("run", *FAST, "--quiet", *args, cwd=tmp_path)  # args last: they win
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


def test_parquet_input(tmp_path):
    pytest.importorskip("pyarrow")
    X, y, info = load_demo("breast_cancer")
    X.assign(**{info["target"]: y}).to_parquet(tmp_path / "data.parquet")
    proc = cli("run", "data.parquet", "--target", "diagnosis", "--no-report", "--quiet", "--out", "o",
               *FAST, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "model.skops").is_file() and not (tmp_path / "o" / "report.html").exists()


def test_parquet_without_pyarrow_names_the_extra(tmp_path):
    (tmp_path / "data.parquet").write_bytes(b"PAR1")
    blocker = textwrap.dedent("""
        import importlib.abc, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "pyarrow":
                    raise ImportError("pyarrow is blocked in this test")
        sys.meta_path.insert(0, Block())
        from jupyter_automl.cli import main
        raise SystemExit(main(sys.argv[1:]))
    """)
    proc = subprocess.run([sys.executable, "-c", blocker, "run", "data.parquet", "--target", "y"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == cli_module.EXIT_MISSING_DEPENDENCY, proc.stderr
    assert 'pip install "jupyter_automl[parquet]"' in proc.stderr


def test_progress_bar_follows_engine_events():
    X, y, _ = load_demo("breast_cancer")
    stream = io.StringIO()
    bar = cli_module.ProgressBar(stream, time_budget=None, n_trials=3)
    automl = AutoML(time_budget=None, n_trials=3, families=["linear"], storage="memory",
                    executor="sync")
    handle = automl.fit_async(X, y)
    handle.subscribe(bar)
    handle.wait()
    bar.draw(final=True)
    text = stream.getvalue()
    assert bar.finished + bar.pruned + bar.failed == 3 and bar.started == 3
    assert bar.best is not None and bar.best[2] == pytest.approx(max(
        automl.leaderboard().query("status == 'finished'")["score"]))
    assert "] 100%" in text and "trials 3 (" in text and "best so far: trial" in text


def test_feature_search_and_engineering_options_reach_the_engine(tmp_path):
    X, y, info = load_demo("breast_cancer")
    X.assign(**{info["target"]: y}).to_csv(tmp_path / "data.csv", index=False)
    proc = cli("run", "data.csv", "--target", "diagnosis", "--no-report", "--quiet", "--out", "o",
               *FAST, "--trials", "6", "--feature-search", "sequential", "--feature-engineering",
               "fixed", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    model = AutoML.load(tmp_path / "o" / "model.skops")
    assert (model.feature_search, model.feature_engineering) == ("sequential", "fixed")
    phase = model.search_.feature_phase  # the RFE ran: its steps are recorded
    assert phase["mode"] == "sequential" and phase["steps"], phase
    bad = cli("run", "data.csv", "--target", "diagnosis", "--feature-search", "greedy", cwd=tmp_path)
    assert bad.returncode == cli_module.EXIT_USAGE and "pseudo_joint" in bad.stderr
