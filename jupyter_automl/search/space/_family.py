"""The Family base class: what every model family declares (its own module so that families
defined elsewhere, like ``_nas``, and the registry in ``_families`` can both import it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...problem import Problem
from ._params import Param


@dataclass(frozen=True)
class Family:
    """A model family. Subclasses fill in the params, the defaults and ``estimator``."""

    name: str
    label: str
    style: str  # preprocessing style, see _preprocessing
    help: str
    cost: int = 1  # rough relative cost, orders the default trials (cheap first)
    # a fit's fixed cost in rows' worth: prices a refit on all rows from a small row rung (see
    # search._budget.refit_scale); 0: the fit grows as its rows (the safe guess)
    fixed_cost_rows: int = 0

    def params(self, problem: Problem) -> list[Param]:
        raise NotImplementedError

    def defaults(self, problem: Problem) -> list[dict[str, Any]]:
        """Known-good configurations, tried before the sampler takes over."""
        return [{p.name: p.default for p in self.params(problem) if p.active is None}]

    def estimator(self, values: dict[str, Any], problem: Problem, seed: int) -> Any:
        raise NotImplementedError

    def preprocessing_options(self, values: dict[str, Any], problem: Problem) -> dict[str, Any]:
        return {}

    def cost_factor(self, values: dict[str, Any]) -> float:
        """Rough fit cost of ``values`` relative to the family's first default (for the budget)."""
        return 1.0
