"""What every executor must do: run units, give the same scores, report failures as data, stop.

Subclass ``ExecutorSuite`` and define the ``automl_params`` fixture: the AutoML parameters that
choose the executor (``executor=``, ``n_jobs=``, ``dask_client=``...).
"""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np
import pytest

from jupyter_automl import AutoML
from jupyter_automl.exceptions import AllTrialsFailedError, SearchWarning

from ._tiny import TINY, demo, twelve_rows

STOP_RETURNS_WITHIN = 2.0  # seconds, the promise for handle.stop()
WAIT_TIMEOUT = 300  # seconds for a whole small search on a busy machine


class ExecutorSuite:
    """Base suite; a subclass provides ``automl_params``."""

    @pytest.fixture
    def automl_params(self):
        raise NotImplementedError

    @staticmethod
    def make(automl_params, **params) -> AutoML:
        return AutoML(**(TINY | {"storage": "memory"} | automl_params | params))

    @pytest.fixture(scope="class")
    @classmethod
    def reference_scores(cls):
        """Fold scores of the first trials with the synchronous executor."""
        X, y = demo()
        board = AutoML(**(TINY | {"storage": "memory", "executor": "sync", "n_trials": 3})).fit(X, y).leaderboard()
        return board.set_index("trial")["score"]

    # -- tests -----------------------------------------------------------------------------------

    def test_a_search_runs_and_refits(self, automl_params):
        X, y = demo()
        automl = self.make(automl_params, n_trials=3).fit(X, y)
        board = automl.leaderboard()
        assert len(board) == 3 and (board["status"] == "finished").all()
        assert automl.predict_proba(X.head(7)).shape == (7, 2)
        assert automl.search_.reason == "n_trials"

    def test_scores_do_not_depend_on_the_executor(self, automl_params, reference_scores):
        # same seed, same folds: the default configurations score the same wherever they run
        X, y = demo()
        board = self.make(automl_params, n_trials=3).fit(X, y).leaderboard().set_index("trial")
        assert board.loc[0, "score"] == pytest.approx(reference_scores.loc[0], rel=1e-9)

    def test_events_keep_their_order(self, automl_params):
        X, y = demo()
        automl = self.make(automl_params, n_trials=3, families=["linear", "gradient_boosting"])
        events = automl.fit(X, y).handle_.events()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].kind == "search_started" and events[-1].kind == "search_finished"
        seen_start, seen_end, folds = set(), set(), {}
        for e in events:
            if e.kind == "trial_started":
                seen_start.add(e.trial_number)
            elif e.kind == "fold_scored":
                assert e.trial_number in seen_start and e.trial_number not in seen_end
                folds.setdefault(e.trial_number, []).append(e.fold)
            elif e.kind in ("trial_finished", "trial_pruned", "trial_failed"):
                assert e.trial_number in seen_start and e.trial_number not in seen_end
                seen_end.add(e.trial_number)
                if e.kind == "trial_finished":
                    assert sorted(folds[e.trial_number]) == [0, 1, 2]
        assert seen_start == seen_end == {0, 1, 2}

    def test_a_failing_trial_is_data_and_the_search_goes_on(self, automl_params):
        X, y = twelve_rows()
        automl = self.make(automl_params, families=["linear", "knn"], n_trials=3, cv=2)
        with pytest.warns(SearchWarning, match="trials failed"):
            automl.fit(X, y)
        board = automl.leaderboard().set_index("trial")
        assert board.loc[1, "status"] == "failed"
        assert "ValueError: Expected n_neighbors <= n_samples_fit" in board.loc[1, "reason"]
        assert (board["status"] == "finished").sum() == 2

    def test_all_trials_failing_is_a_clear_error(self, automl_params):
        X, y = twelve_rows()
        with pytest.raises(AllTrialsFailedError, match=r"All 1 trials failed.*Expected n_neighbors"):
            self.make(automl_params, families=["knn"], n_trials=1, cv=2).fit(X, y)

    def test_fit_async_returns_before_the_first_trial_ends(self, automl_params):
        X, y = demo()
        t0 = time.monotonic()
        handle = self.make(automl_params, n_trials=2, families=["gradient_boosting"]).fit_async(X, y)
        returned = time.monotonic() - t0
        at_return = [e.kind for e in handle.events()]
        assert "trial_finished" not in at_return
        assert handle.wait(WAIT_TIMEOUT)
        first_end = next(e for e in handle.events() if e.kind == "trial_finished")
        assert returned < first_end.t + 0.5  # bus time starts when fit_async builds the search
        handle.result()

    def test_stop_returns_at_once_and_keeps_finished_trials(self, automl_params):
        X, y = demo()
        automl = self.make(automl_params, n_trials=None, time_budget=600,
                           families=["linear", "gradient_boosting", "random_forest"])
        marks: dict[str, float] = {}
        finished = threading.Event()

        def watch(e):
            if e.kind == "trial_finished":
                finished.set()
            elif e.kind == "refit_started":
                marks["refit"] = time.monotonic()

        handle = automl.fit_async(X, y)
        handle.subscribe(watch)
        assert finished.wait(WAIT_TIMEOUT), "no trial finished"
        done_before = set(automl.leaderboard().query("status == 'finished'")["trial"])
        t0 = time.monotonic()
        handle.stop()
        assert time.monotonic() - t0 < STOP_RETURNS_WITHIN
        assert handle.wait(WAIT_TIMEOUT)
        # the search phase ended without waiting for the units in flight
        assert marks["refit"] - t0 < STOP_RETURNS_WITHIN
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SearchWarning)
            handle.result()
        board = automl.leaderboard()
        assert done_before <= set(board.query("status == 'finished'")["trial"])
        assert (board["status"] != "running").all()
        last = handle.events()[-1]
        assert last.kind == "search_finished" and last.reason == "stopped"
        assert np.isfinite(automl.cv_score_) and automl.predict(X.head(3)).shape == (3,)
