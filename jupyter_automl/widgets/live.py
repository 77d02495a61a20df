"""LiveSearch: the live view of one running search (progress, chart, leaderboard, failures)."""

from __future__ import annotations

from typing import Any

import traitlets as t

from ..search.space import FAMILIES
from ._base import StreamWidget, bundle
from ._controls import MSG_NO_SEARCH, SearchControls

__all__ = ["MSG_NO_SEARCH", "LiveSearch", "family_labels"]


def family_labels() -> dict[str, str]:
    """Model family name -> the label people read ("gradient_boosting" -> "Gradient boosting")."""
    return {name: family.label for name, family in FAMILIES.items()}


class LiveSearch(SearchControls, StreamWidget):
    """Watch and control a search started with ``AutoML.fit_async``.

    Trial scores stream into a chart (colour per model family, best-so-far line, hover or
    arrow keys show a trial's configuration), a leaderboard and a list of failed trials, with
    a progress bar and Pause / Stop buttons. Updates reach the browser at most 10 times a second;
    the kernel stays free for other cells.

    Parameters
    ----------
    handle : SearchHandle, optional
        What ``AutoML.fit_async`` returned. Use ``attach`` to watch a later search.
    controls : bool, default=True
        Show the Pause / Resume and Stop buttons.

    Examples
    --------
    >>> from jupyter_automl import AutoML
    >>> from jupyter_automl.datasets import load_demo
    >>> from jupyter_automl.widgets import LiveSearch
    >>> X, y, _ = load_demo("breast_cancer")
    >>> handle = AutoML(time_budget=None, n_trials=2, families=["linear"], storage="memory",
    ...                 n_jobs=1).fit_async(X, y)
    >>> view = LiveSearch(handle)   # display it in a notebook cell
    >>> handle.wait()
    True
    >>> view.wait_idle() and view.status
    'finished'
    >>> view.close()
    """

    _esm = bundle("live.js")
    _css = bundle("styles.css")
    controls = t.Bool(True).tag(sync=True)
    families = t.Dict().tag(sync=True)  # name -> label, for the legend

    def __init__(self, handle: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.families = family_labels()
        self._handle = None
        if handle is not None:
            self.attach(handle)

    def attach(self, handle: Any) -> None:
        """Watch ``handle`` (a SearchHandle) instead of the current search."""
        self._handle = handle
        self._bridge.attach(handle)

    @property
    def handle(self) -> Any:
        """The SearchHandle being watched (None before ``attach``)."""
        return self._handle
