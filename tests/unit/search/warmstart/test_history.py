"""Learning from the user's studies: two tiny real studies written by the engine, read back."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from jupyter_automl import AutoML
from jupyter_automl.problem import analyze
from jupyter_automl.search.warmstart import (
    METAFEATURES_ATTR,
    Knowledge,
    metafeatures_attr,
    read_history,
    reset_history,
)

from ..._data import binary_frame, regression_frame


def _study(runs, name, X, y):
    """A real 3-trial search, then the attr the engine will store at search start."""
    AutoML(time_budget=None, n_trials=3, families=["linear"], runs_dir=str(runs), executor="sync",
           cv=2, study_name=name, ensemble=False, seed=0).fit(X, y)
    problem, X_clean, y_clean = analyze(X, y, cv=2, seed=0, check_leakage=False)
    storage = f"sqlite:///{runs / name / 'study.db'}"
    study = optuna.load_study(study_name=name, storage=storage)
    study.set_user_attr(METAFEATURES_ATTR, metafeatures_attr(problem, X_clean, y_clean))
    return study


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    _study(runs, "clf", *binary_frame(80))
    _study(runs, "reg", *regression_frame(80))
    return runs


def test_studies_become_datasets_on_the_normalised_scale(runs):
    history = read_history(runs)
    assert sorted(history.datasets) == ["history/clf", "history/reg"]
    assert dict(zip(history.datasets, history.task_kinds, strict=True)) == {
        "history/clf": "classification", "history/reg": "regression"}
    assert history.sources == ("history", "history")
    for d in range(2):
        scores = history.score[history.dataset_idx == d]
        assert len(scores) == 3
        assert scores.max() == 1.0 and scores.min() >= 0.0  # the study's best trial is 1
    assert all(c["params"]["family"] == "linear" for c in history.configs)


def test_knowledge_counts_them_and_offers_their_best_trials(runs):
    knowledge = Knowledge.load(include_history=True, runs_dir=runs)
    assert knowledge.describe()["your_studies"] == 2
    problem, X, y = analyze(*binary_frame(80, seed=1), cv=2, check_leakage=False)
    configs = knowledge.warm_start(problem, X, y, families=["linear"], n=20)
    assert "history" in {c.source for c in configs}
    assert all(c.params["family"] == "linear" for c in configs)


def test_exclude_and_reset(runs, tmp_path):
    assert read_history(runs, exclude=("clf",)).datasets == ("history/reg",)
    assert Knowledge.load(include_history=False, runs_dir=runs).describe()["your_studies"] == 0
    copy = tmp_path / "runs"
    copy.mkdir()
    for name in ("clf", "reg"):
        (copy / name).mkdir()
        (copy / name / "study.db").write_bytes((runs / name / "study.db").read_bytes())
    reset_history(copy)
    assert read_history(copy).n_datasets == 0
    assert read_history(runs).n_datasets == 2  # the other folder is untouched


def test_a_study_without_the_attr_or_a_broken_file_is_skipped(tmp_path):
    (tmp_path / "plain").mkdir()  # a study another tool wrote there: no meta-features
    plain = optuna.create_study(study_name="plain", storage=f"sqlite:///{tmp_path / 'plain' / 'study.db'}")
    plain.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=3)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "study.db").write_bytes(b"not a database")
    history = read_history(tmp_path)
    assert history.n_datasets == 0
    assert np.asarray(history.features).shape[0] == 0


def test_an_unchanged_study_file_is_read_once_and_a_changed_one_again(tmp_path, monkeypatch):
    from jupyter_automl.search.warmstart import _history

    runs = tmp_path / "runs"
    runs.mkdir()
    study = _study(runs, "clf", *binary_frame(80))
    opened = []
    read_file = _history._read_file
    monkeypatch.setattr(_history, "_read_file", lambda path, cutoff: opened.append(path) or read_file(path, cutoff))
    first = read_history(runs)
    assert read_history(runs).score.tolist() == first.score.tolist()
    assert len(opened) == 1  # the second read came from memory
    assert read_history(runs, exclude=("clf",)).n_datasets == 0  # the cache still honours exclude
    # a trial more in the same file: read again, and seen
    study.enqueue_trial(study.trials[0].params)
    trial = study.ask()
    study.tell(trial, study.trials[0].value)
    again = read_history(runs)
    assert len(opened) == 2 and len(again.score) == len(first.score) + 1
