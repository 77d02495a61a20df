"""The exported script runs without jupyter_automl and reproduces the model's predictions exactly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_automl import AutoML
from jupyter_automl.datasets import load_demo
from jupyter_automl.estimators import WeightedEnsembleClassifier
from jupyter_automl.exceptions import DataWarning

pytestmark = pytest.mark.integration

SCRIPT_TIMEOUT = 300

# Runs a script with a sys.path that cannot reach jupyter_automl: entries that hold the package
# (the editable install's .pth points at the repository) are removed, any import of it fails,
# and the check is printed so the test can assert it.
RUNNER = textwrap.dedent("""
    import importlib.abc, importlib.util, os, runpy, sys
    sys.path[:] = [p for p in sys.path if p and not os.path.isdir(os.path.join(p, "jupyter_automl"))]

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "jupyter_automl":
                raise ImportError("jupyter_automl is blocked in this test")

    sys.meta_path.insert(0, Block())
    try:
        import jupyter_automl  # noqa: F401
        print("JUPYTER_AUTOML_IMPORTABLE")
    except ImportError:
        print("JUPYTER_AUTOML_NOT_IMPORTABLE")
    script = sys.argv[1]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name="__main__")
""")


def run_isolated(script: Path, *args: str) -> str:
    """Run ``script`` with ``python -I`` (no PYTHONPATH, no user site) and jupyter_automl blocked."""
    proc = subprocess.run([sys.executable, "-I", "-c", RUNNER, str(script), *args],
                          cwd=script.parent, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert "JUPYTER_AUTOML_NOT_IMPORTABLE" in proc.stdout
    return proc.stdout


def fit_from_csv(tmp_path: Path, frame: pd.DataFrame, target: str, n_jobs: int = 1,
                 **kwargs) -> tuple[AutoML, pd.DataFrame]:
    """Write ``frame`` to CSV and fit on the table read back, as the script will read it."""
    csv = tmp_path / "data.csv"
    frame.to_csv(csv, index=False)
    data = pd.read_csv(csv)
    automl = AutoML(storage="memory", time_budget=None, seed=0, n_jobs=n_jobs, **kwargs)
    return automl.fit(data, target), data


def read_predictions(path: Path) -> pd.DataFrame:
    # floats read back exactly: pandas 3's default, an option before (pandas 2.2 differs by 1e-16)
    return pd.read_csv(path, float_precision="round_trip")


def test_ensemble_of_pipelines_is_reproduced_exactly(tmp_path):
    X, y, info = load_demo("german_credit")
    frame = X.assign(**{info["target"]: y})
    rng = np.random.default_rng(0)
    frame.loc[rng.random(len(frame)) < 0.05, "duration"] = np.nan  # imputers are exercised
    frame.loc[rng.random(len(frame)) < 0.05, "purpose"] = np.nan
    # two workers: the final refit runs with one BLAS thread, and so must the script
    automl, data = fit_from_csv(tmp_path, frame, info["target"], n_jobs=2, n_trials=5,
                                families=["linear", "knn"], cv=3)
    assert isinstance(automl.best_pipeline_, WeightedEnsembleClassifier), automl.search_.description

    script = AutoML.load(automl.save(tmp_path / "m.skops")).export_code(tmp_path / "out" / "train_model.py")
    assert (script.parent / "automl_estimators.py").is_file()
    text = script.read_text()
    assert "BLAS_THREADS = 1\n" in text
    assert "jupyter_automl import" not in text and "import jupyter_automl" not in text
    (script.parent / "data.csv").write_bytes((tmp_path / "data.csv").read_bytes())

    stdout = run_isolated(script, "data.csv", "--predict", "data.csv", "--out", "pred.csv")
    assert "fitted on 1000 rows" in stdout
    pred = read_predictions(script.parent / "pred.csv")
    np.testing.assert_array_equal(pred["prediction"].to_numpy(dtype=object),
                                  automl.predict(data).astype(object))
    proba = pred[[f"proba_{c}" for c in automl.classes_]].to_numpy()
    np.testing.assert_array_equal(proba, automl.predict_proba(data))


def test_regression_pipeline_is_reproduced_exactly(tmp_path):
    X, y, info = load_demo("diabetes")
    frame = X.assign(**{info["target"]: y})
    automl, data = fit_from_csv(tmp_path, frame, info["target"], n_trials=3, families=["linear"])
    script = automl.export_code(tmp_path / "train.py", data_path="data.csv")
    assert "BLAS_THREADS = None\n" in script.read_text()
    run_isolated(script, "--predict", "data.csv", "--out", "pred.csv", "--save", "model.pkl")
    pred = read_predictions(tmp_path / "pred.csv")
    assert list(pred.columns) == ["prediction"]
    np.testing.assert_array_equal(pred["prediction"].to_numpy(), automl.predict(data))
    assert (tmp_path / "model.pkl").stat().st_size > 0


def test_multiclass_labels_and_missing_targets(tmp_path):
    X, y, info = load_demo("wine")
    frame = X.assign(**{info["target"]: y})
    frame.loc[[3, 50, 100], info["target"]] = None  # rows without a target are left out by both
    with pytest.warns(DataWarning, match="missing target"):
        automl, data = fit_from_csv(tmp_path, frame, info["target"], n_trials=2,
                                    families=["random_forest"])
    script = automl.export_code(tmp_path / "train.py")
    stdout = run_isolated(script, "data.csv", "--predict", "data.csv", "--out", "pred.csv")
    assert f"fitted on {len(frame) - 3} rows" in stdout
    pred = read_predictions(tmp_path / "pred.csv")
    np.testing.assert_array_equal(pred["prediction"].to_numpy(dtype=object),
                                  automl.predict(data).astype(object))
    proba = pred[[f"proba_{c}" for c in automl.classes_]].to_numpy()
    np.testing.assert_array_equal(proba, automl.predict_proba(data))
