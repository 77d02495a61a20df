"""A real search in worker threads prints none of its models' fit warnings (search/_quiet.py)."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest

from conformance._tiny import TINY
from jupyter_automl import AutoML

pytestmark = pytest.mark.integration


def _tiny_table():
    # 40 rows, 3 folds: a fold trains on 26 rows, fewer than the network's default batch of 64,
    # so scikit-learn warns "Got `batch_size` ... larger than sample size" in every fit
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    return X, pd.Series((X["a"] > 0).astype(int), name="label")


def _networks() -> AutoML:
    return AutoML(**(TINY | {"storage": "memory", "executor": "threads", "n_jobs": 2, "cv": 3,
                             "families": ["neural"], "n_trials": 2, "time_budget": None}))


def test_a_search_of_networks_on_a_tiny_table_prints_no_fit_warnings(shown):
    automl = _networks().fit(*_tiny_table())
    assert len(automl.leaderboard()) == 2
    assert not [m for m in shown if "batch_size" in m], shown


def test_without_the_hook_that_search_would_print_them(shown, monkeypatch):
    """The test above can fail: the same search, unhooked, prints scikit-learn's warning."""
    from jupyter_automl.search import _coordinator

    monkeypatch.setattr(_coordinator, "search_warnings_logged", contextlib.nullcontext)
    _networks().fit(*_tiny_table())
    assert [m for m in shown if "batch_size" in m]
