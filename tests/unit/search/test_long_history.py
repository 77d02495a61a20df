"""The coordinator's cheaper sampler calls: one read of the trials per window (``_snapshot``) and
TPE that samples groups lazily on long histories (``_long_tpe``)."""

from __future__ import annotations

import optuna
import pytest
from optuna.storages import InMemoryStorage
from optuna.trial import TrialState

from jupyter_automl.search import _long_tpe
from jupyter_automl.search._long_tpe import LongHistoryTPESampler, _IncrementalGroups
from jupyter_automl.search._snapshot import SnapshotStorage

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _objective(trial: optuna.Trial) -> float:
    """Two families with params of their own, like the search space (define-by-run)."""
    family = trial.suggest_categorical("family", ["a", "b", "c"])
    if family == "a":
        return trial.suggest_float("a.x", 0.0, 1.0) + trial.suggest_int("a.n", 1, 9) / 10
    if family == "b":
        return trial.suggest_float("b.lr", 1e-3, 1.0, log=True)
    return 0.5 + trial.suggest_float("c.y", -1.0, 1.0) ** 2


def _history(sampler, n: int, storage=None) -> list[dict]:
    study = optuna.create_study(sampler=sampler, storage=storage)
    study.optimize(_objective, n_trials=n)
    return [t.params for t in study.trials]


def test_a_snapshot_window_reads_the_trials_once_and_answers_as_fresh_reads():
    storage = SnapshotStorage(InMemoryStorage())
    study = optuna.create_study(storage=storage)
    study.optimize(_objective, n_trials=6)
    running = study.ask()
    fresh = {states: study._storage.get_all_trials(study._study_id, states=states)
             for states in (None, (TrialState.COMPLETE,), (TrialState.RUNNING,))}
    before = storage.reads
    with storage.snapshot():
        with storage.snapshot():  # nested: still the same snapshot
            seen = {states: storage.get_all_trials(study._study_id, states=states)
                    for states in fresh}
    assert storage.reads == before + 1
    assert {k: [t.number for t in v] for k, v in seen.items()} == \
        {k: [t.number for t in v] for k, v in fresh.items()}
    assert [t.number for t in seen[(TrialState.RUNNING,)]] == [running.number]
    storage.get_all_trials(study._study_id)
    storage.get_all_trials(study._study_id)
    assert storage.reads == before + 3  # outside a window every call reads


def test_a_new_window_sees_what_changed_since_the_last_one():
    storage = SnapshotStorage(InMemoryStorage())
    study = optuna.create_study(storage=storage)
    with storage.snapshot():
        assert storage.get_all_trials(study._study_id) == []
    study.optimize(_objective, n_trials=2)
    with storage.snapshot():
        assert len(storage.get_all_trials(study._study_id)) == 2


def test_the_mirrored_optuna_names_are_optunas():
    from optuna.samplers._tpe import sampler

    if not hasattr(sampler, "_RELATIVE_PARAMS_KEY"):
        pytest.skip("this Optuna's TPE does not share a running trial's relative params")
    assert _long_tpe.RELATIVE_PARAMS_KEY == sampler._RELATIVE_PARAMS_KEY
    assert _long_tpe.SYSTEM_ATTR_MAX_LENGTH == sampler._SYSTEM_ATTR_MAX_LENGTH


def test_below_a_long_history_it_samples_exactly_as_optunas_tpe(monkeypatch):
    monkeypatch.setattr(_long_tpe, "LONG_HISTORY", 30)
    kwargs = dict(seed=4, n_startup_trials=5, constant_liar=True)
    with pytest.warns(optuna.exceptions.ExperimentalWarning):
        eager = optuna.samplers.TPESampler(multivariate=True, group=True, **kwargs)
    ours = LongHistoryTPESampler(**kwargs)
    assert _history(ours, 30) == _history(eager, 30)


def test_on_a_long_history_it_samples_only_the_groups_a_trial_uses(monkeypatch):
    monkeypatch.setattr(_long_tpe, "LONG_HISTORY", 15)
    groups: dict[int, list[tuple[str, ...]]] = {}
    original = LongHistoryTPESampler._sample

    def spy(self, study, trial, space):
        groups.setdefault(trial.number, []).append(tuple(sorted(space)))
        return original(self, study, trial, space)
    monkeypatch.setattr(LongHistoryTPESampler, "_sample", spy)
    params = _history(LongHistoryTPESampler(seed=1, n_startup_trials=5), 40)
    assert all(len(groups[n]) == 4 for n in range(6, 14))  # eager, as Optuna: every group
    for n in range(15, 40):
        family = params[n]["family"]
        assert groups[n][0] == ("family",)
        assert set(groups[n][1:]) <= {tuple(sorted(k for k in params[n] if k.startswith(family)))}
    groups.clear()
    assert _history(LongHistoryTPESampler(seed=1, n_startup_trials=5), 40) == params  # deterministic


def test_on_a_long_history_the_model_sees_a_window_of_recent_trials(monkeypatch):
    monkeypatch.setattr(_long_tpe, "LONG_HISTORY", 10)
    monkeypatch.setattr(_long_tpe, "WINDOW", 12)
    seen: list[int] = []
    original = LongHistoryTPESampler._sample

    def spy(self, study, trial, space):
        seen.append(min(t.number for t in study._get_trials(deepcopy=False)))
        return original(self, study, trial, space)
    monkeypatch.setattr(LongHistoryTPESampler, "_sample", spy)
    _history(LongHistoryTPESampler(seed=2, n_startup_trials=5), 30)
    assert seen[-1] == 29 - 12 and seen[0] == 0


def test_incremental_groups_are_optunas_groups():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    groups = optuna.search_space.group_decomposed._GroupDecomposedSearchSpace
    ours, theirs = _IncrementalGroups(groups(True)), groups(True)
    for n in (3, 10, 25):
        study.optimize(_objective, n_trials=n)
        assert ours.calculate(study).search_spaces == theirs.calculate(study).search_spaces
    assert len(ours.calculate(study).search_spaces) == 4  # family, a.*, b.*, c.*
