"""The comparison protocol of ../shared/bench/README.md: datasets, the 75/25 split, the metrics.

Shared by every benchmark script so that their rows compare one to one with the anchor table.
Imports only numpy, pandas and scikit-learn (not jupyter_automl): the baselines' processes must
not pay for importing the engine.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    log_loss,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.model_selection import train_test_split

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS_DIR = REPO.parent / "shared" / "datasets"
DEFAULT_ANCHORS = REPO.parent / "shared" / "bench" / "anchors-60s-public.md"
TEST_SIZE = 0.25

# The metric matched to each task (README of the protocol): name, direction.
PRIMARY = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
SECONDARY = {"binary": "accuracy", "multiclass": "accuracy", "regression": "r2"}
GREATER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False, "accuracy": True, "r2": True}

MSG_NO_DATASETS = ("No loader at {path}. Pass --datasets-dir pointing at the folder that holds "
                   "load.py and manifest.json (../shared/datasets from the repo).")


def load_module(datasets_dir: Path) -> ModuleType:
    """The datasets folder's own ``load.py``, imported under a private name."""
    path = Path(datasets_dir) / "load.py"
    if not path.exists():
        raise FileNotFoundError(MSG_NO_DATASETS.format(path=path))
    spec = importlib.util.spec_from_file_location("_shared_datasets_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dataset_names(datasets_dir: Path) -> list[str]:
    """Every dataset of the manifest, in the manifest's order."""
    return list(load_module(datasets_dir).names())


@dataclass
class Split:
    """One dataset cut 75/25 as the protocol says; ``meta`` is the manifest entry."""

    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series
    meta: dict[str, Any]
    labels: list[Any]  # sorted class labels of the whole dataset (classification), else []

    @property
    def task(self) -> str:
        return self.meta["task"]

    @property
    def metric(self) -> str:
        return PRIMARY[self.task]


def load_split(name: str, seed: int, datasets_dir: Path) -> Split:
    """Load ``name`` and split it: ``train_test_split(np.arange(n), test_size=0.25,
    random_state=seed, stratify=y for classification)``."""
    X, y, meta = load_module(datasets_dir).load(name)
    n = len(y)
    classification = meta["task"] != "regression"
    train, test = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=seed,
                                   stratify=y if classification else None)
    labels = sorted(pd.unique(y).tolist()) if classification else []
    return Split(X.iloc[train], X.iloc[test], y.iloc[train], y.iloc[test], meta, labels)


def proba_in_label_order(proba: np.ndarray, classes: Any, labels: list[Any]) -> np.ndarray:
    """Reorder probability columns from the model's ``classes`` to ``labels`` (0 when absent)."""
    proba = np.asarray(proba, dtype=float)
    position = {_key(c): i for i, c in enumerate(list(classes))}
    out = np.zeros((proba.shape[0], len(labels)))
    for j, label in enumerate(labels):
        i = position.get(_key(label))
        if i is not None:
            out[:, j] = proba[:, i]
    return out


def _key(label: Any) -> Any:
    """Compare labels across numpy/python types (np.int64(3) and 3, np.str_ and str)."""
    return label.item() if isinstance(label, np.generic) else label


def score(split: Split, proba: np.ndarray | None, pred: np.ndarray, classes: Any = None) -> dict[str, float]:
    """Primary and secondary metric on the test part.

    ``proba`` (classification) has its columns in the order of ``classes``; binary ROC AUC uses
    the manifest's positive class, multiclass log loss the sorted class labels.
    """
    y = split.y_test.to_numpy()
    task = split.task
    if task == "regression":
        pred = np.asarray(pred, dtype=float)
        return {"primary": float(root_mean_squared_error(y, pred)),
                "secondary": float(r2_score(y, pred))}
    assert proba is not None and classes is not None
    p = proba_in_label_order(proba, classes, split.labels)
    accuracy = float(accuracy_score([_key(v) for v in y], [_key(v) for v in np.asarray(pred)]))
    if task == "binary":
        positive = split.meta["positive_class"]
        j = [_key(v) for v in split.labels].index(_key(positive))
        truth = np.array([_key(v) == _key(positive) for v in y])
        return {"primary": float(roc_auc_score(truth, p[:, j])), "secondary": accuracy}
    return {"primary": float(log_loss(y, p, labels=split.labels)), "secondary": accuracy}


def is_better(a: float, b: float, metric: str) -> bool:
    """True when score ``a`` is strictly better than ``b`` under ``metric``."""
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return True
    return a > b if GREATER_IS_BETTER[metric] else a < b
