"""TPE that stays cheap on long histories: each param group is sampled when it is needed, and
the model sees a window of the most recent trials.

Grouped multivariate TPE samples every param group at a trial's first suggestion, though a trial
uses only two of them (the family and that family's params): 16 groups with the default
families, 0.5 s of model fitting per trial at 1,000 trials (``benchmarks/bench_coordinator.py``).
From ``LONG_HISTORY`` trials on, ``LongHistoryTPESampler`` samples a group at the first
suggestion of one of its params, and fits it on the last ``WINDOW`` trials only.

Before ``LONG_HISTORY`` trials it is exactly Optuna's ``TPESampler`` (same draws, same results);
from there on it draws other (equally likely) configurations than the eager sampler would: the
random stream is consumed by fewer groups. Still deterministic for a seed in sequential mode.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from optuna.distributions import BaseDistribution
from optuna.samplers import TPESampler
from optuna.trial import FrozenTrial, TrialState

LONG_HISTORY = 100  # trials in the study from which groups are sampled lazily
WINDOW = 500  # most recent trials the model is fitted on, past that many
# where TPESampler (constant liar) keeps a running trial's relative params: Optuna's private
# names, mirrored (optuna/samplers/_tpe/sampler.py)
RELATIVE_PARAMS_KEY = "tpe:relative_params"
SYSTEM_ATTR_MAX_LENGTH = 2045


class _IncrementalGroups:
    """Optuna's param groups (``inner``), adding each ended trial once: Optuna adds every trial
    again at each ask (73 ms a trial at 1,000 trials). Adding a trial already added changes
    nothing, groups and their order included, so the groups are the same. TPE counts pruned
    trials in its groups (as here)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._added: set[int] = set()
        # Optuna before 4.1 calculates without ``use_cache``
        self._takes_cache = "use_cache" in inspect.signature(inner.calculate).parameters

    def calculate(self, study: Any, use_cache: bool = False) -> Any:
        trials = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED),
                                   use_cache=use_cache)
        new = _NewTrials(study, [t for t in trials if t.number not in self._added])
        self._added.update(t.number for t in new.trials)
        return self.inner.calculate(new, use_cache) if self._takes_cache else self.inner.calculate(new)


class _NewTrials:
    """A study whose ended trials are ``trials`` (for ``_IncrementalGroups``)."""

    def __init__(self, study: Any, trials: list[FrozenTrial]):
        self._study_id = study._study_id
        self.trials = trials

    def _get_trials(self, deepcopy: bool = False, states: Any = None,
                    use_cache: bool = False) -> list[FrozenTrial]:
        return self.trials


class _Window:
    """The study as the sampler sees it: only trials numbered after ``first``."""

    def __init__(self, study: Any, first: int):
        self._study = study
        self._first = first

    def __getattr__(self, name: str) -> Any:
        return getattr(self._study, name)

    def _get_trials(self, deepcopy: bool = True, states: Any = None,
                    use_cache: bool = False) -> list[FrozenTrial]:
        trials = self._study._get_trials(deepcopy=deepcopy, states=states, use_cache=use_cache)
        return [t for t in trials if t.number >= self._first]

    def get_trials(self, deepcopy: bool = True, states: Any = None) -> list[FrozenTrial]:
        return self._get_trials(deepcopy, states)


class _LazyParams(dict):
    """A trial's relative params, each group sampled the first time one of its params is asked."""

    def __init__(self, sampler: LongHistoryTPESampler, study: Any, trial: FrozenTrial,
                 groups: list[dict[str, BaseDistribution]]):
        super().__init__()
        self._sampler, self._study, self._trial = sampler, study, trial
        self._groups = {name: i for i, g in enumerate(groups) for name in g}
        self._spaces = groups
        self._done: set[int] = set()

    def __contains__(self, name: object) -> bool:
        self._fill(name)
        return super().__contains__(name)

    def __getitem__(self, name: str) -> Any:
        self._fill(name)
        return super().__getitem__(name)

    def _fill(self, name: object) -> None:
        group = self._groups.get(name)  # type: ignore[arg-type]
        if group is None or group in self._done:
            return
        self._done.add(group)
        sampled = self._sampler._sample_group(self._study, self._trial, self._spaces[group])
        if sampled:
            self.update(sampled)
            self._sampler._share(self._study, self._trial, dict(self))


class LongHistoryTPESampler(TPESampler):
    """Optuna's grouped multivariate TPE, lazy and windowed on long histories (see the module)."""

    def __init__(self, **kwargs: Any):
        super().__init__(multivariate=True, group=True, **kwargs)
        self._group_decomposed_search_space = _IncrementalGroups(self._group_decomposed_search_space)

    def sample_relative(self, study: Any, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        n = len(study._get_trials(deepcopy=False, use_cache=True))
        if n < LONG_HISTORY or self._search_space_group is None:
            return super().sample_relative(study, trial, search_space)
        window = _Window(study, trial.number - WINDOW) if n > WINDOW else study
        groups = []
        for sub_space in self._search_space_group.search_spaces:
            # sorted: Python's string hashing is not deterministic (as in TPESampler)
            group = {k: d for k, d in sorted(sub_space.items()) if not d.single() and k in search_space}
            if group:
                groups.append(group)
        return _LazyParams(self, window, trial, groups)

    def _sample_group(self, study: Any, trial: FrozenTrial,
                      space: dict[str, BaseDistribution]) -> dict[str, Any]:
        done = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED),
                                 use_cache=True)
        if len(done) < self._n_startup_trials:
            return {}
        return self._sample(study, trial, space)

    def _share(self, study: Any, trial: FrozenTrial, params: dict[str, Any]) -> None:
        """As TPESampler does with constant liar: other processes' samplers read a running
        trial's relatively sampled params from its system attrs (chunks only grow here)."""
        if not self._constant_liar:
            return
        text = json.dumps(params)
        for i in range(0, len(text), SYSTEM_ATTR_MAX_LENGTH):
            study._storage.set_trial_system_attr(trial._trial_id,
                                                 f"{RELATIVE_PARAMS_KEY}:{i // SYSTEM_ATTR_MAX_LENGTH}",
                                                 text[i:i + SYSTEM_ATTR_MAX_LENGTH])
