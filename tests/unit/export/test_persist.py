"""save/load: skops by default, joblib on request; untrusted types are refused unless trusted."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from jupyter_automl import AutoML
from jupyter_automl.datasets import load_demo
from jupyter_automl.exceptions import InputError, NotFittedError, UntrustedTypesError
from jupyter_automl.export import TRUSTED_TYPES, untrusted_types
from jupyter_automl.export._persist import MSG_NOT_AUTOML, MSG_PICKLE


class Shady(TransformerMixin, BaseEstimator):
    """A class no loader should build without being told to trust it."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


SHADY = f"{__name__}.Shady"


@pytest.fixture(scope="module")
def fitted():
    X, y, _ = load_demo("breast_cancer")
    automl = AutoML(time_budget=None, n_trials=3, families=["linear"], storage="memory",
                    executor="sync", seed=0).fit(X, y)
    return automl, X


def test_skops_round_trip_keeps_everything_a_user_needs(fitted, tmp_path):
    automl, X = fitted
    path = automl.save(tmp_path / "model.skops")
    assert untrusted_types(path) == []
    loaded = AutoML.load(path)
    np.testing.assert_array_equal(loaded.predict(X), automl.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), automl.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, automl.classes_)
    np.testing.assert_array_equal(loaded.feature_names_in_, automl.feature_names_in_)
    assert loaded.problem_.summary() == automl.problem_.summary()
    assert loaded.problem_.metric == automl.problem_.metric
    assert loaded.cv_score_ == automl.cv_score_ and loaded.best_trial_ == automl.best_trial_
    assert loaded.search_.description == automl.search_.description
    assert loaded.search_.model is loaded.best_pipeline_
    pd.testing.assert_frame_equal(loaded.leaderboard(), automl.leaderboard())
    assert loaded.get_params()["families"] == ["linear"] and loaded.get_params()["seed"] == 0
    assert loaded.score(X, load_demo("breast_cancer")[1]) == automl.score(X, load_demo("breast_cancer")[1])
    # the folds survive too, so the loaded object can say how it was validated
    for (a_train, a_valid), (b_train, b_valid) in zip(loaded.problem_.splits.folds,
                                                      automl.problem_.splits.folds, strict=True):
        np.testing.assert_array_equal(a_train, b_train)
        np.testing.assert_array_equal(a_valid, b_valid)


def test_a_loaded_automl_saves_again(fitted, tmp_path):
    automl, X = fitted
    again = AutoML.load(AutoML.load(automl.save(tmp_path / "a.skops")).save(tmp_path / "b.skops"))
    np.testing.assert_array_equal(again.predict_proba(X), automl.predict_proba(X))
    assert len(again.leaderboard()) == len(automl.leaderboard())


def test_joblib_is_refused_unless_trusted(fitted, tmp_path):
    automl, X = fitted
    path = automl.save(tmp_path / "model.joblib")
    with pytest.raises(UntrustedTypesError, match="pickle can run any code") as info:
        AutoML.load(path)
    assert "trusted=True" in str(info.value)
    loaded = AutoML.load(path, trusted=True)
    np.testing.assert_array_equal(loaded.predict(X), automl.predict(X))
    pd.testing.assert_frame_equal(loaded.leaderboard(), automl.leaderboard())
    assert "{path}" in MSG_PICKLE


def test_explicit_format_wins_over_the_suffix(fitted, tmp_path):
    automl, _ = fitted
    path = automl.save(tmp_path / "model.bin", format="joblib")
    with pytest.raises(UntrustedTypesError):
        AutoML.load(path)
    with pytest.raises(InputError, match="'format' of save must be one of"):
        automl.save(tmp_path / "x.skops", format="pickle")


