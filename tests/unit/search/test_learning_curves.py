"""The networks' learning curves and architectures through the public API: a real tiny search
with the "nas" family (PyTorch, a 90-row table) gives ``SearchHandle.learning_curves()``, equal to
what its events and the Optuna study say, and each trial's configuration gives back the
architecture of the network that was fitted (``trial_architecture``)."""

from __future__ import annotations

import pytest
from sklearn.pipeline import Pipeline

from jupyter_automl import AutoML
from jupyter_automl.events import FoldScored
from jupyter_automl.nn import complete_architecture
from jupyter_automl.search import LEARNING_CURVE_COLUMNS, trial_architecture
from jupyter_automl.search.space._nas import NN_BACKEND_VARIABLE

from .._data import FRAMES

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def nas_search():
    X, y = FRAMES["multiclass"](90)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(NN_BACKEND_VARIABLE, "torch")
        automl = AutoML(families=["nas"], n_trials=5, executor="sync", time_budget=None, seed=0,
                        storage="memory", ensemble=False, cv=2, sampler="random", warm_start=False)
        automl.fit(X, y)
    return automl


def test_learning_curves_are_the_first_folds_epoch_scores(nas_search):
    handle = nas_search.handle_
    curves = handle.learning_curves()
    board = nas_search.leaderboard()
    assert list(curves.columns) == LEARNING_CURVE_COLUMNS
    assert set(curves["trial"]) == set(board["trial"])  # every network scored its first fold
    assert set(curves["family"]) == {"nas"}
    first_folds = {e.trial_number: e.epoch_scores for e in handle.events()
                   if isinstance(e, FoldScored) and e.fold == 0}
    for number, rows in curves.groupby("trial"):
        row = board.set_index("trial").loc[number]
        assert list(rows["epoch"]) == list(range(1, len(rows) + 1))
        assert rows["score"].tolist() == pytest.approx(first_folds[number])
        assert rows["score"].tolist() == pytest.approx(handle.study.trials[number].user_attrs["epoch_scores"])
        assert set(rows["status"]) == {row["status"]}
        if row["status"] == "pruned":  # stopped at a rung of its first fold: the curve ends there
            assert len(rows) == row["epochs"] < 100
            assert row["reason"].startswith(f"pruned at epoch {len(rows)} ")
        else:
            assert len(rows) == row["epochs"] == 100
    assert (board["status"] == "pruned").any(), board[["trial", "status", "epochs"]]


def test_a_search_without_networks_has_no_curves():
    X, y = FRAMES["binary"]()
    automl = AutoML(families=["linear"], n_trials=2, executor="sync", time_budget=None,
                    storage="memory", ensemble=False, cv=2, warm_start=False).fit(X, y)
    curves = automl.handle_.learning_curves()
    assert curves.empty and list(curves.columns) == LEARNING_CURVE_COLUMNS


def test_a_trials_configuration_gives_the_architecture_of_its_fitted_network(nas_search):
    board = nas_search.leaderboard()
    best = board.iloc[0]
    model = nas_search.best_pipeline_
    net = model.steps[-1][1] if isinstance(model, Pipeline) else model
    while not hasattr(net, "architecture"):  # a wrapper (calibration, target transform...)
        net = getattr(net, "estimator", None) or net.steps[-1][1]
    assert trial_architecture(best["params"]).to_dict() == complete_architecture(net.architecture)
    for params in board["params"]:  # the prefix and the other settings (selection) are left out
        assert trial_architecture(params).blocks
    with pytest.raises(ValueError, match="'nas' trial"):
        trial_architecture({"family": "linear", "linear.C": 1.0})
