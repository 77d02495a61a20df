"""Diagnostics of a fitted model on held-out rows: scores, confusion matrix, ROC and
precision-recall curves, residuals."""

from ._diagnostics import Diagnostics, diagnose

__all__ = ["Diagnostics", "diagnose"]
