"""Storage arguments, the data fingerprint and in-memory studies (files and servers: integration)."""

from __future__ import annotations

import re

import optuna
import pandas as pd
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.search._storage import (
    MSG_STORAGE_OPEN,
    MSG_STORAGE_TYPE,
    data_fingerprint,
    default_study_name,
    make_storage,
)

from .._data import binary_frame
from .._messages import filled, template
from ..conftest import tiny_automl


def test_default_study_names_are_dated_and_unique():
    names = {default_study_name() for _ in range(20)}
    assert len(names) == 20
    assert all(re.fullmatch(r"automl-\d{8}-\d{6}-[0-9a-f]{4}", n) for n in names)


def test_fingerprint_changes_with_the_data():
    X, y = binary_frame()
    base = data_fingerprint(X, y)
    assert base == data_fingerprint(X.copy(), y.copy())
    assert len(base) == 16
    changed = X.copy()
    changed.iloc[0, 0] += 1e-9
    assert data_fingerprint(changed, y) != base
    assert data_fingerprint(X.rename(columns={"noise": "noise2"}), y) != base
    assert data_fingerprint(X, 1 - y) != base
    assert data_fingerprint(X.set_axis(X.index + 5), y.set_axis(y.index + 5)) == base  # index ignored


def test_memory_storage_and_optuna_storages(tmp_path):
    storage, url = make_storage("memory", tmp_path / "unused")
    assert isinstance(storage, optuna.storages.InMemoryStorage) and url == "memory"
    mine = optuna.storages.InMemoryStorage()
    assert make_storage(mine, tmp_path) == (mine, "InMemoryStorage")
    assert not (tmp_path / "unused").exists()


def test_processes_opening_a_new_sqlite_study_together_all_get_it(tmp_path):
    """A search creates its study file while a dashboard (or a test) opens it: both create
    Optuna's tables, and one used to fail ("UNIQUE constraint failed: alembic_version" on
    Optuna 4.0). Each opener that loses the race opens the file again."""
    from concurrent.futures import ThreadPoolExecutor

    for k in range(5):
        url = f"sqlite:///{tmp_path / f'study{k}.db'}"
        with ThreadPoolExecutor(4) as pool:
            opened = list(pool.map(lambda _, url=url: make_storage(url, tmp_path)[0], range(4)))
        study = optuna.create_study(storage=opened[0], study_name="s")
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        assert all(len(optuna.load_study(study_name="s", storage=o).trials) == 1 for o in opened)


@pytest.mark.parametrize("value", [3, ["sqlite:///x.db"], b"sqlite:///x.db"])
def test_storage_of_the_wrong_type(tmp_path, value):
    with pytest.raises(InputError, match=filled(MSG_STORAGE_TYPE, got=value)):
        make_storage(value, tmp_path)


@pytest.mark.parametrize("url", ["postgres://me:s3cret@localhost/db", "nonsense", "oracle+nope://x/y"])
def test_storage_that_cannot_be_opened(tmp_path, url):
    with pytest.raises(InputError, match=template(MSG_STORAGE_OPEN)) as info:
        make_storage(url, tmp_path)
    assert "s3cret" not in str(info.value)  # the password is never shown


def test_memory_search_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = binary_frame()
    automl = tiny_automl(storage="memory", runs_dir=str(tmp_path / "runs"), ensemble=True,
                         families=["linear", "gradient_boosting"], n_trials=3).fit(X, y)
    assert list(tmp_path.iterdir()) == []
    assert isinstance(automl.leaderboard(), pd.DataFrame)
