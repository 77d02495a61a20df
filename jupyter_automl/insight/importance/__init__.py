"""Hyperparameter importance of a search (Optuna's evaluators per model family, and the family choice)."""

from ._importance import EVALUATORS, MIN_TRIALS, FamilyImportance, family_importance, importances
from ._parameters import ParameterImportance, parameter_importance

__all__ = ["EVALUATORS", "MIN_TRIALS", "FamilyImportance", "ParameterImportance", "family_importance",
           "importances", "parameter_importance"]
