"""Tests of the benchmark scripts (run on demand: ``.venv/bin/python -m pytest benchmarks/tests``).

The scripts import each other as top-level modules (they run as ``python benchmarks/x.py``), so
the benchmarks folder goes on ``sys.path`` here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))

from _protocol import DEFAULT_ANCHORS, DEFAULT_DATASETS_DIR  # noqa: E402


@pytest.fixture
def anchors_path() -> Path:
    if not DEFAULT_ANCHORS.exists():
        pytest.skip("../shared/bench/anchors-60s-public.md is not available on this machine")
    return DEFAULT_ANCHORS


@pytest.fixture
def datasets_dir() -> Path:
    if not (DEFAULT_DATASETS_DIR / "load.py").exists():
        pytest.skip("../shared/datasets is not available on this machine")
    return DEFAULT_DATASETS_DIR