def test_unknown_types_in_a_skops_file_are_refused(fitted, tmp_path):
    automl, X = fitted
    path = automl.save(tmp_path / "model.skops")
    tampered = AutoML.load(path)
    tampered.best_pipeline_ = Pipeline([("shady", Shady()), ("model", automl.best_pipeline_)])
    tampered.search_ = automl.search_
    bad = tampered.save(tmp_path / "tampered.skops")
    with pytest.raises(UntrustedTypesError, match="not trusted for safe loading") as info:
        AutoML.load(bad)
    assert SHADY in str(info.value) and "trusted=True" in str(info.value)
    assert untrusted_types(bad) == [SHADY]
    np.testing.assert_array_equal(AutoML.load(bad, trusted=[SHADY]).predict(X), automl.predict(X))
    assert isinstance(AutoML.load(bad, trusted=True).best_pipeline_[0], Shady)
    with pytest.raises(UntrustedTypesError):
        AutoML.load(bad, trusted=["some.other.Type"])


def test_every_model_family_loads_without_trust(fitted_models):
    models, X, _ = fitted_models
    buffer = io.BytesIO()
    skops.io.dump(models, buffer)
    names = skops.io.get_untrusted_types(data=buffer.getvalue())
    assert [n for n in names if n not in TRUSTED_TYPES] == []
    loaded = skops.io.loads(buffer.getvalue(), trusted=list(TRUSTED_TYPES))
    for before, after in zip(models, loaded, strict=True):
        np.testing.assert_array_equal(after.predict(X), before.predict(X))


def test_clear_errors(fitted, tmp_path):
    with pytest.raises(NotFittedError, match="nothing to save"):
        AutoML().save(tmp_path / "m.skops")
    with pytest.raises(FileNotFoundError, match="There is no file at"):
        AutoML.load(tmp_path / "missing.skops")
    automl, _ = fitted
    skops.io.dump(automl.best_pipeline_, tmp_path / "plain.skops")
    with pytest.raises(InputError, match="is not a saved AutoML") as info:
        AutoML.load(tmp_path / "plain.skops")
    assert type(automl.best_pipeline_).__name__ in str(info.value)
    assert "automl.save(path)" in MSG_NOT_AUTOML


def test_a_loaded_automl_explains_and_checks_fairness_like_the_original(tmp_path):
    X, y, _ = load_demo("german_credit")
    automl = AutoML(time_budget=None, n_trials=2, families=["linear"], storage="memory",
                    executor="sync").fit(X, y)
    loaded = AutoML.load(automl.save(tmp_path / "m.skops"))
    np.testing.assert_array_equal(loaded.explain(X.head(25)).values.to_numpy(),
                                  automl.explain(X.head(25)).values.to_numpy())
    with pytest.warns(Warning, match="fewer than 30 rows"):
        before = automl.fairness(X.head(300), y.head(300), sensitive_features="personal_status")
    with pytest.warns(Warning, match="fewer than 30 rows"):
        after = loaded.fairness(X.head(300), y.head(300), sensitive_features="personal_status")
    pd.testing.assert_frame_equal(after.by_group, before.by_group)


def test_a_fairness_aware_model_saves_as_joblib_with_its_settings(tmp_path):
    X, y, _ = load_demo("german_credit")
    settings = {"sensitive_features": ["personal_status"]}
    with pytest.warns(Warning):  # small groups of personal_status
        automl = AutoML(time_budget=None, n_trials=4, families=["linear"], storage="memory",
                        executor="sync", fairness=settings).fit(X, y)
    # the chosen model adds group thresholds (plain numbers): the safe format stores it too
    assert type(automl.best_pipeline_).__name__ == "ThresholdClassifier"
    safe = AutoML.load(automl.save(tmp_path / "m.skops"))
    np.testing.assert_array_equal(safe.predict(X), automl.predict(X))
    loaded = AutoML.load(automl.save(tmp_path / "m.joblib"), trusted=True)
    assert loaded.get_params()["fairness"] == settings
    np.testing.assert_array_equal(loaded.predict(X), automl.predict(X))
    pd.testing.assert_frame_equal(loaded.leaderboard(), automl.leaderboard())
