"""The thread executor: a running thread cannot be killed, so a fit over ``trial_timeout`` is
marked failed when it ends, and the search goes on."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jupyter_automl import AutoML
from jupyter_automl.exceptions import SearchWarning
from jupyter_automl.search.executors import ThreadExecutor

pytestmark = pytest.mark.integration


def test_a_fit_over_the_limit_is_failed_when_it_ends():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(8000, 10)), columns=[f"x{i}" for i in range(10)])
    y = pd.Series((X["x0"] + rng.normal(size=8000) > 0).astype(int), name="y")
    automl = AutoML(time_budget=None, n_trials=2, seed=0, executor="threads", n_jobs=2,
                    families=["linear", "random_forest"], storage="memory", ensemble=False, cv=2,
                    trial_timeout=0.4)  # linear folds take 0.04 s, forest folds 0.9 s alone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchWarning)
        automl.fit(X, y)
    board = automl.leaderboard().set_index("trial")
    assert board.loc[0, "status"] == "finished"
    reason = board.loc[1, "reason"]
    assert board.loc[1, "status"] == "failed"
    assert reason.startswith("fold ") and "over the time limit of 0.4 s for one fit" in reason
    failed = next(e for e in automl.handle_.events() if e.kind == "trial_failed")
    assert failed.error_type == "TimeoutError"
    assert not ThreadExecutor.hard_limits


@pytest.mark.parametrize("n_jobs", [2, 6])
def test_the_first_trial_has_the_workers_its_folds_can_use(n_jobs):
    """The first trial runs alone while its folds fill the workers (its result comes sooner); with
    more workers than folds (a cluster), the second trial starts on the idle ones at once."""
    from conformance._tiny import demo

    X, y = demo(300)
    automl = AutoML(time_budget=None, n_trials=3, seed=0, executor="threads", n_jobs=n_jobs,
                    families=["random_forest"], storage="memory", ensemble=False, cv=3,
                    warm_start=False)
    automl.fit(X, y)
    events = automl.handle_.events()
    first_ended = next(e.t for e in events if e.kind == "trial_finished" and e.trial_number == 0)
    second_started = next(e.t for e in events if e.kind == "trial_started" and e.trial_number == 1)
    assert (second_started < first_ended) == (n_jobs > 3)
