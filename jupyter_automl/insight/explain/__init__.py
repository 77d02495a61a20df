"""SHAP explanations of a fitted model in its original columns: exact TreeSHAP and linear SHAP
where the model allows it, sampled permutation SHAP otherwise."""

from ._explanation import Explanation
from ._shap import explain
from ._warmup import warm_up, warm_up_in_background

__all__ = ["Explanation", "explain", "warm_up", "warm_up_in_background"]
