"""insight._diagnostics, which the wizard's Results step shows: scores on held-out rows and the
data behind each plot (not its pixels)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.model_selection import train_test_split

from jupyter_automl import AutoML
from jupyter_automl.datasets import load_demo
from jupyter_automl.exceptions import InputError, NotFittedError
from jupyter_automl.insight.diagnostics._diagnostics import MSG_LENGTH, MSG_NOT_FITTED, diagnose


def _fitted(name):
    X, y, _ = load_demo(name)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    automl = AutoML(time_budget=None, n_trials=2, families=["linear"], storage="memory", n_jobs=1,
                    seed=0).fit(X_tr, y_tr)
    return automl, X_te, y_te


@pytest.fixture(scope="module")
def binary():
    return _fitted("breast_cancer")


def test_binary_scores_match_scikit_learn(binary):
    automl, X, y = binary
    d = diagnose(automl, X, y)
    proba = automl.predict_proba(X)[:, list(automl.classes_).index("malignant")]
    assert d.metric == "roc_auc" and list(d.scores)[0] == "roc_auc"
    assert d.scores["roc_auc"] == pytest.approx(skm.roc_auc_score(y == "malignant", proba))
    assert d.scores["accuracy"] == pytest.approx(skm.accuracy_score(y, automl.predict(X)))
    assert d.directions["log_loss"] == "minimize" and d.directions["f1"] == "maximize"
    assert d.n_rows == len(y)


def test_binary_plots_hold_the_confusion_matrix_and_positive_class_curves(binary):
    automl, X, y = binary
    d = diagnose(automl, X, y)
    cm = d.plots["confusion_matrix"]
    assert cm.labels == list(automl.classes_)
    assert cm.matrix.sum() == len(y)
    assert np.array_equal(cm.matrix, skm.confusion_matrix(y, automl.predict(X), labels=automl.classes_))
    assert list(d.plots["roc"].curves) == ["malignant"]
    fpr, tpr, auc = d.plots["roc"].curves["malignant"]
    assert auc == pytest.approx(d.scores["roc_auc"]) and fpr[0] == 0 and tpr[-1] == 1
    precision, recall, ap, prevalence = d.plots["precision_recall"].curves["malignant"]
    assert prevalence == pytest.approx((y == "malignant").mean())
    rel = d.plots["reliability"]  # binned by predicted probability: observed share in [0, 1]
    assert 0 <= min(rel.observed) and max(rel.observed) <= 1
    fig = d.plot()
    assert len(fig.axes) == 4 and fig.axes[1].get_title() == "ROC curve"
    assert fig.axes[3].get_title() == "Reliability diagram"


def test_multiclass_draws_one_curve_per_class():
    automl, X, y = _fitted("wine")
    d = diagnose(automl, X, y)
    assert d.metric == "log_loss"
    assert set(d.plots["roc"].curves) == set(automl.classes_)
    assert d.plots["confusion_matrix"].matrix.shape == (3, 3)


@pytest.mark.filterwarnings("ignore::jupyter_automl.exceptions.DataWarning")  # blank pixels
def test_integer_labels_in_an_object_column_get_their_confusion_matrix():
    """The digits demo's labels are integers in an object column, which scikit-learn's
    confusion_matrix refuses ("unknown is not supported"): the wizard showed no results."""
    automl, X, y = _fitted("digits")
    assert y.dtype == object and isinstance(y.iloc[0], int)
    d = diagnose(automl, X, y)
    expected = skm.confusion_matrix(y.astype(int), automl.predict(X).astype(int), labels=list(range(10)))
    assert np.array_equal(d.plots["confusion_matrix"].matrix, expected)
    assert expected.trace() > 0.8 * len(y)


def test_regression_residuals_and_predicted_vs_actual():
    automl, X, y = _fitted("diabetes")
    d = diagnose(automl, X, y)
    pred = automl.predict(X)
    assert set(d.scores) == {"rmse", "mae", "r2", "mape"}  # MAPE: diabetes has no zero target
    assert d.scores["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, pred))
    assert d.scores["rmse"] == pytest.approx(skm.root_mean_squared_error(y, pred))
    np.testing.assert_allclose(d.plots["residuals"].residuals, y.to_numpy() - pred)
    np.testing.assert_allclose(d.plots["predicted_vs_actual"].actual, y.to_numpy())
    ax = d.plots["residuals"].plot()
    assert ax.get_xlabel() == "predicted"
    plt.close(ax.figure)


def test_bad_calls_say_what_to_do(binary):
    automl, X, y = binary
    with pytest.raises(InputError) as info:
        diagnose(automl, X, y[:-1])
    assert str(info.value) == MSG_LENGTH.format(n_x=len(X), n_y=len(y) - 1)
    with pytest.raises(NotFittedError, match=MSG_NOT_FITTED[:30]):
        diagnose(AutoML(), X, y)


def test_rows_of_one_class_give_no_curves_but_still_a_matrix(binary):
    automl, X, y = binary
    benign = y == "benign"
    d = diagnose(automl, X[benign], y[benign])
    assert "roc" not in d.plots and "confusion_matrix" in d.plots
    assert np.isnan(d.scores["roc_auc"])
