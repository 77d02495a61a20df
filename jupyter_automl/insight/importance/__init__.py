"""Hyperparameter importance of a search (fANOVA, per model family)."""

from ._importance import MIN_TRIALS, FamilyImportance, family_importance, importances

__all__ = ["MIN_TRIALS", "FamilyImportance", "family_importance", "importances"]
