"""Insight into a fitted model: SHAP explanations, fairness checks and mitigation.

Results are plain data with matplotlib plots (``.plot(ax=None)``, ``ax_``, ``figure_``), in the
manner of scikit-learn's Displays. This package never imports ipywidgets or IPython.
"""

from __future__ import annotations

from ._diagnostics import Diagnostics, diagnose
from ._estimators import TRUSTED_TYPES, ReductionClassifier, SensitiveGroups, ThresholdClassifier
from ._explanation import Explanation
from ._fairness import SmallGroupWarning, fairness, fairness_report
from ._fairness_result import FairnessResult
from ._mitigation import MitigationResult, mitigate
from ._pareto import FRONT_COLUMNS, pareto_frame, plot_pareto, select_trial
from ._plugin import FairnessPlugin, FairnessSearchWarning, disparity, fairness_plugin
from ._shap import explain

__all__ = ["FRONT_COLUMNS", "TRUSTED_TYPES", "Diagnostics", "Explanation", "FairnessPlugin", "FairnessResult",
           "FairnessSearchWarning", "MitigationResult", "ReductionClassifier", "SensitiveGroups",
           "SmallGroupWarning", "ThresholdClassifier", "diagnose", "disparity", "explain", "fairness",
           "fairness_plugin", "fairness_report", "mitigate", "pareto_frame", "plot_pareto",
           "select_trial"]
