"""SearchSpace: the combined algorithm-selection and hyperparameter space of a problem.

A configuration is the flat dict of an Optuna trial's params: ``{"family": ..., "<family>.<param>": ...}``.
It is JSON-able, stored with the study, and ``build_pipeline`` turns it into a scikit-learn Pipeline.
"""

from __future__ import annotations

from typing import Any

import optuna
from sklearn.pipeline import Pipeline

from ...exceptions import InputError
from ...problem import Problem
from ._engineering import (
    ENGINEERING_MODES,
    MSG_ENGINEERING,
    engineered_variant,
    engineering_of,
    engineering_params,
    with_interactions,
)
from ._families import DEFAULT_FAMILIES, FAMILIES, LARGE_DATA_ROWS, Family
from ._params import Param, prefixed, suggest_all, unprefixed, with_defaults
from ._preprocessing import build_preprocessor
from ._selection import SELECTION_PARAMS, restricted, with_selection

FEATURE_SEARCHES = ("joint", "off", "sequential", "pseudo_joint")
MSG_FEATURE_SEARCH = ("The 'feature_search' parameter of AutoML must be one of {valid}. Got {got!r} "
                      "instead.")
MSG_FAMILIES = ("The 'families' parameter of AutoML must be None (the default families) or a "
                "non-empty list of {valid}. Got {got!r} instead.")


def resolve_families(families: object) -> list[Family]:
    """Validate a ``families`` argument; None means the default families (not the opt-in "nas")."""
    if families is None:
        return [FAMILIES[n] for n in DEFAULT_FAMILIES]
    if isinstance(families, str):
        families = [families]
    names = list(families) if isinstance(families, (list, tuple)) else None
    if not names or any(n not in FAMILIES for n in names):
        raise InputError(MSG_FAMILIES.format(valid=list(FAMILIES), got=families))
    return [FAMILIES[n] for n in FAMILIES if n in names]


def family_values(problem: Problem, params: dict[str, Any]) -> tuple[Family, dict[str, Any]]:
    """The family of a configuration and its complete (unprefixed) values."""
    family = FAMILIES[params["family"]]
    return family, with_defaults(family.params(problem), unprefixed(family.name, params))


def build_pipeline(problem: Problem, params: dict[str, Any], seed: int = 0, plugin: Any = None) -> Any:
    """The unfitted scikit-learn Pipeline of a configuration (wrapped by ``plugin`` if given)."""
    problem = restricted(problem, params)
    family, values = family_values(problem, params)
    preprocess = build_preprocessor(problem, family.style, seed=seed, engineering=engineering_of(values),
                                    **family.preprocessing_options(values, problem))
    model = with_interactions(family.estimator(values, problem, seed), values, problem)
    pipeline = Pipeline([("preprocess", with_selection(preprocess, values, problem, family.style, seed)),
                         ("model", model)])
    return pipeline if plugin is None else plugin.wrap(pipeline, params, problem)


class SearchSpace:
    """The families to search and their hyperparameters, for one problem.

    Parameters
    ----------
    problem : Problem
    families : list of str or None
        Names from ``FAMILIES``; None means ``DEFAULT_FAMILIES`` (all but the opt-in "nas").
    feature_search : {"joint", "off", "sequential", "pseudo_joint"}
        "joint": feature selection (``feature_fraction``, ``selector``) is searched with the
        family and its hyperparameters; otherwise it is not (the phased searches fix each trial's
        columns instead, see ``search/_feature_phase.py``).
    feature_engineering : {"search", "fixed"}
        "search": how date, text and high-cardinality columns are encoded (and, for linear models,
        spline bases and pairwise interactions) are searched too, where the table has such
        columns (see ``_engineering``); "fixed": every family keeps its fixed engineering.
    """

    def __init__(self, problem: Problem, families: object = None, plugin: Any = None,
                 feature_search: str = "joint", feature_engineering: str = "search"):
        if feature_search not in FEATURE_SEARCHES:
            raise InputError(MSG_FEATURE_SEARCH.format(valid=list(FEATURE_SEARCHES), got=feature_search))
        if feature_engineering not in ENGINEERING_MODES:
            raise InputError(MSG_ENGINEERING.format(valid=list(ENGINEERING_MODES), got=feature_engineering))
        self.problem = problem
        self.families = resolve_families(families)
        self.plugin = plugin
        self.feature_search = feature_search
        self.feature_engineering = feature_engineering

    def params(self, family: Family) -> list[Param]:
        """The params searched for ``family``: without the selection choices when it is off, and
        with the engineering choices unless the engineering is fixed."""
        params = family.params(self.problem)
        if self.feature_search != "joint":
            params = [p for p in params if p.name not in SELECTION_PARAMS]
        if self.feature_engineering == "search":
            params = params + engineering_params(self.problem, family.name, family.style)
        return params

    def completed(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with the default of every engineering choice it lacks: an enqueued default or
        warm-start configuration fixes only the params it names, and the sampler would draw the
        others, so the first trials would no longer build the fixed pipelines."""
        family = FAMILIES.get(params.get("family"))
        if family is None or self.feature_engineering != "search":
            return params
        values = unprefixed(family.name, params)
        extra = {}
        for p in engineering_params(self.problem, family.name, family.style):
            if p.name not in values and (p.active is None or p.active(values | extra)):
                extra[p.name] = p.default
        return params | prefixed(family.name, extra)

    @property
    def family_names(self) -> list[str]:
        return [f.name for f in self.families]

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Sample a configuration (define-by-run: only the chosen family's params exist)."""
        name = trial.suggest_categorical("family", self.family_names)
        family = FAMILIES[name]
        suggest_all(self.params(family), trial, name)
        if self.plugin is not None:
            self.plugin.suggest(trial, dict(trial.params))
        return dict(trial.params)

    def default_configs(self) -> list[dict[str, Any]]:
        """Known-good configurations, cheapest family first, to evaluate before sampling.

        Every family's first default comes first; on large data the costly families (forests,
        networks, k-NN, SVM) wait until the cheap ones have tried their second default too. When
        the engineering is searched and the table has date, text or many-level columns, the
        linear and boosting defaults are followed by a twin with the richer engineering
        (``engineered_variant``).
        """
        large = self.problem.n_rows > LARGE_DATA_ROWS
        ranked = []  # (rank, cost, config)
        for family in self.families:
            delay = 1 if large and family.cost >= 3 else 0
            # the linear family stays the first even on big tables: with a sparse one-hot input
            # it fits 33,000-300,000 rows x 50 columns 4-9x faster than boosting (0.4-4.4 s)
            for rank, values in enumerate(family.defaults(self.problem)):
                ranked.append((rank + delay, family.cost,
                               {"family": family.name} | prefixed(family.name, values)))
                twin = engineered_variant(self.problem, family.name, family.style) \
                    if rank == 0 and self.feature_engineering == "search" else {}
                if twin:
                    ranked.append((rank + delay, family.cost + 0.5,
                                   {"family": family.name} | prefixed(family.name, values | twin)))
        extra = self.plugin.default_params() if self.plugin is not None else {}
        return [config | extra for _, _, config in sorted(ranked, key=lambda r: r[:2])]

    def describe(self) -> list[dict[str, Any]]:
        """A JSON-able description of the space, for the UI and reports."""
        return [{"name": f.name, "label": f.label, "help": f.help,
                 "params": [p.describe() for p in self.params(f)]} for f in self.families]
