"""explain(): the path per model, values in the original columns that add up to the model's output."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from jupyter_automl.estimators import WeightedEnsembleClassifier, WeightedEnsembleRegressor
from jupyter_automl.exceptions import InputError
from jupyter_automl.insight import Explanation, ThresholdClassifier, explain
from jupyter_automl.insight.explain._shap import MSG_MISSING, NOTE_WRAPPED

from .._data import FRAMES
from ..conftest import tiny_automl


def _fit(task, family, **kw):
    X, y = FRAMES[task]()
    automl = tiny_automl(families=[family], n_trials=1, check_leakage=False, **kw).fit(X, y)
    return automl, X.assign(row_id=np.arange(len(X))), y  # row_id: not a feature, SHAP value 0


def _model_output(automl, X, result):
    model = automl.best_pipeline_
    if result.space == "prediction":
        return model.predict(X)
    k = list(automl.classes_).index(result.target_class)
    if result.space == "probability":
        return model.predict_proba(X)[:, k]
    if result.space == "log-odds":
        return logit(np.clip(model.predict_proba(X)[:, k], 1e-300, 1))
    return np.asarray(model.decision_function(X))[:, k]  # multiclass logit


def _prefit_ensemble(task, families, weights):
    """Two families' best pipelines as one prefit ensemble, the first AutoML, and X without row_id."""
    fitted = [_fit(task, family) for family in families]
    first, X, y = fitted[0]
    ensemble_cls = WeightedEnsembleRegressor if task == "regression" else WeightedEnsembleClassifier
    members = [(name, automl.best_pipeline_) for name, (automl, _, _) in zip("ab", fitted, strict=True)]
    ensemble = ensemble_cls(members, weights=weights, prefit=True).fit(X, y)
    return first, ensemble, X.drop(columns="row_id")


@pytest.mark.parametrize("task, family, method", [
    ("binary", "linear", "linear"),
    ("binary", "gradient_boosting", "tree"),
    ("binary", "random_forest", "tree"),
    ("binary", "knn", "permutation"),
    ("multiclass", "gradient_boosting", "tree"),
    ("multiclass", "linear", "linear"),
    ("regression", "linear", "linear"),
    ("regression", "gradient_boosting", "tree"),
    ("regression", "extra_trees", "tree"),
])
def test_values_are_in_the_original_columns_and_add_up_to_the_output(task, family, method):
    automl, X, _ = _fit(task, family)
    result = automl.explain(X.head(30))
    assert isinstance(result, Explanation)
    assert result.method == method
    assert list(result.values.columns) == list(X.columns)
    assert list(result.values.index) == list(X.head(30).index)
    assert (result.values["row_id"] == 0).all()
    np.testing.assert_allclose(result.output_values, _model_output(automl, X.head(30), result),
                               rtol=1e-6, atol=1e-6)


def test_binary_explains_the_positive_class_and_others_on_request():
    automl, X, _ = _fit("binary", "gradient_boosting", positive_class=0)
    result = automl.explain(X.head(20))
    assert result.target_class == 0 and result.output == "log-odds of 0"
    other = result.for_class(1)
    np.testing.assert_allclose(other.values.to_numpy(), -result.values.to_numpy())
    with pytest.raises(InputError, match="not a class of the model"):
        automl.explain(X.head(5), target_class="nope")


def test_multiclass_keeps_every_class():
    automl, X, _ = _fit("multiclass", "gradient_boosting")
    fox = automl.explain(X.head(20), target_class="fox")
    cat = fox.for_class("cat")
    assert fox.output == "raw score (softmax logit) of 'fox'" and cat.target_class == "cat"
    assert not np.allclose(fox.values.to_numpy(), cat.values.to_numpy())
    np.testing.assert_allclose(cat.output_values, _model_output(automl, X.head(20), cat), atol=1e-6)


def test_exact_values_of_a_regression_ensemble_are_combined_by_weight():
    linear, ensemble, X = _prefit_ensemble("regression", ["linear", "gradient_boosting"], [0.25, 0.75])
    result = explain(ensemble, X.head(25), problem=linear.problem_)
    assert result.method == "ensemble of exact values"
    np.testing.assert_allclose(result.output_values, ensemble.predict(X.head(25)), rtol=1e-9)


def test_a_classification_ensemble_is_explained_exactly_in_probability_space():
    linear, ensemble, X = _prefit_ensemble("binary", ["linear", "gradient_boosting"], [0.3, 0.7])
    result = explain(ensemble, X.head(10), problem=linear.problem_)
    assert result.method == "ensemble of exact values" and result.space == "probability"
    np.testing.assert_allclose(result.output_values, ensemble.predict_proba(X.head(10))[:, 1], atol=1e-9)
    assert any("interventional" in n and "background rows" in n for n in result.notes)
    forced = explain(ensemble, X.head(10), problem=linear.problem_, method="permutation")
    assert forced.method == "permutation"


