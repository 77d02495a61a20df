"""The warm start of one search: which configurations it tries first, and why, in words.

Planned on the coordinator thread just before the first trial (so ``fit_async`` returns at
once): meta-features of the training table, the shipped knowledge plus the user's finished
studies, and the meta-model's order. The meta-features are stored with a new study, so later
searches can learn from this one too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

import numpy as np

from .._logging import get_logger
from ._objective import TrainingData
from ._trials import SPACE_DEFAULT
from .space import FEATURE_SET

_log = get_logger(__name__)
N_WARM_START = 8  # configurations tried first
# a first configuration whose cross-validation should take more than this share of the time
# budget (on the corpus's time scale: see warmstart/_cost.py) waits until the cheaper ones have run
AFFORDABLE_SHARE = 0.8
FAR_BEYOND_CORPUS_ROWS = 15_000  # 10 x the reference corpus's largest table: see n_defaults_first


@dataclass
class WarmPlan:
    """What the warm start decided: configurations (params, predicted score, source) and a line
    for people ("warm start from N reference datasets and M of your earlier studies")."""

    configs: list[dict[str, Any]] = field(default_factory=list)
    n_reference: int = 0
    n_studies: int = 0
    text: str = ""
    # expected fold and cross-validation seconds of configurations (on the corpus's time scale),
    # and the most a first configuration's cross-validation may take
    fold_seconds: Callable[[list[dict[str, Any]]], np.ndarray] | None = None
    cv_seconds: Callable[[list[dict[str, Any]]], np.ndarray] | None = None
    affordable_seconds: float | None = None

    def first_fold_guess(self, params: dict[str, Any],
                         measured: list[tuple[dict[str, Any], float]] = ()) -> float | None:
        """Seconds one fold of ``params`` should take in this search, before any trial of its
        family has run; None if not priced. ``measured``: (params, seconds of a first fold) of
        trials that ran here. Their measured over priced times (median) say how much faster this
        machine and table run than the corpus (adult: its linear baseline 5 times faster), so the
        price is scaled by that; without any, by the corpus's typical pessimism."""
        from .warmstart._cost import CORPUS_TIME_SCALE, SPEED_RANGE

        if self.fold_seconds is None:
            return None
        prices = self.fold_seconds([params] + [p for p, _ in measured])
        if not np.isfinite(prices[0]):
            return None
        ratios = [s / p for (_, s), p in zip(measured, prices[1:], strict=True)
                  if np.isfinite(p) and p > 0 and s > 0]
        speed = float(np.clip(np.median(ratios), *SPEED_RANGE)) if ratios else 1 / CORPUS_TIME_SCALE
        return float(prices[0]) * speed

    def as_event(self) -> dict[str, Any]:
        return {"configs": self.configs, "n_reference": self.n_reference,
                "n_studies": self.n_studies, "text": self.text}


def plan_warm_start(option: Any, data: TrainingData, families: list[str], study: Any,
                    runs_dir: str, study_name: str | None, time_budget: float | None = None,
                    n_workers: int = 1) -> WarmPlan | None:
    """The warm start for this search, or None when ``option`` is False.

    ``option``: True (the shipped knowledge and the runs folder's studies) or a
    ``warmstart.Knowledge`` (e.g. one that never saw this dataset, for a benchmark). The study
    gets the table's meta-features (``METAFEATURES_ATTR``) whether or not warm start is on.
    With a ``time_budget``, first configurations expected to take more than
    ``AFFORDABLE_SHARE`` of it (their folds spread over ``n_workers``) come after the others.
    """
    try:
        return _plan(option, data, families, study, runs_dir, study_name, time_budget, n_workers)
    except Exception:  # the search goes on cold: a warm start only orders the first trials
        _log.exception("warm start failed; the search starts from its defaults")
        return None


