"""report: one self-contained HTML file about a fitted AutoML.

Sections: summary, data, setup (including the search space), search (history, scores by family,
parameter importance, leaderboard), chosen model, diagnostics, explanations (SHAP), fairness and
a model card. Diagnostics, explanations and fairness need evaluation rows (``X``, ``y``): best
rows held out from ``fit``. A section that fails shows its error instead of sinking the report.
"""

from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .._logging import get_logger
from ..exceptions import InputError, NotFittedError
from ..problem import target_array
from ..search import end_reason_text, threshold_text
from . import _figures as F
from ._html import bullets, card, esc, figure, fmt, note, page, pairs, section, table
from ._model_card import model_card
from ._outline import outline

_log = get_logger(__name__)

EXPLAIN_ROWS = 300  # rows explained with SHAP (a sample of the evaluation rows)
EXPLAIN_SECONDS = 1.0  # time the SHAP step may take (exact tree and linear paths need far less)
LEADERBOARD_ROWS = 15
MSG_NOT_FITTED = "This AutoML is not fitted yet, so there is nothing to report. Call fit(X, y) first."
MSG_X = "X must be a pandas DataFrame with the columns seen in fit. Got {got} instead."
MSG_Y = "Pass y (the targets of X's rows, or the name of the target column in X) along with X."
MSG_SUFFIX = "report writes one HTML file; give a path ending in .html. Got {path!r}."
NO_DATA = ("Pass evaluation rows to include this section: <code>automl.report(path, X_test, "
           "y_test)</code>, best rows that were held out from <code>fit</code>.")
TOC = [("summary", "Summary"), ("data", "Data"), ("setup", "Setup"), ("search", "Search"),
       ("model", "Chosen model"), ("diagnostics", "Diagnostics"), ("explanations", "Explanations"),
       ("fairness", "Fairness"), ("model-card", "Model card")]


@dataclass
class Findings:
    """What the report computes before it writes: results, errors and warnings per step."""

    board: pd.DataFrame
    X: pd.DataFrame | None = None
    y: np.ndarray | None = None
    sensitive: Any = None
    diagnostics: Any = None
    explanation: Any = None
    fairness: Any = None
    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, fn: Any) -> Any:
        """Call ``fn``; keep its warnings for the report; on error keep the message."""
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return fn()
            except Exception as exc:  # one failed section must not lose the whole report
                _log.warning("report: %s failed\n%s", name, traceback.format_exc())
                self.errors[name] = f"{type(exc).__name__}: {exc}"
                return None
            finally:
                self.warnings[name] = list(dict.fromkeys(str(w.message) for w in caught
                                                         if not _is_noise(w)))
                self.seconds[name] = time.perf_counter() - t0


def _is_noise(w: warnings.WarningMessage) -> bool:
    """Library chatter (experimental APIs, deprecations) that says nothing about the model."""
    name = type(w.message).__name__
    return name in ("ExperimentalWarning", "DeprecationWarning", "FutureWarning",
                    "PendingDeprecationWarning")


def _split_xy(X: Any, y: Any) -> tuple[pd.DataFrame | None, np.ndarray | None]:
    if X is None:
        return None, None
    if not isinstance(X, pd.DataFrame):
        raise InputError(MSG_X.format(got=type(X).__name__))
    if y is None:
        raise InputError(MSG_Y)
    if isinstance(y, str) and y in X.columns:
        X, y = X.drop(columns=[y]), X[y]
    values = target_array(y)
    known = ~pd.isna(values)
    if not known.all():  # rows without a target cannot be scored
        X, values = X.loc[known], values[known]
    return X, values


def collect(automl: Any, X: Any, y: Any, sensitive_features: Any) -> Findings:
    found = Findings(board=automl.leaderboard())
    found.X, found.y = _split_xy(X, y)
    found.sensitive = sensitive_features
    if found.X is None:
        return found
    from ..insight import diagnose

    found.diagnostics = found.run("diagnostics", lambda: diagnose(automl, found.X, found.y))
    rows = found.X
    if len(rows) > EXPLAIN_ROWS:
        rows = rows.sample(EXPLAIN_ROWS, random_state=automl.seed)
    found.explanation = found.run("explanations", lambda: automl.explain(
        rows, max_time=EXPLAIN_SECONDS, random_state=automl.seed))
    if sensitive_features is not None:
        found.fairness = found.run("fairness", lambda: automl.fairness(
            found.X, found.y, sensitive_features=sensitive_features))
    return found


# -- sections ---------------------------------------------------------------------------------


