"""SearchPlugin: extend a search with extra params, a model wrapper and extra objectives.

A plugin turns the search multi-objective (the metric plus ``objective_names``): Optuna then
keeps a Pareto front, pruning and ensembling are off, and ``choose`` picks the default model
among the Pareto-optimal trials. The fairness-aware search is built on this hook
(``jupyter_automl.insight.fairness_plugin``).

Plugins must pickle: ``suggest``/``wrap`` also run in worker processes and on Dask workers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import optuna

    from ..problem import Problem
    from ._trials import TrialRecord

PREFIX = "plugin."


class SearchPlugin:
    """Base class: a plugin that changes nothing. Subclasses override what they need.

    Lifecycle: built once per ``fit``; ``suggest`` and ``default_params`` on the coordinator
    thread; ``wrap`` in workers, each time a pipeline is built; ``evaluate`` and ``choose`` on the
    coordinator thread.
    """

    objective_names: tuple[str, ...] = ()
    objective_directions: tuple[str, ...] = ()

    def suggest(self, trial: optuna.Trial, params: dict[str, Any]) -> None:
        """Sample extra params on ``trial`` (names must start with ``"plugin."``)."""

    def default_params(self) -> dict[str, Any]:
        """Values of the extra params for the default configurations."""
        return {}

    def wrap(self, model: Any, params: dict[str, Any], problem: Problem) -> Any:
        """Wrap the built (unfitted) Pipeline; keep ``fit``, ``predict``, ``predict_proba``, ``classes_``."""
        return model

    def evaluate(self, y: np.ndarray, oof_pred: np.ndarray, rows: np.ndarray) -> list[float]:
        """Extra objective values of a finished trial from its out-of-fold predictions.

        ``rows`` are the indices (into the training rows) of ``y`` and ``oof_pred``.
        """
        return []

    def choose(self, records: list[TrialRecord]) -> TrialRecord:
        """The default model among the Pareto-optimal finished trials (first: best metric)."""
        return records[0]

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary stored with the study."""
        return {"plugin": type(self).__name__, "objectives": list(self.objective_names)}
