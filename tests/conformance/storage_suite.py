"""What every study storage must do: record trials, resume by name, refuse another problem.

Subclass ``StorageSuite`` and define the ``storage`` fixture: the ``storage=`` argument given to
AutoML (the same value for every fit of one test), and ``open_optuna`` to read the study back
with plain Optuna, as optuna-dashboard would.
"""

from __future__ import annotations

import warnings

import optuna
import pytest
from optuna.trial import TrialState

from jupyter_automl import AutoML
from jupyter_automl.exceptions import SearchWarning
from jupyter_automl.search._storage import ATTR, MSG_STUDY_MISMATCH, MSG_VALIDATION_MISMATCH

from ._tiny import TINY, demo, twelve_rows


def _template(msg: str) -> str:
    import re
    import string

    return "".join(re.escape(lit) + ("(?s:.*?)" if field is not None else "")
                   for lit, field, _, _ in string.Formatter().parse(msg))


class StorageSuite:
    """Base suite; a subclass provides the ``storage`` fixture and ``open_optuna``."""

    @pytest.fixture
    def storage(self, tmp_path):
        raise NotImplementedError

    def open_optuna(self, storage, study_name: str) -> optuna.Study:
        """The study as plain Optuna sees it."""
        return optuna.load_study(study_name=study_name, storage=storage)

    def fit(self, storage, tmp_path, X=None, y=None, **params) -> AutoML:
        X, y = (X, y) if X is not None else demo()
        automl = AutoML(**(TINY | {"executor": "sync", "storage": storage, "study_name": "study-1",
                                   "runs_dir": str(tmp_path / "runs")} | params))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SearchWarning)  # failed trials are the subject of a test
            return automl.fit(X, y)

    # -- tests -----------------------------------------------------------------------------------

    def test_trials_are_recorded_with_their_details(self, storage, tmp_path):
        automl = self.fit(storage, tmp_path)
        study = self.open_optuna(storage, automl.study_name_)
        trials = study.get_trials()
        assert [t.state for t in trials] == [TrialState.COMPLETE] * 2
        board = automl.leaderboard().set_index("trial")
        for t in trials:
            assert t.params["family"] == "linear"
            assert len(t.user_attrs["fold_scores"]) == 3
            assert t.values[0] == pytest.approx(board.loc[t.number, "score"])
            assert t.user_attrs["score_std"] == pytest.approx(board.loc[t.number, "score_std"])
            assert t.user_attrs["fit_time"] > 0
        summary = study.user_attrs[ATTR]
        assert summary["task"] == "binary" and summary["metric"] == "roc_auc"
        assert summary["fingerprint"] and summary["seed"] == 0
        assert study.directions == [optuna.study.StudyDirection.MAXIMIZE]

    def test_resume_continues_the_study(self, storage, tmp_path):
        first = self.fit(storage, tmp_path)
        second = self.fit(storage, tmp_path, n_trials=2)
        assert second.study_name_ == first.study_name_ == "study-1"
        board = second.leaderboard()
        assert sorted(board["trial"]) == [0, 1, 2, 3]  # numbering continues
        [started] = [e for e in second.handle_.events() if e.kind == "search_started"]
        assert started.n_resumed_trials == 2
        new_numbers = [e.trial_number for e in second.handle_.events() if e.kind == "trial_started"]
        assert new_numbers == [2, 3]
        # the earlier trials count: the best of all four is the model
        assert second.best_trial_ == board.iloc[0]["trial"]
        assert len(self.open_optuna(storage, "study-1").get_trials()) == 4

    def test_a_resumed_search_starts_with_search_started(self, storage, tmp_path):
        self.fit(storage, tmp_path)
        events = self.fit(storage, tmp_path).handle_.events()
        assert events[0].kind == "search_started"
        replayed = [e.trial_number for e in events if e.kind == "trial_finished"][:2]
        assert replayed == [0, 1]  # the resumed trials are replayed after it

    def test_resume_with_other_data_is_refused(self, storage, tmp_path):
        self.fit(storage, tmp_path)
        X, y = demo()
        with pytest.raises(ValueError, match=_template(MSG_STUDY_MISMATCH)) as info:
            self.fit(storage, tmp_path, X.iloc[:140], y.iloc[:140])
        assert "fingerprint" in str(info.value) and "'study-1'" in str(info.value)
        assert len(self.open_optuna(storage, "study-1").get_trials()) == 2  # left as it was

    def test_resume_with_another_metric_is_refused(self, storage, tmp_path):
        self.fit(storage, tmp_path)
        with pytest.raises(ValueError, match=_template(MSG_STUDY_MISMATCH)) as info:
            self.fit(storage, tmp_path, metric="accuracy")
        assert "metric='roc_auc'" in str(info.value) and "metric='accuracy'" in str(info.value)

    def test_resume_with_another_validation_is_refused(self, storage, tmp_path):
        self.fit(storage, tmp_path)  # 3 folds
        with pytest.raises(ValueError, match=_template(MSG_VALIDATION_MISMATCH)) as info:
            self.fit(storage, tmp_path, cv="holdout")
        message = str(info.value)
        assert "3-fold cross-validation" in message and "a holdout" in message
        assert "cv=3" in message
        assert len(self.open_optuna(storage, "study-1").get_trials()) == 2  # left as it was
        assert len(self.fit(storage, tmp_path, cv=3).leaderboard()) == 4  # as it says: resumes

    def test_failed_trials_keep_their_reason_across_resume(self, storage, tmp_path):
        X, y = twelve_rows()
        self.fit(storage, tmp_path, X, y, families=["linear", "knn"], cv=2)
        study = self.open_optuna(storage, "study-1")
        [failed] = [t for t in study.get_trials() if t.state == TrialState.FAIL]
        assert failed.user_attrs["reason"].startswith("fold 1: ValueError: Expected n_neighbors")
        again = self.fit(storage, tmp_path, X, y, families=["linear", "knn"], cv=2, n_trials=1)
        row = again.leaderboard().set_index("trial").loc[failed.number]
        assert row["status"] == "failed" and row["reason"] == failed.user_attrs["reason"]

    def test_without_a_name_each_fit_is_a_new_study(self, storage, tmp_path):
        a = self.fit(storage, tmp_path, study_name=None)
        b = self.fit(storage, tmp_path, study_name=None)
        assert a.study_name_ != b.study_name_
        assert len(b.leaderboard()) == 2
