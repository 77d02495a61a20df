"""Warm start by meta-learning: meta-features of a problem, a portfolio of configurations that
complement each other, a meta-model that ranks them, and what the user's own studies taught.

The engine's use, at search start::

    knowledge = Knowledge.load(runs_dir=runs_dir, exclude_studies=(study_name,))
    features = compute_metafeatures(X, y, problem, seed=seed)
    study.set_user_attr(METAFEATURES_ATTR, metafeatures_attr(problem, X, y, features=features))
    for config in knowledge.warm_start(problem, families=families, n=8, metafeatures=features):
        study.enqueue_trial(config.params)
"""

from ._encoding import ConfigEncoder, valid_for_space
from ._history import (
    METAFEATURES_ATTR,
    constant_fold_scores,
    constant_score,
    metafeatures_attr,
    read_history,
    reset_history,
)
from ._knowledge import Knowledge, WarmStartConfig
from ._metadata import MetaData
from ._metafeatures import METAFEATURE_NAMES, compute_metafeatures
from ._metamodel import DirectModel, PairwiseModel
from ._portfolio import greedy_portfolio, normalised_scores

__all__ = [
    "METAFEATURES_ATTR",
    "METAFEATURE_NAMES",
    "ConfigEncoder",
    "DirectModel",
    "Knowledge",
    "MetaData",
    "PairwiseModel",
    "WarmStartConfig",
    "compute_metafeatures",
    "constant_fold_scores",
    "constant_score",
    "greedy_portfolio",
    "metafeatures_attr",
    "normalised_scores",
    "read_history",
    "reset_history",
    "valid_for_space",
]
