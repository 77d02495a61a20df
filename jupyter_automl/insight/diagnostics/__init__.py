"""Diagnostics of a fitted model: on held-out rows (scores, confusion matrix, ROC and
precision-recall curves, a reliability diagram, residuals), and over its search (score against
predict time)."""

from ._cost import CostFront, cost_front, cost_front_of
from ._diagnostics import Diagnostics, Reliability, diagnose

__all__ = ["CostFront", "Diagnostics", "Reliability", "cost_front", "cost_front_of", "diagnose"]