def test_the_notes_name_each_member_with_the_route_that_explained_it():
    boosting, ensemble, X = _prefit_ensemble("binary", ["gradient_boosting", "random_forest"], [0.6, 0.4])
    result = explain(ensemble, X.head(8), problem=boosting.problem_)
    np.testing.assert_allclose(result.output_values, ensemble.predict_proba(X.head(8))[:, 1], atol=1e-9)
    assert result.notes[0].startswith("Members HistGradientBoostingClassifier (weight 0.60") and \
        "interventional SHAP" in result.notes[0], result.notes
    assert result.notes[1].startswith("Members RandomForestClassifier (weight 0.40") and \
        "path-dependent TreeSHAP" in result.notes[1], result.notes


def test_an_ensemble_with_a_member_without_exact_route_mixes_exact_values_and_permutation():
    boosting, ensemble, X = _prefit_ensemble("binary", ["gradient_boosting", "knn"], [0.8, 0.2])
    result = explain(ensemble, X.head(12), problem=boosting.problem_)
    assert result.method == "ensemble: exact values and permutation"
    np.testing.assert_allclose(result.output_values, ensemble.predict_proba(X.head(12))[:, 1], atol=1e-9)
    assert any(n.startswith("Members KNeighborsClassifier (weight 0.20") for n in result.notes)


def test_time_bound_samples_rows_and_says_so():
    automl, X, _ = _fit("binary", "knn")
    X = pd.concat([X] * 25, ignore_index=True)  # 2,000 rows: far more than 0.01 s of work
    result = automl.explain(X, max_time=0.01)
    assert result.sampled and len(result.values) < len(X)
    assert result.notes[0].startswith(f"Explained {len(result.values)} of {len(X):,} rows")
    assert result.values.index.is_monotonic_increasing


def test_a_thresholded_model_is_explained_through_its_scores():
    automl, X, y = _fit("binary", "linear")
    wrapped = ThresholdClassifier(automl.best_pipeline_, sensitive_features=["colour"], prefit=True).fit(X, y)
    result = explain(wrapped, X.head(10), problem=automl.problem_)
    assert result.notes[0] == NOTE_WRAPPED.format(name="ThresholdClassifier")
    assert result.method == "linear"


def test_bad_input_is_refused_with_a_clear_message():
    automl, X, _ = _fit("binary", "linear")
    with pytest.raises(InputError, match=r"X is missing 1 column\(s\) the model uses: \['signal'\]"):
        automl.explain(X.drop(columns="signal"))
    with pytest.raises(InputError, match=MSG_MISSING.split("{")[0]):
        explain(automl, X.drop(columns="signal"))
    with pytest.raises(InputError, match="method"):
        automl.explain(X, method="magic")
    with pytest.raises(InputError, match="does not apply"):
        automl.explain(X, method="tree")


def test_plots_draw_the_values_on_the_given_axes():
    automl, X, _ = _fit("binary", "gradient_boosting")
    result = automl.explain(X.head(40))
    fig, ax = plt.subplots()
    assert result.plot_bar(ax=ax, max_display=2) is result and result.ax_ is ax and result.figure_ is fig
    widths = sorted((p.get_width() for p in ax.patches), reverse=True)
    importance = result.importance()
    assert widths[0] == pytest.approx(importance.iloc[0])
    assert widths[-1] == pytest.approx(importance.iloc[2:].sum())  # "N other columns"
    result.plot("beeswarm")
    assert len(result.ax_.get_yticklabels()) == (importance > 0).sum()
    result.plot_dependence("colour")
    assert [t.get_text() for t in result.ax_.get_xticklabels()] == list(X.head(40)["colour"].value_counts().index)
    result.plot_dependence("signal", color="colour")
    result.plot_waterfall(3)
    bars = result.ax_.patches
    assert sum(p.get_width() for p in bars) == pytest.approx(result.values.iloc[3].sum())
    with pytest.raises(InputError, match="kind must be one of"):
        result.plot("pie")
    with pytest.raises(InputError, match="neither an index label nor a position"):
        result.plot_waterfall(10_000)
    assert "SHAP explanation" in result._repr_html_()
    shap_explanation = result.to_shap()
    assert shap_explanation.values.shape == result.values.shape


def test_values_frame_matches_the_rows_asked_for_by_label():
    automl, X, _ = _fit("regression", "linear")
    rows = X.sample(15, random_state=1)
    result = automl.explain(rows)
    pd.testing.assert_index_equal(result.values.index, rows.index)
    pd.testing.assert_frame_equal(result.data, rows)
