"""Fairness: checks across sensitive groups, mitigation (post-processing or reductions), the
estimators they produce, and the plugin that makes a search fairness-aware."""

from ._estimators import TRUSTED_TYPES, ReductionClassifier, SensitiveGroups, ThresholdClassifier
from ._fairness import SmallGroupWarning, fairness, fairness_report
from ._fairness_result import FairnessResult
from ._mitigation import CONSTRAINT_METRICS as MITIGATION_CONSTRAINTS
from ._mitigation import METHODS as MITIGATION_METHODS
from ._mitigation import MitigationResult, mitigate
from ._pareto import plot_pareto
from ._plugin import FairnessPlugin, FairnessSearchWarning, disparity, fairness_plugin
from ._suggest import SensitiveSuggestion, suggest_sensitive

__all__ = ["TRUSTED_TYPES", "FairnessPlugin", "FairnessResult", "FairnessSearchWarning",
           "MITIGATION_CONSTRAINTS", "MITIGATION_METHODS", "MitigationResult", "ReductionClassifier", "SensitiveGroups", "SmallGroupWarning",
           "ThresholdClassifier", "disparity", "fairness", "fairness_plugin", "fairness_report",
           "mitigate", "plot_pareto", "SensitiveSuggestion", "suggest_sensitive"]