def _score_text(automl: Any) -> str:
    metric = automl.problem_.metric
    return f"{metric.name} {automl.cv_score_:.4f}"


def summary_section(automl: Any, found: Findings) -> str:
    problem = automl.problem_
    board = found.board
    n_done = int((board["status"] == "finished").sum())
    cards = [
        card("task", problem.task, f"target {problem.target!r}"),
        card("chosen model", _short_model(automl), f"trial {automl.best_trial_}"),
        card(f"{problem.metric.name} (cross-validated)", f"{automl.cv_score_:.4f}",
             f"{problem.splits.n_folds} fold(s), out of fold"),
    ]
    if found.diagnostics is not None:
        d = found.diagnostics
        cards.append(card(f"{d.metric} (evaluation rows)", f"{d.scores[d.metric]:.4f}",
                          f"on {d.n_rows:,} rows passed to report()"))
    cards.append(card("trials", f"{n_done} finished", f"{len(board)} started"))
    text = (f"<p>The search tried {len(board)} configurations of {problem.task} models for "
            f"<code>{esc(problem.target)}</code> and chose <b>{esc(automl.search_.description)}</b>. "
            f"It ended because {esc(_end_reason(automl))}.</p>")
    return section("summary", "Summary", f"<div class='cards'>{''.join(cards)}</div>{text}")


def _end_reason(automl: Any) -> str:
    return end_reason_text(automl.search_.reason or "")


def _short_model(automl: Any) -> str:
    members = automl.search_.members
    if len(members) > 1:
        return f"ensemble of {len(members)}"
    rows = automl.leaderboard()
    match = rows[rows["trial"] == automl.best_trial_]
    return str(match["family"].iloc[0]) if len(match) else type(automl.best_pipeline_).__name__


def data_section(automl: Any, found: Findings) -> str:
    problem = automl.problem_
    s = problem.summary()
    facts: list[tuple[str, Any]] = [
        ("target", problem.target),
        ("task", f"{problem.task} ({problem.task_reason})"),
        ("rows used in fit", problem.n_rows),
        ("columns", f"{len(problem.columns)} ({len(problem.used_columns)} used)"),
    ]
    if problem.is_classification:
        facts.append(("classes", ", ".join(str(c) for c in s["classes"][:20])))
    if problem.task == "binary":
        facts.append(("positive class", f"{problem.positive_class!r} ({problem.positive_reason})"))
    columns = pd.DataFrame(s["columns"])[["name", "kind", "dtype", "n_missing", "n_unique", "used", "note"]]
    body = f"<div>{pairs(facts)}</div>"
    if found.y is not None:
        n_bars = len(set(map(str, found.y))) if problem.is_classification else 0
        fig, ax = F.new_figure(4.6, 1.2 + 0.32 * min(n_bars, 20) if n_bars else 2.6)
        F.target_distribution(found.y, problem.task, problem.target, ax)
        body += figure(F.to_data_uri(fig), f"Target values of the {len(found.y):,} evaluation rows "
                       "passed to report().", "target distribution")
    body = f"<div class='row'>{body}</div>"
    body += "<h3>Columns</h3>" + table(columns, highlight=~columns["used"])
    if not columns["used"].all():
        body += "<p class='muted'>Highlighted columns were left out of the models (the note says why).</p>"
    body += "".join(note(esc(n), "warn") for n in problem.notes)
    return section("data", "Data", body, "What the search was given, and what it made of each column.")


def setup_section(automl: Any) -> str:
    from ..search.space import SearchSpace

    problem = automl.problem_
    params = automl.get_params(deep=False)
    splits = problem.splits
    facts: list[tuple[str, Any]] = [
        ("metric", f"{problem.metric.name}, {problem.metric.direction}d ({problem.metric_reason})"),
        ("validation", f"{splits.label}: {splits.reason}"),
        ("time budget", "none" if params.get("time_budget") is None else f"{params['time_budget']} s"),
        ("trial limit", params.get("n_trials") or "none"),
        ("seed", params.get("seed")),
        ("families", ", ".join(params.get("families") or ["all"])),
        ("sampler / pruner", f"{params.get('sampler')} / {params.get('pruner')}"),
        ("ensemble", params.get("ensemble")),
        ("executor", params.get("executor") if isinstance(params.get("executor"), str) else "custom"),
    ]
    body = pairs(facts)
    body += ("<h3>Search space</h3><p>Each trial picks a model family and values for its settings "
             "from these ranges. The first trials are the known-good defaults; then the sampler "
             "(Optuna) proposes values near the best ones so far.</p>")
    try:
        space = SearchSpace(problem, automl.families).describe()
    except Exception as exc:  # a family renamed since the file was saved
        return section("setup", "Setup", body + note(esc(f"Search space unavailable: {exc}"), "warn"))
    for fam in space:
        rows = [{"setting": p["name"], "type": p["kind"],
                 "range": (", ".join(str(c) for c in p["choices"]) if "choices" in p
                           else f"{fmt(p['low'])} … {fmt(p['high'])}{' (log)' if p.get('log') else ''}"),
                 "default": fmt(p["default"]), "what it does": p["help"]} for p in fam["params"]]
        body += (f"<details><summary><b>{esc(fam['label'])}</b> ({esc(fam['name'])}): "
                 f"{esc(fam['help'])}</summary>{table(pd.DataFrame(rows))}</details>")
    return section("setup", "Setup", body, "How the search was configured.")


