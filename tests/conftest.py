"""Shared fixtures. Plots use the Agg backend and are closed after each test."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"  # benchmarks use these; tests use built-in demos


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """A fresh runs folder for studies written by a test."""
    return tmp_path / "runs"


def load_shared(name: str):
    """A real dataset from ../shared/datasets, or skip when that folder is absent."""
    if not (SHARED_DATASETS / "load.py").exists():
        pytest.skip("../shared/datasets is not available on this machine")
    sys.path.insert(0, str(SHARED_DATASETS))
    try:
        from load import load
    finally:
        sys.path.pop(0)
    return load(name)
