"""Storage calls retried while a database is unreachable (search/_retry.py)."""

from __future__ import annotations

import time

import optuna
import pytest
import sqlalchemy.exc

from jupyter_automl.exceptions import StorageUnavailableError
from jupyter_automl.search._retry import MSG_UNAVAILABLE, call_with_retries, is_transient


def _down() -> sqlalchemy.exc.OperationalError:
    return sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))


def test_connection_errors_are_transient_also_when_optuna_wraps_them():
    try:
        try:
            raise _down()
        except sqlalchemy.exc.OperationalError as exc:
            raise optuna.exceptions.StorageInternalError("An exception is raised during the commit.") from exc
    except optuna.exceptions.StorageInternalError as wrapped:
        assert is_transient(wrapped)
    assert not is_transient(ValueError("bad value"))
    assert not is_transient(sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate")))


def test_a_call_is_retried_until_the_database_answers():
    calls = []

    def flaky():
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise _down()
        return "ok"

    assert call_with_retries(flaky, what="reading", retry_seconds=10) == "ok"
    assert len(calls) == 3 and calls[2] - calls[1] > calls[1] - calls[0]  # backoff grows


def test_a_database_that_stays_down_is_a_clear_error():
    def down():
        raise _down()

    t0 = time.monotonic()
    with pytest.raises(StorageUnavailableError) as info:
        call_with_retries(down, what="writing a trial's result", url="postgresql://u:***@db/x",
                          retry_seconds=1.0)
    assert time.monotonic() - t0 < 3
    text = str(info.value)
    assert text.startswith("The study storage postgresql://u:***@db/x did not answer for")
    assert "writing a trial's result: (sqlalchemy.exc.OperationalError)" not in text  # the cause, not the wrapper
    assert "server closed the connection" in text and text.endswith(MSG_UNAVAILABLE.split("}")[-1])


def test_other_errors_are_not_retried():
    calls = []

    def bad():
        calls.append(1)
        raise ValueError("value too long")

    with pytest.raises(ValueError):
        call_with_retries(bad, what="writing")
    assert calls == [1]


# -- the writer -----------------------------------------------------------------------------------