def search_section(automl: Any, found: Findings) -> str:
    board = found.board
    metric = automl.problem_.metric
    counts = board["status"].value_counts()
    facts = [(status, int(counts.get(status, 0)))
             for status in ("finished", "pruned", "stopped", "failed") if counts.get(status, 0)]
    body = pairs(facts + [("search ended", f"{_end_reason(automl)} ({automl.search_.reason})")])
    fig, axes = F.new_figure(11, 3.8, ncols=2)
    F.search_history(board, metric.name, metric.greater_is_better, axes[0])
    F.family_scores(board, metric.name, metric.greater_is_better, axes[1])
    body += figure(F.to_data_uri(fig), "Left: every trial's cross-validated score; pruned trials "
                   "were stopped early because their first folds were weak. Right: the spread of "
                   "scores within each model family.", "search history")
    from ..insight import importances

    found_imp = importances(board, metric.direction)
    if found_imp:
        fig, axes = F.new_figure(5.5 * len(found_imp), 3.2, ncols=len(found_imp))
        for ax, result in zip(np.atleast_1d(axes), found_imp, strict=True):
            F.importance_bars(result, ax)
        body += figure(F.to_data_uri(fig), "Which settings made the biggest difference to the "
                       "score, within the best families (Optuna's fANOVA importance over their "
                       "finished trials).", "parameter importance")
    else:
        body += note("Parameter importance needs at least 5 finished trials of a family; give the "
                     "search more time to see which settings matter.")
    shown = board.head(LEADERBOARD_ROWS).copy()
    shown["params"] = shown["params"].map(_short_params)
    in_model = shown["ensemble_weight"] > 0
    shown["ensemble_weight"] = [f"{w:.0%}" if w > 0 else "" for w in shown["ensemble_weight"]]
    shown = shown.rename(columns={"ensemble_weight": "weight", "score_std": "± std"})
    cols = [c for c in ("rank", "trial", "family", "score", "± std", "status", "n_folds",
                        "fit_time", "weight", "reason", "params") if c in shown.columns]
    body += (f"<h3>Leaderboard</h3><p class='muted'>Top {len(shown)} of {len(board)} trials; "
             "highlighted: in the chosen model.</p>")
    body += table(shown[cols], highlight=in_model, small=("reason", "params"))
    failed = board[board["status"] == "failed"]
    if len(failed):
        reasons = failed["reason"].value_counts().head(5)
        body += "<h3>Failures</h3>" + bullets([f"{n}× {r}" for r, n in reasons.items()])
    from ..insight import summarise_notes

    body += "".join(note(esc(n), "warn") for n in summarise_notes(list(automl.search_.notes)))
    return section("search", "Search", body, "What was tried, in what order, and how it scored.")


def _short_params(params: Any, limit: int = 140) -> str:
    if not isinstance(params, dict):
        return ""
    text = ", ".join(f"{k.split('.', 1)[-1]}={fmt(v, 3)}" for k, v in params.items())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def model_section(automl: Any, found: Findings) -> str:
    from ._codegen import model_source

    result = automl.search_
    board = found.board.set_index("trial")
    rows = []
    for trial, weight in zip(result.members, result.weights, strict=True):
        r = board.loc[trial] if trial in board.index else None
        rows.append({"trial": trial, "family": None if r is None else r["family"], "weight": f"{weight:.0%}",
                     "cv score": None if r is None else r["score"],
                     "settings": "" if r is None else _short_params(r["params"], 200)})
    body = (f"<p><b>{esc(result.description)}</b>. Its cross-validated {esc(automl.problem_.metric.name)}"
            f" is {automl.cv_score_:.4f}. It was refit on all {automl.problem_.n_rows:,} rows; it is a "
            "plain scikit-learn model (<code>automl.best_pipeline_</code>), and "
            "<code>automl.export_code(path)</code> writes a script that rebuilds it.</p>")
    decision = threshold_text(result, automl.problem_.metric.name, _plain(automl.problem_.positive_class))
    if decision:
        body += f"<p>{esc(decision)}</p>"
    body += table(pd.DataFrame(rows), small=("settings",))
    body += "<h3>How it is built</h3>" + outline(automl.best_pipeline_)
    try:
        defs, build, imports = model_source(automl)
        code = "\n".join(imports.lines()) + "\n\n\n" + defs + "model = " + build + "\n"
        body += (f"<details><summary>The Python code that rebuilds it (unfitted)</summary>"
                 f"<pre class='code'>{esc(code)}</pre></details>")
    except Exception as exc:  # a model part that cannot be written as code
        body += note(esc(f"No code view: {exc}"), "warn")
    return section("model", "Chosen model", body)


