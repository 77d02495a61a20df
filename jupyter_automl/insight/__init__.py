"""Insight into a fitted model and its search, grouped by concept: ``explain`` (SHAP
explanations), ``fairness`` (checks, mitigation, the fairness-aware search), ``diagnostics``
(held-out scores and curves) and ``importance`` (which hyperparameters mattered).

Results are plain data with matplotlib plots (``.plot(ax=None)``, ``ax_``, ``figure_``), in the
manner of scikit-learn's Displays. This package never imports ipywidgets or IPython.
"""

from __future__ import annotations

from ..search import FRONT_COLUMNS
from ._compare import compare_trials
from ._notes import summarise_notes
from .diagnostics import CostFront, Diagnostics, Reliability, cost_front_of, diagnose
from .explain import Explanation, explain, warm_up_in_background
from .fairness import (
    MITIGATION_CONSTRAINTS,
    MITIGATION_METHODS,
    TRUSTED_TYPES,
    FairnessPlugin,
    FairnessResult,
    FairnessSearchWarning,
    MitigationResult,
    ReductionClassifier,
    SensitiveGroups,
    SensitiveSuggestion,
    SmallGroupWarning,
    ThresholdClassifier,
    disparity,
    fairness,
    fairness_plugin,
    fairness_report,
    mitigate,
    plot_pareto,
    suggest_sensitive,
)
from .importance import (
    FamilyImportance,
    ParameterImportance,
    family_importance,
    importances,
    parameter_importance,
)

__all__ = ["FRONT_COLUMNS", "TRUSTED_TYPES", "CostFront", "Diagnostics", "Reliability", "cost_front_of", "Explanation", "FairnessPlugin",
           "FairnessResult", "FairnessSearchWarning", "FamilyImportance", "MitigationResult",
           "MITIGATION_CONSTRAINTS", "MITIGATION_METHODS",
           "ParameterImportance", "parameter_importance", "SensitiveSuggestion", "suggest_sensitive",
           "summarise_notes", "compare_trials",
           "ReductionClassifier", "SensitiveGroups", "SmallGroupWarning", "ThresholdClassifier",
           "diagnose", "disparity", "explain", "family_importance", "fairness", "fairness_plugin",
           "fairness_report", "importances", "mitigate", "plot_pareto", "warm_up_in_background"]
