"""The HTML report: every section present, plots embedded, bad sections contained."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from jupyter_automl import AutoML
from jupyter_automl.datasets import load_demo
from jupyter_automl.exceptions import InputError, NotFittedError
from jupyter_automl.export import _figures
from jupyter_automl.export._report import NO_DATA, TOC, build
from jupyter_automl.insight.importance._importance import family_importance

IMG = re.compile(r"<img src='data:image/png;base64,[A-Za-z0-9+/=]{200,}'")


@pytest.fixture(scope="module")
def credit():
    X, y, info = load_demo("german_credit")
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    automl = AutoML(time_budget=None, n_trials=6, families=["linear"], storage="memory",
                    executor="sync", seed=0).fit(X_tr, y_tr)
    return automl, X_te, y_te


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"<section id='([^']+)'>", text)[1:]
    return dict(zip(parts[0::2], parts[1::2], strict=True))


def test_full_report_has_every_section_and_embedded_plots(credit, tmp_path):
    automl, X_te, y_te = credit
    path = automl.report(tmp_path / "r.html", X_te, y_te, sensitive_features=["personal_status"],
                         intended_use="<b>Teaching</b> only", title="Credit risk")
    text = path.read_text()
    found = sections(text)
    assert list(found) == [anchor for anchor, _ in TOC]
    assert "could not be computed" not in text
    assert "<title>Credit risk</title>" in text
    assert "&lt;b&gt;Teaching&lt;/b&gt; only" in text  # user text is escaped
    assert len(IMG.findall(found["search"])) == 2  # history + importance (6 linear trials)
    assert len(IMG.findall(found["diagnostics"])) == 1
    assert len(IMG.findall(found["explanations"])) == 1
    assert len(IMG.findall(found["fairness"])) == 1
    assert "http://" not in text.replace("http://www.w3.org", "") and "<script" not in text
    for trial in automl.leaderboard()["trial"]:
        assert f"<td class='num'>{trial}</td>" in found["search"]
    score = automl.score(X_te, y_te)
    assert f"{score:.4f}" in found["summary"] and f"{automl.cv_score_:.4f}" in found["summary"]
    assert "female_divorced_separated_married" in found["model-card"]  # metrics by group
    assert "Limitations" in found["model-card"] and "Intended use" in found["model-card"]


def test_without_evaluation_rows_the_data_sections_say_what_to_pass(credit):
    automl, _, _ = credit
    text, found = build(automl)
    parts = sections(text)
    for name in ("diagnostics", "explanations", "fairness"):
        assert NO_DATA in parts[name]
    assert "no evaluation on held-out rows" in parts["model-card"]
    assert found.diagnostics is None and not found.errors


def test_a_failing_step_is_shown_and_the_rest_is_written(credit):
    automl, X_te, y_te = credit
    text, found = build(automl, X_te, y_te, sensitive_features=["no_such_column"])
    parts = sections(text)
    assert "fairness" in found.errors
    assert "could not be computed" in parts["fairness"] and "no_such_column" in parts["fairness"]
    assert "could not be computed" not in parts["diagnostics"]
    assert IMG.search(parts["explanations"])


def test_report_of_a_loaded_regression_model(tmp_path):
    X, y, _ = load_demo("diabetes")
    automl = AutoML(time_budget=None, n_trials=3, families=["linear"], storage="memory",
                    executor="sync").fit(X.iloc[:300], y.iloc[:300])
    loaded = AutoML.load(automl.save(tmp_path / "m.skops"))
    text, found = build(loaded, X.iloc[300:], y.iloc[300:].to_numpy())
    assert not found.errors, found.errors
    assert set(found.diagnostics.plots) == {"residuals", "predicted_vs_actual"}
    assert "rmse" in sections(text)["diagnostics"]
    # y may also name a column of X, as in fit
    frame = X.iloc[300:].assign(progression=y.iloc[300:])
    _, found2 = build(loaded, frame, "progression")
    assert found2.diagnostics.scores == found.diagnostics.scores


def test_clear_errors(credit, tmp_path):
    automl, X_te, _ = credit
    with pytest.raises(InputError, match="ending in .html"):
        automl.report(tmp_path / "r.pdf")
    with pytest.raises(InputError, match="Pass y"):
        automl.report(tmp_path / "r.html", X_te)
    with pytest.raises(NotFittedError, match="nothing to report"):
        AutoML().report(tmp_path / "r.html")


def test_parameter_importance_finds_the_parameter_that_matters():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(30):
        C, noise = 10 ** rng.uniform(-3, 3), rng.uniform(0, 1)
        rows.append({"trial": i, "family": "linear", "status": "finished",
                     "score": -abs(np.log10(C)) + 0.01 * noise,
                     "params": {"linear.C": C, "linear.noise": noise, "linear.fixed": "same"}})
    board = pd.DataFrame(rows)
    result = family_importance(board, "linear", "maximize")
    assert list(result.importances) == ["C", "noise"]  # "fixed" never varied
    assert result.importances["C"] > 0.8 and result.n_trials == 30
    assert family_importance(board.head(4), "linear", "maximize") is None  # too few trials


def test_search_history_draws_the_best_score_so_far():
    board = pd.DataFrame({"trial": [0, 1, 2, 3, 4], "family": ["linear", "knn", "linear", "knn", "svm"],
                          "status": ["finished", "finished", "pruned", "finished", "failed"],
                          "score": [0.7, 0.8, 0.6, 0.75, np.nan]})
    fig, ax = _figures.new_figure()
    _figures.search_history(board, "roc_auc", True, ax)
    best_line = ax.lines[0]
    np.testing.assert_array_equal(best_line.get_xdata(), [0, 1, 3])
    np.testing.assert_array_equal(best_line.get_ydata(), [0.7, 0.8, 0.8])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["linear", "knn", "pruned or stopped (partial score)", "best so far", "failed"]
    assert _figures.to_data_uri(fig).startswith("data:image/png;base64,")
