"""``start_search``: assemble one search (space, executor, study, coordinator) and start it.

The facade validates its parameters and prepares the data; everything between that and a
running coordinator thread happens here, so the facade imports no private module of ``search``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..events import EventBus
from ..problem import Problem, TrainingFrame
from ._coordinator import Coordinator, SearchSettings
from ._final_model import SearchResult
from ._handle import SearchHandle
from ._objective import TrainingData
from ._samplers import make_pruner, make_sampler
from ._storage import data_fingerprint, open_study
from ._supernet_phase import resolve_nas_mode
from ._warm_plan import WarmPlan, plan_warm_start
from .executors import make_executor
from .space import SearchSpace


@dataclass(frozen=True)
class SearchOptions:
    """How to search: ``AutoML``'s settings that the search itself uses."""

    time_budget: float | None = 60
    n_trials: int | None = None
    seed: int = 0
    n_jobs: int = -1
    families: Any = None
    storage: Any = None
    study_name: str | None = None
    ensemble: bool = True
    sampler: str = "tpe"
    pruner: str = "auto"
    executor: Any = "threads"
    dask_client: Any = None
    trial_timeout: float | None = None
    memory_limit: int | None = None
    runs_dir: str = "automl_runs"
    max_predict_ms: float | None = None
    warm_start: Any = True  # True, False, or a warmstart.Knowledge
    feature_search: str = "joint"  # see SearchSpace
    nas: str = "standard"  # "supernet": see _supernet_phase
    feature_engineering: str = "search"  # see SearchSpace


def start_search(problem: Problem, data: TrainingFrame, options: SearchOptions, *,
                 owner: Any = None, plugin: Any = None,
                 on_result: Callable[[SearchResult], None] | None = None,
                 t_start: float | None = None) -> SearchHandle:
    """Start a search in a background thread and return its handle.

    Parameters
    ----------
    problem : Problem
    data : TrainingFrame
        The training rows (``jupyter_automl.problem.prepare_training``).
    options : SearchOptions
    owner : object, optional
        What ``handle.result()`` returns once the search succeeded (the ``AutoML``).
    plugin : SearchPlugin, optional
        Extra params, a model wrapper and extra objectives (the fairness-aware search).
    on_result : callable, optional
        Called with the ``SearchResult`` on the coordinator thread when the model is ready.
    t_start : float, optional
        ``time.monotonic()`` from which the time budget counts (default: now).

    Raises
    ------
    InputError
        A bad option (families, sampler, executor, storage...) or a stored study made for other
        data or settings.
    """
    t_start = time.monotonic() if t_start is None else t_start
    space = SearchSpace(problem, options.families, plugin=plugin, feature_search=options.feature_search,
                        feature_engineering=options.feature_engineering)
    nas = resolve_nas_mode(options.nas, space.family_names)
    executor = make_executor(options.executor, options.n_jobs, dask_client=options.dask_client,
                             unit_timeout=options.trial_timeout, memory_limit_mb=options.memory_limit)
    summary = problem.summary() | {"fingerprint": data_fingerprint(data.frame, data.y),
                                   "seed": options.seed, "families": space.family_names}
    directions = [problem.metric.direction] + list(
        plugin.objective_directions if plugin is not None else ())
    store = open_study(storage=options.storage, study_name=options.study_name,
                       runs_dir=options.runs_dir, directions=directions,
                       sampler=lambda n_done: make_sampler(options.sampler, options.seed + n_done),
                       pruner=make_pruner(options.pruner, problem.splits.kind == "rows"),
                       summary=summary)
    settings = SearchSettings(time_budget=options.time_budget, n_trials=options.n_trials,
                              ensemble=bool(options.ensemble), prune=options.pruner != "none",
                              seed=options.seed, t_start=t_start,
                              max_predict_ms=options.max_predict_ms, nas=nas,
                              sampler=options.sampler, feature_search=options.feature_search)
    bus = EventBus()
    training = TrainingData(data.X, data.y_array, problem, options.seed, plugin)

    def warm_start() -> WarmPlan | None:
        return plan_warm_start(options.warm_start, training, space.family_names, store.study,
                               options.runs_dir, options.study_name,
                               time_budget=options.time_budget, n_workers=executor.n_workers)

    coordinator = Coordinator(data=training, space=space, store=store, executor=executor, bus=bus,
                              settings=settings, on_result=on_result or (lambda result: None),
                              warm_start=warm_start)
    handle = SearchHandle(owner, coordinator, bus)
    handle.start()
    return handle
