"""Warnings raised in a search's threads are logged, not shown; other threads' still show."""

from __future__ import annotations

import logging
import threading
import warnings

from jupyter_automl.search._quiet import search_warnings_logged


def _warn_in_thread(name: str, message: str) -> None:
    t = threading.Thread(target=warnings.warn, args=(message, UserWarning), name=name)
    t.start()
    t.join()


def test_a_search_threads_warning_is_logged_and_not_shown(shown, caplog):
    with caplog.at_level(logging.DEBUG, logger="jupyter_automl"), search_warnings_logged():
        _warn_in_thread("jupyter_automl-worker_0", "lbfgs did not converge")
        _warn_in_thread("jupyter_automl-refit_1", "batch size clipped")
    assert shown == []
    logged = [r.getMessage() for r in caplog.records]
    assert any("UserWarning: lbfgs did not converge" in m for m in logged)
    assert any("UserWarning: batch size clipped" in m for m in logged)


def test_other_threads_warnings_are_still_shown(shown):
    with search_warnings_logged():
        warnings.warn("the user's own warning", UserWarning, stacklevel=1)
        _warn_in_thread("MainWorker", "another thread of the user")
    assert shown == ["the user's own warning", "another thread of the user"]


def test_the_previous_hook_is_back_when_the_last_search_ends(shown):
    before = warnings.showwarning
    with search_warnings_logged():
        with search_warnings_logged():  # two searches at once
            pass
        assert warnings.showwarning is not before  # the first search still runs
        _warn_in_thread("jupyter_automl-worker_0", "hidden")
    assert warnings.showwarning is before
    _warn_in_thread("jupyter_automl-worker_0", "shown again")
    assert shown == ["shown again"]