def diagnostics_section(automl: Any, found: Findings) -> str:
    intro = "How the model does on the evaluation rows."
    if found.X is None:
        return section("diagnostics", "Diagnostics", note(NO_DATA), intro)
    if found.diagnostics is None:
        return section("diagnostics", "Diagnostics", _failed(found, "diagnostics"), intro)
    d = found.diagnostics
    scores = pd.DataFrame([{"metric": k, "value": v, "better": "higher" if d.directions[k] == "maximize"
                            else "lower", "cross-validated": automl.cv_score_ if k == d.metric else None}
                           for k, v in d.scores.items()])
    body = f"<p>{d.n_rows:,} rows. If they were also used in <code>fit</code>, these scores are optimistic.</p>"
    body += table(scores)
    n = len(d.plots)
    if n:
        fig, axes = F.new_figure(4.0 * n, 3.6, ncols=n)
        for ax, plot in zip(np.atleast_1d(axes), d.plots.values(), strict=True):
            plot.plot(ax=ax)
        body += figure(F.to_data_uri(fig), _diagnostics_caption(d), "diagnostic plots")
    body += _warned(found, "diagnostics")
    return section("diagnostics", "Diagnostics", body, intro)


def _diagnostics_caption(d: Any) -> str:
    if d.task == "regression":
        return ("Residuals (actual minus predicted) should scatter evenly around 0; predicted against "
                "actual should follow the diagonal.")
    return ("Confusion matrix: rows are the true classes. ROC: the trade-off between catching "
            "positives and false alarms over every threshold. Precision-recall: how many flagged "
            "rows are right, against how many positives are found.")


def explanations_section(automl: Any, found: Findings) -> str:
    intro = ("SHAP values split each prediction into one contribution per column: the base value "
             "(the average output) plus the contributions gives the model's output for that row. "
             "A large absolute value means the column moved the prediction a lot.")
    if found.X is None:
        return section("explanations", "Explanations", note(NO_DATA), intro)
    e = found.explanation
    if e is None:
        return section("explanations", "Explanations", _failed(found, "explanations"), intro)
    fig, axes = F.new_figure(11, 4.2, ncols=2)
    e.plot_bar(ax=axes[0])
    e.plot_beeswarm(ax=axes[1])
    body = figure(F.to_data_uri(fig), f"Left: mean absolute SHAP value per column (global "
                  f"importance). Right: one dot per row; red dots are high values of the column, "
                  f"blue ones low; right of 0 pushes the output ({e.output}) up.", "SHAP plots")
    top = e.importance().head(3)
    body += (f"<p>Explained output: {esc(e.output)}; base value {e.base_value:.4g}; method: "
             f"{esc(e.method)}; {len(e.values):,} rows in {e.seconds:.1f} s. The three most "
             f"influential columns: {esc(', '.join(top.index))}.</p>")
    body += bullets(e.notes) + _warned(found, "explanations", skip=e.notes)
    return section("explanations", "Explanations", body, intro)


DP_WARN = 0.1  # demographic parity / equalized odds differences above this are called large