def _plan(option: Any, data: TrainingData, families: list[str], study: Any, runs_dir: str,
          study_name: str | None, time_budget: float | None, n_workers: int) -> WarmPlan | None:
    from .warmstart import (
        METAFEATURES_ATTR,
        Knowledge,
        compute_metafeatures,
        metafeatures_attr,
    )

    problem, X, y = data.problem, data.X, data.y
    features = compute_metafeatures(X, y, problem, seed=data.seed)
    if METAFEATURES_ATTR not in study.user_attrs:
        study.set_user_attr(METAFEATURES_ATTR, metafeatures_attr(problem, X, y, features=features,
                                                                   seed=data.seed))
    if option is False or option is None:
        return None
    knowledge = option if isinstance(option, Knowledge) else Knowledge.load(
        runs_dir=runs_dir, exclude_studies=(study_name,) if study_name else ())
    warm = knowledge.warm_start(problem, families=families, n=N_WARM_START, metafeatures=features,
                                seed=data.seed)
    configs = [{"params": c.params, "predicted_score": round(float(c.predicted_score), 4),
                "source": c.source} for c in warm]
    kind = "regression" if problem.task == "regression" else "classification"
    info = knowledge.describe()["by_task_kind"][kind]
    n_ref, n_studies = int(info["reference_datasets"]), int(info["your_studies"])
    studies = f" and {n_studies} of your earlier studies" if n_studies else ""
    before = "a quick baseline" if n_defaults_first(problem) == 1 else "a quick baseline and a second default"
    text = (f"Warm start from {n_ref} reference datasets{studies}: after {before}, "
            f"{len(configs)} configurations that did well on the most similar data come first, "
            "alternating with the defaults.")
    plan = WarmPlan(configs, n_ref, n_studies, text)
    # row-rung tables are left out: their trials stop at a small rung first, the price is all rows
    if time_budget is not None and problem.splits.kind != "rows":
        n_folds = problem.splits.n_folds
        waves = np.ceil(n_folds / max(1, min(n_workers, n_folds)))  # folds run side by side
        plan.affordable_seconds = AFFORDABLE_SHARE * time_budget
        plan.fold_seconds = knowledge.pricer(problem, features)
        plan.cv_seconds = lambda params: waves * plan.fold_seconds(params)
        # the list people see (the wizard's "first configurations") in the order they will run
        affordable = plan.cv_seconds([c["params"] for c in configs]) <= plan.affordable_seconds
        plan.configs = [c for c, a in zip(configs, affordable, strict=True) if a] + \
            [c for c, a in zip(configs, affordable, strict=True) if not a]
        plan.text += (f" Within {time_budget:g} s, configurations expected to take more than "
                      f"{AFFORDABLE_SHARE:.0%} of it wait for the cheaper ones.")
    return plan


def first_configs(plan: WarmPlan | None, defaults: list[dict[str, Any]],
                  tried: list[dict[str, Any]], complete: Any = None,
                  defaults_first: int = 1) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(params, trial user attrs) of the first trials, leaving out what ``tried`` holds: the
    space's first default (the quickest baseline, as a cold search starts), then the warm start's
    configurations alternating with the other defaults -- a hedge: a meta-model that misjudges
    this table costs half the early trials, not all of them. ``complete`` (``SearchSpace.completed``)
    gives each configuration the params it leaves to their defaults, before comparing with ``tried``.
    ``defaults_first`` defaults come before the first warm-start configuration (see
    ``n_defaults_first``)."""
    warm = [(c["params"], {"warm_start": c["source"], "predicted_score": c["predicted_score"]})
            for c in (plan.configs if plan else [])]
    cold = [(config, {SPACE_DEFAULT: True}) for config in defaults]
    ordered = cold[:defaults_first] + [pair for both in zip_longest(warm, cold[defaults_first:])
                                       for pair in both if pair]
    # a phased feature search's trials differ only by their columns (FEATURE_SET): the same config
    first, seen = [], [{k: v for k, v in t.items() if k != FEATURE_SET} for t in tried]
    for params, attrs in ordered:
        params = complete(params) if complete is not None else params
        if params not in seen:
            seen.append(params)
            first.append((params, attrs))
    return _affordable_first(plan, first, defaults_first if not tried else 0)


def _affordable_first(plan: WarmPlan | None, first: list[tuple[dict[str, Any], dict[str, Any]]],
                      keep: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``first`` with the configurations expected to take more than the plan's affordable
    seconds moved after the others (each group in its order); the first ``keep`` stay put."""
    if plan is None or plan.cv_seconds is None or plan.affordable_seconds is None or len(first) <= keep:
        return first
    seconds = plan.cv_seconds([params for params, _ in first[keep:]])
    # not priced (a family the corpus never ran, such as networks): not promoted either
    dear = ~(seconds <= plan.affordable_seconds)
    rest = first[keep:]
    return (first[:keep] + [x for x, d in zip(rest, dear, strict=True) if not d]
            + [x for x, d in zip(rest, dear, strict=True) if d])


def n_defaults_first(problem: Any) -> int:
    """How many defaults start a search before the warm start's first configuration: the
    baseline, and on tables far larger than the reference corpus's (``FAR_BEYOND_CORPUS_ROWS``,
    and every table with row rungs) the next default too. The corpus's tables have at most 1,500
    rows: that far beyond them the meta-model extrapolates, and with few trials in a budget a
    misjudged first pick costs the most (1M rows, 60 s: its boosting configuration scored 0.929
    ROC AUC on 300,000 rows, while the default boosting, stopped for time, had 0.986 on the first
    rung; adult, 36,000 rows, 5 s: the warm start's boosting 0.914 with the baseline, the default
    boosting 0.930 when a search got to it)."""
    return 2 if problem.splits.kind == "rows" or problem.n_rows >= FAR_BEYOND_CORPUS_ROWS else 1
