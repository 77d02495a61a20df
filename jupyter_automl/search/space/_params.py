"""Declarative hyperparameters: a Param says its range; ``suggest`` asks an Optuna trial for it.

Names are prefixed with the family (``"gradient_boosting.learning_rate"``) so one flat,
JSON-able dict of trial params describes a whole configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import optuna

from ...nn import SpaceParam


@dataclass(frozen=True)
class Param(SpaceParam):
    """One hyperparameter. ``active(values)`` decides, from the values sampled before it, if it applies."""

    def suggest(self, trial: optuna.Trial, prefix: str) -> Any:
        return super().suggest(trial, f"{prefix}.")

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "kind": self.kind, "default": self.default,
                             "help": self.help, "conditional": self.active is not None}
        if self.kind == "categorical":
            d["choices"] = list(self.choices)
        else:
            d.update(low=self.low, high=self.high, log=self.log)
        return d


def suggest_all(params: list[Param], trial: optuna.Trial, prefix: str) -> dict[str, Any]:
    """Suggest every active param in order; return the values without prefix."""
    values: dict[str, Any] = {}
    for p in params:
        if p.active is None or p.active(values):
            values[p.name] = p.suggest(trial, prefix)
    return values


def with_defaults(params: list[Param], values: dict[str, Any]) -> dict[str, Any]:
    """Fill params that were not sampled (inactive, or from an older space) with their defaults."""
    return {p.name: values.get(p.name, p.default) for p in params} | values


def prefixed(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}.{k}": v for k, v in values.items()}


def unprefixed(prefix: str, params: dict[str, Any]) -> dict[str, Any]:
    head = prefix + "."
    return {k[len(head):]: v for k, v in params.items() if k.startswith(head)}
