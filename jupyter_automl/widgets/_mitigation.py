"""The Fairness tab's mitigation: the choices offered, and the before/after panel of a
``MitigationResult`` (from ``AutoML.mitigate``). Making it the model is ``AutoML.use_mitigated``.
JSON-able panels; figures become PNG data URLs (Agg canvas: this runs on the worker thread)."""

from __future__ import annotations

from typing import Any

from ..export import figure_png
from ..insight import MITIGATION_CONSTRAINTS, MITIGATION_METHODS
from ._protocol import jsonable

__all__ = ["mitigation_options", "mitigation_part"]

METHOD_TEXT = {
    "threshold": ("Post-processing: group thresholds (fairlearn ThresholdOptimizer)",
                  "Cheap: the model is kept and each group gets its own decision threshold. The "
                  "model then needs the sensitive column at predict time."),
    "reductions": ("Reductions: refit under the constraint (fairlearn ExponentiatedGradient)",
                   "Costly: the model is refit several times on reweighted rows. Its predictions "
                   "do not need the sensitive column."),
}
CONSTRAINT_TEXT = {
    "demographic_parity": "Demographic parity: the same share of positive decisions in each group",
    "equalized_odds": "Equalized odds: the same true and false positive rates in each group",
    "true_positive_rate_parity": "Equal opportunity: the same true positive rate in each group",
    "false_positive_rate_parity": "The same false positive rate in each group",
}
MSG_BINARY_ONLY = "Mitigation is for binary classification; this model predicts {task}."


def mitigation_options(automl: Any) -> dict[str, Any]:
    """What the Fairness tab offers: methods and constraints (the engine's lists), or why not."""
    problem = automl.problem_
    unavailable = None
    if not hasattr(automl, "use_mitigated"):
        unavailable = "Mitigation is not available in this version of jupyter_automl."
    elif problem.task != "binary":
        unavailable = MSG_BINARY_ONLY.format(task=problem.task)
    return {
        "methods": [{"value": m, "label": METHOD_TEXT.get(m, (m, ""))[0],
                     "help": METHOD_TEXT.get(m, ("", ""))[1]} for m in MITIGATION_METHODS],
        "constraints": [{"value": c, "label": CONSTRAINT_TEXT.get(c, c.replace("_", " "))}
                        for c in MITIGATION_CONSTRAINTS],
        "features": [c.name for c in problem.used_columns],
        "unavailable": unavailable,
        "applied": getattr(automl, "mitigation_", None) is not None,
    }


def _table(comparison: Any) -> dict[str, Any]:
    rows = [[str(name).replace("_", " "), *(float(f"{row[c]:.4g}") for c in ("before", "after", "change"))]
            for name, row in comparison.iterrows()]
    return {"columns": ["measure", "before", "after", "change"], "rows": rows}


def mitigation_part(result: Any, automl: Any, *, sensitive: list[str], held_out: bool) -> dict[str, Any]:
    """The before/after panel of ``result``, and whether ``automl.use_mitigated`` can take it."""
    model = result.model
    needs = bool(getattr(model, "requires_sensitive_features", False))
    read = {c.name for c in automl.problem_.used_columns}
    missing = [c for c in sensitive if c not in read]
    blocked = None
    if needs and missing:
        blocked = (f"This mitigated model needs {missing} at predict time, but the model does not "
                   "read it (it was not a feature). Use the reductions method, or include the "
                   "column in the Columns step and search again.")
    key = MITIGATION_CONSTRAINTS[result.constraint][0]
    c = result.comparison
    summary = (f"{key.replace('_', ' ')}: {c.loc[key, 'before']:.3f} before, {c.loc[key, 'after']:.3f} "
               f"after; accuracy {c.loc['accuracy', 'before']:.3f} before, "
               f"{c.loc['accuracy', 'after']:.3f} after.")
    plots = [
        {"name": "groups", "title": "The constrained rate per group, before and after",
         "png": figure_png(lambda ax: result.plot(ax=ax), size=(5.6, 4.0))},
        {"name": "overall", "title": "Accuracy and disparities, before and after",
         "png": figure_png(lambda ax: result.plot_comparison(ax=ax), size=(5.6, 4.0))},
    ]
    return jsonable({
        "method": result.method, "constraint": result.constraint, "sensitive": sensitive,
        "held_out": held_out, "seconds": round(float(result.seconds), 2), "summary": summary,
        "table": _table(c), "notes": list(result.notes), "plots": plots,
        "requires_sensitive": needs, "blocked": blocked, "applied": False,
    })
