"""SearchHandle: what ``fit_async`` returns. Shaped like ``concurrent.futures.Future`` plus control."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..events import Event, EventBus
from ._coordinator import Coordinator
from ._epochs import learning_curves_frame
from ._faster import select_faster
from ._final_model import SearchResult
from ._pareto import pareto_frame, refit_trial
from ._trials import leaderboard_frame

STOP_GRACE = 2.0


class SearchHandle:
    """A running (or finished) search.

    Thread-safe. ``stop()`` returns at once (the search ends within a fraction of a second and
    then refits the best model found so far); ``wait()`` blocks until the model is ready.
    """

    def __init__(self, owner: Any, coordinator: Coordinator, bus: EventBus):
        self._owner = owner
        self._coordinator = coordinator
        self._bus = bus
        self._thread = threading.Thread(target=coordinator.run, name="jupyter_automl-coordinator",
                                        daemon=True)

    def start(self) -> SearchHandle:
        """Start the coordinator thread (``start_search`` does)."""
        self._thread.start()
        return self

    # -- control -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop starting trials; finished trials are kept and the best model so far is refit."""
        self._coordinator.stop()

    def pause(self) -> None:
        """Start no new work (running units finish); the time budget's clock is paused too."""
        self._coordinator.pause()

    def resume(self) -> None:
        """Continue after ``pause``."""
        self._coordinator.resume()

    # -- Future-like -------------------------------------------------------------------------

    def done(self) -> bool:
        """True when the search ended (with a model or an error)."""
        return self._coordinator.done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the search ends or ``timeout`` seconds pass; return ``done()``.

        Ctrl-C (KeyboardInterrupt) while waiting stops the search and still waits for the model.
        """
        try:
            return self._coordinator.done.wait(timeout)
        except KeyboardInterrupt:
            self.stop()
            return self._coordinator.done.wait()

    def result(self, timeout: float | None = None) -> Any:
        """The fitted AutoML; raises the search's error if it failed, TimeoutError if not done."""
        if not self.wait(timeout):
            raise TimeoutError(f"the search did not end within {timeout} s")
        if self._coordinator.error is not None:
            raise self._coordinator.error
        return self._owner

    @property
    def search_result(self) -> SearchResult | None:
        """The chosen model and how it was chosen, once the search has finished."""
        return self._coordinator.result

    def exception(self, timeout: float | None = None) -> BaseException | None:
        if not self.wait(timeout):
            raise TimeoutError(f"the search did not end within {timeout} s")
        return self._coordinator.error

    # -- observation -------------------------------------------------------------------------

    def subscribe(self, fn: Callable[[Event], None], *, replay: bool = True) -> Callable[[], None]:
        """Call ``fn(event)`` on the coordinator thread for each event (past ones first if ``replay``).

        ``fn`` must be quick and must not block. Returns a function that unsubscribes.
        """
        return self._bus.subscribe(fn, replay=replay)

    def events(self, since: int = 0) -> list[Event]:
        """Events with ``seq > since``."""
        return self._bus.events(since)

    @property
    def status(self) -> str:
        """starting, searching, paused, refitting, finished or failed."""
        return self._coordinator.status

    def progress(self) -> dict[str, Any]:
        """A snapshot for progress bars: status, times, counts and the best score so far.
        ``n_inherited`` counts the supernet's rows among the pruned ones (``nas="supernet"``: the
        supernet and the sub-networks scored with its weights, never trained on their own)."""
        c = self._coordinator
        budget = c.settings.time_budget
        elapsed = c.elapsed()
        best = c.records.get(c.best_number) if c.best_number is not None else None
        return {
            "status": c.status,
            "elapsed": round(elapsed, 2),
            "time_budget": budget,
            "remaining": None if budget is None else round(max(0.0, budget - elapsed), 2),
            **{f"n_{k}": v for k, v in c.counts().items()},
            "n_inherited": sum(r.inherited_weights for r in list(c.records.values())),
            "n_trials": c.settings.n_trials,
            "best_trial": None if best is None else best.number,
            "best_score": None if best is None else best.score,
            "metric": c.metric.name,
        }

    def leaderboard(self, result: SearchResult | None = None, sort_by: str | None = None) -> pd.DataFrame:
        """The live leaderboard (see ``AutoML.leaderboard``); ``ensemble_weight`` from ``result``
        (default: the search's own result); ranked by ``sort_by`` (default: the score)."""
        c = self._coordinator
        result = result or c.result
        weights = dict(zip(result.members, result.weights, strict=True)) if result else None
        return leaderboard_frame(list(c.records.values()), c.metric, weights, sort_by=sort_by)

    def learning_curves(self) -> pd.DataFrame:
        """The networks' learning curves so far: each "nas" trial's validation score after every
        epoch of its first fold (``LEARNING_CURVE_COLUMNS``: trial, family, status, epoch, score).

        A trial appears once its first fold is scored (every later fold trains to the end); a
        network stopped at an epoch rung has a shorter curve and status ``pruned``. Safe to call
        while the search runs. Empty when the search has no network (no "nas" family).

        Examples
        --------
        >>> from jupyter_automl import AutoML
        >>> from jupyter_automl.datasets import load_demo
        >>> X, y, _ = load_demo("breast_cancer")
        >>> automl = AutoML(families=["linear"], n_trials=1, time_budget=None, storage="memory",
        ...                 executor="sync").fit(X, y)
        >>> list(automl.handle_.learning_curves().columns)
        ['trial', 'family', 'status', 'epoch', 'score']
        """
        return learning_curves_frame(list(self._coordinator.records.values()))

    # -- multi-objective searches ---------------------------------------------------------------

    def pareto_front(self, chosen: int | None = None) -> pd.DataFrame:
        """The Pareto-optimal trials of a fairness-aware search (``FRONT_COLUMNS``); ``chosen``
        marks the trial that is the model."""
        return pareto_frame(self._coordinator, chosen)

    def select_trial(self, number: int, result: SearchResult | None = None) -> SearchResult:
        """Refit trial ``number`` on every row; the SearchResult that makes it the model
        (``result``, default the search's own, gives the rest: reason, notes...)."""
        return refit_trial(self._coordinator, result or self._coordinator.result, number)

    def select_faster(self, tolerance: float, result: SearchResult | None = None) -> SearchResult:
        """Refit the trial that predicts fastest among those within ``tolerance`` (a share) of
        ``result``'s score (default: the search's own result); the SearchResult that makes it
        the model."""
        return select_faster(self._coordinator, result or self._coordinator.result, tolerance)

    @property
    def study(self):
        """The Optuna study (read it, don't write to it while the search runs)."""
        return self._coordinator.study

    def __repr__(self) -> str:
        p = self.progress()
        return (f"<SearchHandle {self._coordinator.store.name}: {p['status']}, "
                f"{p['n_finished']} finished, best {p['metric']}={p['best_score']}>")
