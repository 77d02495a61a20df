"""The model card section of the report (after Mitchell et al., "Model Cards for Model Reporting").

Intended use comes from the person who writes the report; everything else is filled in from what
the search and the report found, including a list of limitations worded for a reader who was not
there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._html import bullets, esc, note, pairs, section, table

if TYPE_CHECKING:
    from ._report import Findings

NO_INTENDED_USE = ("Not stated. Before this model is used, write down what decisions it supports, "
                   "for whom, and what it must not be used for: pass <code>intended_use=\"...\"</code> "
                   "to <code>report()</code>.")
SMALL_DATA = 1000
GAP_WARN = 0.1
BY_GROUP_CLASSIFICATION = ("count", "selection_rate", "true_positive_rate", "false_positive_rate",
                           "accuracy")
BY_GROUP_REGRESSION = ("count", "mae", "rmse", "mean_prediction")


def _model_types(model: Any) -> str:
    members = getattr(model, "estimators_", None) or [model]
    names = []
    for m in members:
        last = m.steps[-1][1] if hasattr(m, "steps") else m
        names.append(type(last).__name__)
    kind = f"{type(model).__name__} of " if len(members) > 1 else ""
    return kind + ", ".join(dict.fromkeys(names))


def limitations(automl: Any, found: Findings) -> list[str]:
    """Plain-language limitations, from the data, the search and the evaluation."""
    problem = automl.problem_
    board = found.board
    out = [f"The model learned from {problem.n_rows:,} rows of one dataset. It may do worse on "
           "data from another time, place or population, or if the meaning of a column changes."]
    best = board[board["trial"] == automl.best_trial_]
    if problem.n_rows < SMALL_DATA:
        spread = float(best["score_std"].iloc[0]) if len(best) else float("nan")
        out.append(f"The training set is small: the cross-validated score varies by about "
                   f"±{spread:.3f} between folds, so small differences between models are noise.")
    dropped = [c for c in problem.columns if not c.used]
    if dropped:
        out.append("Columns left out of the model: " + ", ".join(
            f"{c.name} ({c.kind})" for c in dropped[:10]) + (" …" if len(dropped) > 10 else "") + ".")
    if problem.leaks:
        out.append("Possible leakage: " + ", ".join(problem.leaks) + " alone predicted the target "
                   "almost perfectly. If such a column is only known after the outcome, the scores "
                   "here are far better than the model will do in use.")
    reason = automl.search_.reason or ""
    if "budget" in reason or "time" in reason:
        out.append(f"The search stopped on its time budget ({reason}); a longer search may find "
                   "a better model.")
    n_failed = int((board["status"] == "failed").sum())
    if n_failed and n_failed >= 0.2 * len(board):
        out.append(f"{n_failed} of {len(board)} trials failed (see the Search section).")
    d = found.diagnostics
    if found.X is None:
        out.append("This report has no evaluation on held-out rows; the only scores are "
                   "cross-validated on the training rows.")
    elif d is not None:
        held_out = d.scores.get(d.metric)
        if held_out is not None and np.isfinite(held_out):
            worse = held_out < automl.cv_score_ if problem.metric.greater_is_better \
                else held_out > automl.cv_score_
            rel = abs(held_out - automl.cv_score_) / max(abs(automl.cv_score_), 1e-12)
            if worse and rel > 0.05:
                out.append(f"On the evaluation rows the {d.metric} is {held_out:.4f}, noticeably worse "
                           f"than cross-validated ({automl.cv_score_:.4f}): the evaluation rows may "
                           "differ from the training rows.")
    if problem.is_classification and found.y is not None:
        shares = pd.Series(found.y).value_counts(normalize=True)
        rare = shares[shares < 0.1]
        if len(rare):
            out.append("Rare classes in the evaluation rows: " + ", ".join(
                f"{k} ({v:.1%})" for k, v in rare.items()) + ". Accuracy hides mistakes on them; "
                "look at the confusion matrix and per-class recall.")
    f = found.fairness
    if found.X is not None and found.sensitive is None:
        out.append("Fairness was not checked: no sensitive features were given.")
    elif f is not None:
        gaps = {k: v for k, v in f.disparities.items() if k.endswith("_difference")
                and isinstance(v, (float, np.floating)) and np.isfinite(v) and abs(v) > GAP_WARN}
        if gaps:
            out.append("Groups are treated differently: " + ", ".join(
                f"{k.replace('_', ' ')} {v:.3f}" for k, v in gaps.items()) + ".")
        worst = f.disparities.get("worst_group")
        if worst is not None:
            out.append(f"The group with the lowest accuracy is {worst}.")
        if f.small_groups:
            out.append("Groups too small to judge: " + ", ".join(map(str, f.small_groups[:8])) + ".")
    out.append("Explanations (SHAP values) describe what the model relies on, not what causes the "
               "outcome; a column can matter to the model only because it stands in for another.")
    return out


def _metrics_by_group(found: Findings) -> str:
    f = found.fairness
    if f is None:
        return "<p class='muted'>Not computed (no sensitive features or no evaluation rows).</p>"
    wanted = BY_GROUP_CLASSIFICATION if f.task == "classification" else BY_GROUP_REGRESSION
    tab = f.table()
    tab.index = tab.index.set_names([n or "group" for n in tab.index.names])
    cols = [c for c in wanted if c in tab.columns] or list(tab.columns)[:6]
    return table(tab[cols], index=True)


def model_card(automl: Any, found: Findings, intended_use: str | None) -> str:
    import sklearn

    from .._version import __version__

    problem = automl.problem_
    versions = getattr(automl, "saved_versions_", None) or {}
    facts: list[tuple[str, Any]] = [
        ("model", automl.search_.description),
        ("estimators", _model_types(automl.best_pipeline_)),
        ("task", f"{problem.task}: predict {problem.target!r}"),
        ("trained with", f"jupyter_automl {versions.get('jupyter_automl', __version__)}, "
                         f"scikit-learn {versions.get('scikit-learn', sklearn.__version__)}, "
                         f"seed {automl.seed}"),
        ("training data", f"{problem.n_rows:,} rows, {len(problem.used_columns)} input columns"),
        ("validation", problem.splits.label),
        ("sensitive features checked", ", ".join(map(str, _names(found.sensitive))) or "none"),
    ]
    metric_rows = [{"metric": problem.metric.name, "value": automl.cv_score_,
                    "rows": "cross-validated on the training rows"}]
    if found.diagnostics is not None:
        metric_rows += [{"metric": k, "value": v, "rows": f"{found.diagnostics.n_rows:,} evaluation rows"}
                        for k, v in found.diagnostics.scores.items()]
    uses_sensitive = [c for c in _names(found.sensitive) if c in {u.name for u in problem.used_columns}]
    ethics = []
    if uses_sensitive:
        ethics.append(f"The model takes {', '.join(uses_sensitive)} as input(s). Decide whether that "
                      "is acceptable for the intended use, and check the groups' results above.")
    ethics.append("Other columns can stand in for a sensitive one (place of residence, name, job "
                  "title); leaving the sensitive column out does not remove that.")
    body = "<h3>Model details</h3>" + pairs(facts)
    body += "<h3>Intended use</h3>" + (f"<p>{esc(intended_use)}</p>" if intended_use
                                        else note(NO_INTENDED_USE, "warn"))
    body += "<h3>Metrics</h3>" + table(pd.DataFrame(metric_rows))
    body += "<h3>Metrics by group</h3>" + _metrics_by_group(found)
    body += "<h3>Limitations</h3>" + bullets(limitations(automl, found))
    body += "<h3>Ethical considerations</h3>" + bullets(ethics)
    return section("model-card", "Model card", body,
                   "A one-page summary to hand on with the model.")


def _names(sensitive: Any) -> list[str]:
    if sensitive is None:
        return []
    if isinstance(sensitive, str):
        return [sensitive]
    if isinstance(sensitive, (list, tuple)) and all(isinstance(s, str) for s in sensitive):
        return list(sensitive)
    if isinstance(sensitive, pd.Series) and sensitive.name is not None:
        return [str(sensitive.name)]
    if isinstance(sensitive, pd.DataFrame):
        return [str(c) for c in sensitive.columns]
    return ["(values passed)"]
