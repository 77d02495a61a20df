"""Stop, Pause and Resume of the search a view shows: the same actions (and the same error when
there is no search) for the live view and the wizard."""

from __future__ import annotations

from typing import Any

from ..exceptions import InputError
from ._base import action

MSG_NO_SEARCH = "There is no search to {what}: start one first."


class SearchControls:
    """Mixed into a ``StreamWidget`` that keeps the search it shows in ``self._handle``."""

    _handle: Any = None

    def _search_handle(self, what: str) -> Any:
        if self._handle is None:
            raise InputError(MSG_NO_SEARCH.format(what=what))
        return self._handle

    @action(inline=True)
    def stop(self, args: dict | None = None, buffers: list | None = None) -> dict[str, str]:
        """Stop the search; the best model so far is refit (as the Stop button does)."""
        self._search_handle("stop").stop()
        return {"status": "stopping"}

    @action(inline=True)
    def pause(self, args: dict | None = None, buffers: list | None = None) -> dict[str, str]:
        """Pause the search: running trials finish, none start, the budget's clock stops."""
        self._search_handle("pause").pause()
        return {"status": "pausing"}

    @action(inline=True)
    def resume(self, args: dict | None = None, buffers: list | None = None) -> dict[str, str]:
        """Resume after ``pause``."""
        self._search_handle("resume").resume()
        return {"status": "resuming"}
