"""Which trials the fold-level pruner may stop (``search._fold_pruning``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyter_automl.problem import analyze, resolve_metric
from jupyter_automl.search._fold_pruning import FoldPruning
from jupyter_automl.search._samplers import PRUNER_STARTUP_TRIALS
from jupyter_automl.search._trials import TrialRecord
from jupyter_automl.search.space import SearchSpace


def test_default_configurations_are_never_pruned_between_folds():
    # a warm start puts its picks between the defaults, so a default can come after the pruner's
    # start-up trials; it still runs every fold, as in a cold search, where it is among the first
    X = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})
    problem, _, _ = analyze(X, pd.Series([0, 1, 2] * 20), task="multiclass", check_leakage=False)
    space = SearchSpace(problem)
    log_loss = resolve_metric("log_loss", "multiclass", np.array([0, 1, 2]))[0]
    pruning = FoldPruning(problem.splits, True, log_loss)
    pruning.spare_defaults(space)
    earlier = [TrialRecord(n, {"family": "linear", "linear.C": 0.5 + n}, 0.0)
               for n in range(PRUNER_STARTUP_TRIALS)]
    defaults = [TrialRecord(PRUNER_STARTUP_TRIALS + i, config, 0.0)
                for i, config in enumerate(space.default_configs())]
    records = earlier + defaults
    assert len(defaults) > 3 and not any(pruning.may_prune(rec, records) for rec in defaults)
    # a sampled configuration of the same family, after as many trials, may be pruned
    tuned = TrialRecord(99, earlier[0].params, 0.0)
    assert pruning.may_prune(tuned, records)
    assert not FoldPruning(problem.splits, False, log_loss).may_prune(tuned, records)
