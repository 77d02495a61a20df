"""A real PostgreSQL server (started by the session fixture) as the study storage."""

from __future__ import annotations

import warnings

import optuna
import psycopg2
import pytest

from conformance.storage_suite import StorageSuite
from jupyter_automl import AutoML
from jupyter_automl.exceptions import InputError
from jupyter_automl.search._storage import MSG_STORAGE_OPEN

pytestmark = pytest.mark.integration


class TestPostgreSQL(StorageSuite):
    """The storage suite on a fresh database per test; bare postgresql:// URLs, as people write them."""

    @pytest.fixture
    def storage(self, postgres_url):
        return postgres_url

    def open_optuna(self, storage, study_name):
        # what optuna-dashboard or another machine would do, with the driver spelled out
        return optuna.load_study(study_name=study_name,
                                 storage=storage.replace("postgresql://", "postgresql+psycopg2://"))


def test_the_server_is_real(postgres_server, postgres_url):
    dbname = postgres_url.rsplit("/", 1)[1]
    with psycopg2.connect(host="127.0.0.1", port=postgres_server.port, user="postgres",
                          dbname=dbname) as conn, conn.cursor() as cur:
        cur.execute("SELECT version()")
        assert cur.fetchone()[0].startswith("PostgreSQL")


def test_trials_are_rows_in_the_database(postgres_server, postgres_url, tmp_path):
    from conformance._tiny import TINY, demo

    X, y = demo()
    AutoML(**(TINY | {"storage": postgres_url, "study_name": "rows", "executor": "threads",
                      "n_jobs": 2, "runs_dir": str(tmp_path)})).fit(X, y)
    dbname = postgres_url.rsplit("/", 1)[1]
    with psycopg2.connect(host="127.0.0.1", port=postgres_server.port, user="postgres",
                          dbname=dbname) as conn, conn.cursor() as cur:
        cur.execute("SELECT t.number, t.state FROM trials t JOIN studies s USING (study_id) "
                    "WHERE s.study_name = 'rows' ORDER BY t.number")
        assert cur.fetchall() == [(0, "COMPLETE"), (1, "COMPLETE")]


def test_a_server_that_is_down_is_a_clear_error(postgres_server, tmp_path):
    from conformance._tiny import TINY, demo

    X, y = demo()
    url = f"postgresql://postgres:secret@127.0.0.1:{postgres_server.port + 1}/nothing"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match=r"Could not open the study storage postgresql\+psycopg2://"
                           r"postgres:\*\*\*@127\.0\.0\.1") as info:
            AutoML(**(TINY | {"storage": url, "runs_dir": str(tmp_path)})).fit(X, y)
    assert "secret" not in str(info.value)
    assert str(info.value).endswith(MSG_STORAGE_OPEN.split("}")[-1])
