"""Warnings raised in the search's own threads are logged, not shown.

A search fits hundreds of models in background threads. scikit-learn warns about some of them
(a network stopped at ``max_iter``, a batch larger than a small fold, a column constant within a
fold). Shown, these would print under whatever cell the user runs next, many times over, about
models the user never chose. While a search runs they go to the library logger at DEBUG
instead; warnings from every other thread are shown as before.

``warnings.catch_warnings`` cannot do this: its filters are process-wide, so a worker entering
it would change the warnings of the user's own code too (context-aware warnings came in Python
3.14, behind ``sys.flags.context_aware_warnings``: CPython gh-128384). ``warnings.showwarning``
is the documented hook for where a warning goes. Filters still apply first, so an "error" filter still turns a warning into an
exception, which fails that trial with its reason.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from .._logging import get_logger

_log = get_logger(__name__)

#: names of the threads a search runs its units in (see executors and SearchHandle)
SEARCH_THREAD_PREFIXES = (
    "jupyter_automl-worker",
    "jupyter_automl-refit",
    "jupyter_automl-coordinator",
)

_lock = threading.Lock()
_n_searches = 0
_ORIGINAL = warnings.showwarning
_previous = None  # the showwarning that was in place when the first running search started


def in_search_thread() -> bool:
    """Whether the calling thread is one of a search's threads."""
    return threading.current_thread().name.startswith(SEARCH_THREAD_PREFIXES)


def _showwarning(message, category, filename, lineno, file=None, line=None):
    if in_search_thread():
        _log.debug("warning in a search thread: %s: %s (%s:%s)", category.__name__, message,
                   filename, lineno)
        return
    (_previous or _ORIGINAL)(message, category, filename, lineno, file, line)


@contextmanager
def search_warnings_logged() -> Iterator[None]:
    """While this is entered (by each running search), search threads' warnings are logged."""
    global _n_searches, _previous
    with _lock:
        if _n_searches == 0:
            _previous = warnings.showwarning
            warnings.showwarning = _showwarning
        _n_searches += 1
    try:
        yield
    finally:
        with _lock:
            _n_searches -= 1
            if _n_searches == 0:
                if warnings.showwarning is _showwarning:  # unless someone replaced it since
                    warnings.showwarning = _previous
                _previous = None
