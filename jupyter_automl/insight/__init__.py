"""Insight into a fitted model: SHAP explanations, fairness checks and mitigation.

Results are plain data with matplotlib plots (``.plot(ax=None)``, ``ax_``, ``figure_``), in the
manner of scikit-learn's Displays. This package never imports ipywidgets or IPython.
"""

from __future__ import annotations

from ._estimators import ReductionClassifier, SensitiveGroups, ThresholdClassifier
from ._explanation import Explanation
from ._fairness import SmallGroupWarning, fairness, fairness_report
from ._fairness_result import FairnessResult
from ._mitigation import MitigationResult, mitigate
from ._shap import explain

__all__ = ["Explanation", "FairnessResult", "MitigationResult", "ReductionClassifier",
           "SensitiveGroups", "SmallGroupWarning", "ThresholdClassifier", "explain", "fairness",
           "fairness_report", "mitigate"]
