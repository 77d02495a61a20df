"""The storage suite on the embedded storages: in memory, SQLite (the default) and the journal file.
PostgreSQL: tests/integration/test_postgres.py."""

from __future__ import annotations

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from .storage_suite import StorageSuite


class TestInMemory(StorageSuite):
    """An Optuna InMemoryStorage object: resumable within the process that holds it."""

    @pytest.fixture
    def storage(self):
        return optuna.storages.InMemoryStorage()


@pytest.mark.integration
class TestSQLiteDefault(StorageSuite):
    """storage=None: a SQLite file in runs_dir/<study_name>/study.db."""

    @pytest.fixture
    def storage(self):
        return None

    def fit(self, storage, tmp_path, *args, **params):
        self._runs = tmp_path / "runs"
        return super().fit(storage, tmp_path, *args, **params)

    def open_optuna(self, storage, study_name):
        path = self._runs / study_name / "study.db"
        assert path.is_file()
        return optuna.load_study(study_name=study_name, storage=f"sqlite:///{path}")

    def test_the_file_is_in_the_runs_folder(self, tmp_path):
        automl = self.fit(None, tmp_path)
        run_dir = tmp_path / "runs" / automl.study_name_
        assert (run_dir / "study.db").is_file()
        assert sorted(p.name for p in (run_dir / "oof").iterdir()) == ["trial_0.npy", "trial_1.npy"]


@pytest.mark.integration
class TestSQLiteURL(StorageSuite):
    """An explicit sqlite:/// URL, as optuna-dashboard takes it."""

    @pytest.fixture
    def storage(self, tmp_path):
        return f"sqlite:///{tmp_path / 'shared.db'}"


@pytest.mark.integration
class TestJournalFile(StorageSuite):
    """Optuna's journal file (append-only log; safe for several writers on one machine)."""

    @pytest.fixture
    def storage(self, tmp_path):
        return str(tmp_path / "journal" / "studies.log")

    def open_optuna(self, storage, study_name):
        return optuna.load_study(study_name=study_name, storage=JournalStorage(JournalFileBackend(storage)))
