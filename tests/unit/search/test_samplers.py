"""Every search strategy and pruner by name, each driving a small real search."""

from __future__ import annotations

import optuna
import pytest

from jupyter_automl.search._samplers import PRUNERS, SAMPLERS, make_pruner, make_sampler

from .._data import regression_frame
from ..conftest import tiny_automl

KINDS = {"tpe": optuna.samplers.TPESampler, "random": optuna.samplers.RandomSampler,
         "evolutionary": optuna.samplers.NSGAIISampler, "cmaes": optuna.samplers.CmaEsSampler}


@pytest.mark.parametrize("name", SAMPLERS)
def test_sampler_runs_a_search(name):
    assert isinstance(make_sampler(name, seed=0), KINDS[name])
    X, y = regression_frame(60)
    automl = tiny_automl(sampler=name, n_trials=4).fit(X, y)
    board = automl.leaderboard()
    assert len(board) == 4 and (board["status"] == "finished").all()
    assert isinstance(automl.handle_.study.sampler, KINDS[name])  # tpe: LongHistoryTPESampler


@pytest.mark.parametrize("name", PRUNERS)
def test_pruner_by_name(name):
    assert isinstance(make_pruner(name), optuna.pruners.BasePruner)


def _trial_at(study: optuna.Study, running_mean: float) -> bool:
    """Whether the "auto" pruner stops a new trial whose first fold scored ``running_mean``."""
    trial = study.ask()
    trial.report(running_mean, step=0)
    return trial.should_prune()


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_the_auto_pruner_stops_the_worst_third_and_keeps_the_rest(direction):
    """Twelve earlier trials scored 1..12 at fold 1: their worst third lies below 4.67 (maximize)
    or above 8.33 (minimize). A trial at the worst end is pruned; one just worse than the median,
    which the median pruner stops, goes on; so does one just inside the best two thirds."""
    study = optuna.create_study(direction=direction, pruner=make_pruner("auto"))
    for v in range(1, 13):
        study.add_trial(optuna.trial.create_trial(
            value=float(v), params={}, distributions={}, intermediate_values={0: float(v)}))
    worst, near_median, inside = (2.0, 6.0, 5.0) if direction == "maximize" else (11.0, 7.0, 8.0)
    assert _trial_at(study, worst)
    assert not _trial_at(study, near_median)
    assert not _trial_at(study, inside)
    median = optuna.create_study(direction=direction, pruner=make_pruner("median"))
    median.add_trials(study.trials[:12])
    assert _trial_at(median, near_median), "the median rule is the stricter one"
