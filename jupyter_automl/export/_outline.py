"""An HTML outline of a fitted model: ensemble members, pipeline steps, column groups, settings.

scikit-learn's own HTML repr formats every nested estimator's repr at every level; on an ensemble
of pipelines with a transformer per column that took 10-30 s here, so the report draws this
linear-time outline instead (and shows the code that rebuilds the model).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._html import esc
from ._source import Imports, _call_args, _one_line, is_estimator

MAX_PARAM_CHARS = 160
MAX_COLUMNS = 12


def _settings(est: Any) -> str:
    parts = []
    for key, value in _call_args(est):
        if is_estimator(value) or (isinstance(value, list) and value and isinstance(value[0], tuple)):
            continue  # nested estimators are drawn as children
        if isinstance(value, (float, np.floating)) and np.isfinite(value):
            parts.append(f"{key}={value:.4g}")
            continue
        try:
            parts.append(f"{key}={_one_line(value, Imports(), key)}")
        except TypeError:
            parts.append(f"{key}=…")
    text = ", ".join(parts)
    return text if len(text) <= MAX_PARAM_CHARS else text[:MAX_PARAM_CHARS - 1] + "…"


def _leaf(est: Any) -> str:
    settings = _settings(est)
    return f"<code>{esc(type(est).__name__)}</code>" + (
        f" <span class='muted'>{esc(settings)}</span>" if settings else "")


def _chain(est: Any) -> str:
    """A pipeline of plain steps on one line: ``AsLabels → OneHotEncoder(...)``."""
    if hasattr(est, "steps") and all(not hasattr(s, "steps") and not hasattr(s, "transformers")
                                     for _, s in est.steps):
        return " → ".join(_leaf(s) for _, s in est.steps)
    return ""


def _columns(cols: Any) -> str:
    cols = list(cols) if isinstance(cols, (list, tuple)) else [cols]
    shown = ", ".join(map(str, cols[:MAX_COLUMNS]))
    return shown + (f" … ({len(cols)} columns)" if len(cols) > MAX_COLUMNS else "")


def _node(est: Any) -> str:
    if hasattr(est, "transformers"):  # ColumnTransformer: group identical transformers
        groups: dict[str, tuple[Any, list[str]]] = {}
        for _, trans, cols in est.transformers:
            key = _one_line(trans, Imports(), "") if is_estimator(trans) else str(trans)
            entry = groups.setdefault(key, (trans, []))
            entry[1].extend(cols if isinstance(cols, (list, tuple)) else [cols])
        items = []
        for trans, cols in groups.values():
            inner = (_chain(trans) or _node(trans)) if is_estimator(trans) else esc(str(trans))
            items.append(f"<li><b>{esc(_columns(cols))}</b>: {inner}</li>")
        return f"<code>ColumnTransformer</code><ul>{''.join(items)}</ul>"
    if hasattr(est, "steps"):
        items = "".join(f"<li><b>{esc(name)}</b>: {_node(step)}</li>" for name, step in est.steps)
        return f"<code>Pipeline</code><ul>{items}</ul>"
    nested = [(k, v) for k, v in _call_args(est) if is_estimator(v)]
    if nested:
        items = "".join(f"<li><b>{esc(k)}</b>: {_node(v)}</li>" for k, v in nested)
        return f"{_leaf(est)}<ul>{items}</ul>"
    return _leaf(est)


def outline(model: Any, members: list[tuple[str, float]] | None = None) -> str:
    """The outline as nested lists; ``members`` labels an ensemble's members (name, weight)."""
    estimators = getattr(model, "estimators", None)
    if isinstance(estimators, list) and estimators and isinstance(estimators[0], tuple):
        weights = list(getattr(model, "weights_", [None] * len(estimators)))
        items = "".join(
            f"<li><b>{esc(name)}</b>{'' if w is None else f' (weight {w:.0%})'}: {_node(est)}</li>"
            for (name, est), w in zip(estimators, weights, strict=True))
        return f"<div class='outline'><code>{esc(type(model).__name__)}</code><ul>{items}</ul></div>"
    return f"<div class='outline'>{_node(model)}</div>"
