"""Search strategies (samplers) and pruners by name."""

from __future__ import annotations

import warnings

import optuna

from ..exceptions import InputError
from ._long_tpe import LongHistoryTPESampler

SAMPLERS = ("tpe", "random", "evolutionary", "cmaes")
PRUNERS = ("auto", "median", "none")
PRUNER_STARTUP_TRIALS = 10  # the first trials of a search are never pruned (they run folds in parallel)
# Optuna's PercentilePruner(p) keeps the trials in the top p percent at a step and prunes the rest:
# keeping the top two thirds prunes the worst third (the median pruner is p = 50)
KEEP_PERCENTILE = 100.0 * 2 / 3
PRUNED_MESSAGE = ("pruned after fold {fold}: its mean score so far is in the worst third of earlier "
                  "trials at the same fold")
# row rungs (large tables, see problem.Splits): successive halving keeps the best third at a size
RUNG_STARTUP_TRIALS = 3
RUNG_KEEP_PERCENTILE = 100.0 / 3
PRUNED_RUNG_MESSAGE = ("stopped after training on {rows:,} rows: its score there is not in the best "
                       "third of the trials that reached that size")
MSG_SAMPLER = "The 'sampler' parameter of AutoML must be one of {valid}. Got {got!r} instead."
MSG_PRUNER = "The 'pruner' parameter of AutoML must be one of {valid}. Got {got!r} instead."


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    """Model-based (TPE), random, evolutionary (NSGA-II) or CMA-ES search."""
    if name == "tpe":
        # grouped multivariate TPE models the params of each family jointly; both options are
        # marked experimental by Optuna, and have been stable since Optuna 2.2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            # cheaper on long histories (see _long_tpe); Optuna's TPE below LONG_HISTORY trials
            return LongHistoryTPESampler(seed=seed, n_startup_trials=10, constant_liar=True)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "evolutionary":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=20)
    if name == "cmaes":
        # CMA-ES handles the continuous params shared by every trial; the rest (the family and
        # its conditional params) are sampled by TPE
        return optuna.samplers.CmaEsSampler(
            seed=seed, independent_sampler=optuna.samplers.TPESampler(seed=seed))
    raise InputError(MSG_SAMPLER.format(valid=list(SAMPLERS), got=name))


def make_pruner(name: str, row_rungs: bool = False) -> optuna.pruners.BasePruner:
    """Pruning between CV folds. "auto" stops a trial whose running mean is in the worst third
    of earlier trials at the same fold: fold scores are noisy on small data, so this is gentler
    than the "median" rule. Between row rungs (``row_rungs``) it is successive halving: only the
    best third at a size goes on to more rows."""
    if name == "auto" and row_rungs:
        return optuna.pruners.PercentilePruner(RUNG_KEEP_PERCENTILE, n_startup_trials=0,
                                               n_warmup_steps=0, n_min_trials=RUNG_STARTUP_TRIALS)
    if name == "auto":
        return optuna.pruners.PercentilePruner(KEEP_PERCENTILE, n_startup_trials=PRUNER_STARTUP_TRIALS,
                                               n_warmup_steps=0)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=0)
    if name == "none":
        return optuna.pruners.NopPruner()
    raise InputError(MSG_PRUNER.format(valid=list(PRUNERS), got=name))