def fairness_section(automl: Any, found: Findings) -> str:
    intro = ("A fairness gap is a difference in how the model treats groups of people: how often "
             "it predicts the positive outcome for each group (demographic parity), or how its "
             "error rates differ between groups (equalized odds). A gap is not proof of unfairness, "
             "but each one needs an explanation before the model is used on people.")
    if found.X is None:
        return section("fairness", "Fairness", note(NO_DATA), intro)
    if found.sensitive is None:
        return section("fairness", "Fairness", note(
            "No sensitive features were given, so no groups were compared. Pass "
            "<code>sensitive_features=[\"sex\", ...]</code> to <code>report()</code>."), intro)
    f = found.fairness
    if f is None:
        return section("fairness", "Fairness", _failed(found, "fairness"), intro)
    body = f"<p>Groups of {esc(', '.join(map(str, f.sensitive_features)))}, on the evaluation rows.</p>"
    groups = f.table()
    groups.index = groups.index.set_names([n or "group" for n in groups.index.names])
    body += table(groups, index=True)
    body += "<h3>Gaps</h3>" + pairs([(k, v) for k, v in f.disparities.items()])
    large = {k: v for k, v in f.disparities.items()
             if k.endswith("_difference") and isinstance(v, (float, np.floating)) and abs(v) > DP_WARN}
    if large and f.task == "classification":
        body += note(esc("Large gaps: " + ", ".join(f"{k} = {v:.3f}" for k, v in large.items())
                         + f" (above {DP_WARN}). Look at the groups' rates above; the fairness "
                         "notebook shows how to mitigate them."), "warn")
    fig, axes = F.new_figure(11, 3.6, ncols=2)
    f.plot_by_group(ax=axes[0])
    f.plot_disparities(ax=axes[1])
    body += figure(F.to_data_uri(fig), "Left: rates per group (dashed: over all rows). Right: the "
                   "gap measures (0 means parity).", "fairness plots")
    body += bullets(f.notes) + _warned(found, "fairness", skip=f.notes)
    return section("fairness", "Fairness", body, intro)


def _failed(found: Findings, name: str) -> str:
    return note(esc(f"This section could not be computed: {found.errors.get(name, 'unknown error')}"),
                "error") + _warned(found, name)


def _warned(found: Findings, name: str, skip: list[str] | None = None) -> str:
    items = [w for w in found.warnings.get(name) or [] if w not in (skip or [])]
    return "".join(note(esc(w), "warn") for w in items)


# -- the file ---------------------------------------------------------------------------------


def build(automl: Any, X: Any = None, y: Any = None, *, sensitive_features: Any = None,
          title: str | None = None, intended_use: str | None = None) -> tuple[str, Findings]:
    """The report's HTML text and what was computed for it (with seconds per step)."""
    from .._version import __version__

    t0 = time.perf_counter()
    if not hasattr(automl, "best_pipeline_"):
        raise NotFittedError(MSG_NOT_FITTED)
    # one OpenMP thread: predicting with histogram gradient boosting on ~10k rows was several
    # times slower with a thread per core while other work kept the 2-core machine busy
    with threadpool_limits(limits=1, user_api="openmp"):
        found = collect(automl, X, y, sensitive_features)
    problem = automl.problem_
    title = title or f"AutoML report: {problem.task} of {problem.target!r}"
    parts = []
    for name, make in (("summary", lambda: summary_section(automl, found)),
                       ("data", lambda: data_section(automl, found)),
                       ("setup", lambda: setup_section(automl)),
                       ("search", lambda: search_section(automl, found)),
                       ("model", lambda: model_section(automl, found)),
                       ("diagnostics", lambda: diagnostics_section(automl, found)),
                       ("explanations", lambda: explanations_section(automl, found)),
                       ("fairness", lambda: fairness_section(automl, found)),
                       ("model-card", lambda: model_card(automl, found, intended_use))):
        part = found.run(f"write {name}", make)
        if part is None:
            part = section(name, dict(TOC).get(name, name), _failed(found, f"write {name}"))
        parts.append(part)
    elapsed = time.perf_counter() - t0
    found.seconds["total"] = elapsed
    footer = (f"Written by jupyter_automl {esc(__version__)} on "
              f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC in {elapsed:.1f} s. "
              f"Seed {esc(automl.seed)}; study {esc(getattr(automl, 'study_name_', '—'))}.")
    subtitle = f"{problem.n_rows:,} rows, {_score_text(automl)} (cross-validated)"
    return page(title, subtitle, TOC, "".join(parts), footer), found


def report(automl: Any, path: str | Path, X: Any = None, y: Any = None, *,
           sensitive_features: Any = None, title: str | None = None,
           intended_use: str | None = None) -> Path:
    """Write the HTML report; see :meth:`jupyter_automl.AutoML.report`."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(MSG_SUFFIX.format(path=str(path)))
    text, found = build(automl, X, y, sensitive_features=sensitive_features, title=title,
                        intended_use=intended_use)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _log.info("report written to %s (%s)", path, ", ".join(f"{k} {v:.2f}s" for k, v in found.seconds.items()))
    return path
