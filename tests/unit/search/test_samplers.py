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
    assert automl.handle_.study.sampler.__class__ is KINDS[name]


@pytest.mark.parametrize("name", PRUNERS)
def test_pruner_by_name(name):
    assert isinstance(make_pruner(name), optuna.pruners.BasePruner)
