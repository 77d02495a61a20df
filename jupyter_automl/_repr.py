"""Static HTML summaries of AutoML objects: shown by notebooks even without a live kernel."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._automl import AutoML

_STYLE = (
    "<style>.jam-repr{font-family:var(--jp-ui-font-family,sans-serif);font-size:13px;"
    "color:var(--jp-ui-font-color1,#222)}.jam-repr table{border-collapse:collapse;margin-top:4px}"
    ".jam-repr td,.jam-repr th{padding:2px 8px;text-align:left;border-bottom:1px solid "
    "var(--jp-border-color2,#ddd)}.jam-repr .jam-muted{color:var(--jp-ui-font-color2,#666)}</style>"
)
TOP_ROWS = 5


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def automl_html(automl: AutoML) -> str:
    """A summary: the setup before fitting; the chosen model and the top trials after."""
    if not hasattr(automl, "best_pipeline_"):
        params = {k: v for k, v in automl.get_params().items() if v is not None}
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{_fmt(v)}</td></tr>" for k, v in params.items())
        return (f"{_STYLE}<div class='jam-repr'><b>AutoML</b> <span class='jam-muted'>(not fitted: "
                f"call fit(X, y) or fit_async(X, y))</span><table>{rows}</table></div>")
    problem = automl.problem_
    board = automl.leaderboard().head(TOP_ROWS)
    head = "".join(f"<th>{c}</th>" for c in ("rank", "trial", "family", "score", "status"))
    body = "".join(
        "<tr>" + "".join(f"<td>{_fmt(r[c])}</td>" for c in ("rank", "trial", "family", "score", "status"))
        + "</tr>" for _, r in board.iterrows())
    from .insight import summarise_notes

    notes = "".join(f"<li>{html.escape(n)}</li>" for n in [*problem.notes, *summarise_notes(list(automl.search_.notes))])
    return (
        f"{_STYLE}<div class='jam-repr'><b>AutoML</b> — {html.escape(problem.task)} on "
        f"<code>{html.escape(problem.target)}</code>, {problem.n_rows} rows<br>"
        f"model: {html.escape(automl.search_.description)}<br>"
        f"{html.escape(problem.metric.name)} ({html.escape(problem.splits.label)}, "
        f"out of fold): <b>{automl.cv_score_:.4f}</b>"
        f"<table><tr>{head}</tr>{body}</table>"
        + (f"<div class='jam-muted'>Notes:<ul>{notes}</ul></div>" if notes else "")
        + "</div>"
    )
