"""Insight into a fitted model: SHAP explanations, fairness checks and mitigation.

Results are plain data with matplotlib plots (``.plot(ax=None)``, ``ax_``, ``figure_``), in the
manner of scikit-learn's Displays. This package never imports ipywidgets or IPython.
"""

from __future__ import annotations

from ._explanation import Explanation
from ._fairness import SmallGroupWarning, fairness, fairness_report
from ._fairness_result import FairnessResult
from ._shap import explain

__all__ = ["Explanation", "FairnessResult", "SmallGroupWarning", "explain", "fairness",
           "fairness_report"]
