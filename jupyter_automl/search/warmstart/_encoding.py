"""Configurations as numbers for the meta-model, and whether a stored one still fits the space.

A configuration is the flat dict of a trial's params (``{"family": ..., "<family>.<param>": ...}``).
The encoding has one column per family (one-hot), then one per numeric parameter (its position
in its range, on a log scale where the space samples on one) and one per choice of each
categorical parameter. A parameter the configuration does not have (another family's, or an
inactive conditional one) is ``MISSING`` (-1), below every real position: the meta-model's trees
split it off, which is the "missing" indicator without extra columns. (Not NaN: a column that is
missing in every training row, as elastic net's l1_ratio among classifiers, breaks the trees'
binning.)

The spec (families, parameters, ranges) is written into the shipped knowledge, so a model
trained on it reads configurations the same way after the engine's space has changed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...problem import Problem
from ..space import FAMILIES, engineering_params

MISSING = -1.0
Spec = list[dict[str, Any]]
"""One entry per parameter: family, name, kind, low, high, log, choices."""


def space_spec(problems: list[Problem], families: list[str]) -> Spec:
    """The union of the parameters of ``families`` over ``problems`` (one per task kind)."""
    spec: Spec = []
    seen: set[tuple[str, str]] = set()
    for problem in problems:
        for name in families:
            for p in FAMILIES[name].params(problem):
                if (name, p.name) in seen:
                    continue
                seen.add((name, p.name))
                spec.append({"family": name, "name": p.name, "kind": p.kind, "low": p.low,
                             "high": p.high, "log": p.log, "choices": list(p.choices)})
    return spec


class ConfigEncoder:
    """Turns configurations into fixed-length vectors, following a ``Spec``.

    Parameters
    ----------
    families : list of str
        The families of the one-hot block, in order.
    spec : list of dict
        From ``space_spec``.

    Examples
    --------
    >>> spec = [{"family": "linear", "name": "C", "kind": "float", "low": 1e-4, "high": 1e3,
    ...          "log": True, "choices": []}]
    >>> enc = ConfigEncoder(["linear", "knn"], spec)
    >>> enc.names
    ['family=linear', 'family=knn', 'linear.C']
    >>> enc.encode({"family": "linear", "linear.C": 1.0}).round(3).tolist()
    [1.0, 0.0, 0.571]
    """

    def __init__(self, families: list[str], spec: Spec):
        self.families = list(families)
        self.spec = spec
        names = [f"family={f}" for f in self.families]
        for p in spec:
            key = f"{p['family']}.{p['name']}"
            if p["kind"] == "categorical":
                names += [f"{key}={c}" for c in p["choices"]]
            else:
                names.append(key)
        self.names = names

    def encode(self, params: dict[str, Any]) -> np.ndarray:
        """One configuration as a vector (``len(self.names)``)."""
        family = params.get("family")
        out = [float(family == f) for f in self.families]
        for p in self.spec:
            value = params.get(f"{p['family']}.{p['name']}")
            if p["kind"] == "categorical":
                if value is None:
                    out += [MISSING] * len(p["choices"])
                else:
                    out += [float(_same(value, c)) for c in p["choices"]]
            else:
                out.append(MISSING if value is None else _position(float(value), p))
        return np.array(out, dtype=float)

    def encode_many(self, configs: list[dict[str, Any]]) -> np.ndarray:
        """Several configurations as rows of a matrix."""
        if not configs:
            return np.zeros((0, len(self.names)))
        return np.vstack([self.encode(c) for c in configs])


def _same(a: Any, b: Any) -> bool:
    # JSON turns True into true and tuples into lists; compare as text when types differ
    return a == b if type(a) is type(b) else str(a) == str(b)


def _position(value: float, p: dict[str, Any]) -> float:
    low, high = float(p["low"]), float(p["high"])
    if p["log"]:
        value, low, high = (math.log(max(v, 1e-300)) for v in (value, low, high))
    return (value - low) / (high - low) if high > low else 0.0


def valid_for_space(params: dict[str, Any], problem: Problem, families: list[str]) -> dict[str, Any] | None:
    """``params`` completed for today's space, or None when it no longer fits it.

    None when its family is not searched, a parameter no longer exists, or a value is outside
    today's range or choices (k-NN's neighbours are bounded by the fold size, for instance).
    Parameters the configuration lacks and today's space has are filled with their defaults,
    so the trial that is enqueued is exactly the configuration that was ranked.

    Examples
    --------
    >>> import pandas as pd
    >>> from jupyter_automl.problem import analyze
    >>> X = pd.DataFrame({"a": range(40)}); X["a"] = X["a"] % 7
    >>> problem, _, _ = analyze(X, pd.Series([0, 1] * 20), cv=2, check_leakage=False)
    >>> valid_for_space({"family": "linear", "linear.C": 2.0}, problem, ["linear"])["linear.C"]
    2.0
    >>> valid_for_space({"family": "linear", "linear.gone": 1}, problem, ["linear"]) is None
    True
    """
    name = params.get("family")
    if name not in families or name not in FAMILIES:
        return None
    declared = {p.name: p for p in FAMILIES[name].params(problem)}
    # engineering choices are valid where today's table has their kind of column; left out when
    # missing (the search fills them in when it enqueues, see SearchSpace.completed)
    engineering = {p.name: p for p in engineering_params(problem, name, FAMILIES[name].style)}
    values: dict[str, Any] = {}
    for key, value in params.items():
        if key == "family":
            continue
        family, _, pname = key.partition(".")
        p = declared.get(pname) or engineering.get(pname)
        if family != name or p is None:
            return None
        if p.kind == "categorical":
            match = [c for c in p.choices if _same(value, c)]
            if not match:
                return None
            value = match[0]
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            if not (p.low <= value <= p.high):
                return None
            value = int(value) if p.kind == "int" else float(value)
        values[pname] = value
    for p in declared.values():  # active parameters the stored configuration lacks
        if p.name not in values and (p.active is None or p.active(values)):
            values[p.name] = p.default
    return {"family": name} | {f"{name}.{k}": v for k, v in values.items()}
