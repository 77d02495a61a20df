"""A network chosen by the "nas" family saves to skops (torch weights as safetensors bytes inside), loads
without trust and predicts the same; export_code refuses it with a clear message, both backends."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jupyter_automl import AutoML
from jupyter_automl.search.space._nas import NN_BACKEND_VARIABLE


@pytest.mark.filterwarnings("ignore::jupyter_automl.exceptions.DataWarning")  # blank pixels
@pytest.mark.parametrize(("backend", "kind"), [("torch", "TabularNetClassifier"),
                                                ("sklearn", "SklearnNetClassifier")])
def test_a_network_saves_loads_and_predicts_the_same(backend, kind, tmp_path, monkeypatch):
    monkeypatch.setenv(NN_BACKEND_VARIABLE, backend)
    X, y = load_digits(return_X_y=True, as_frame=True)
    automl = AutoML(time_budget=None, n_trials=1, seed=0, executor="sync", storage="memory",
                    families=["nas"], ensemble=False, cv=2).fit(X.iloc[:300], y.iloc[:300])
    net = automl.best_pipeline_.steps[-1][1]
    assert type(net).__name__ == kind
    path = automl.save(tmp_path / "model.skops")
    loaded = AutoML.load(path)  # no trust needed
    new = X.iloc[300:420]
    # float32 sums may round differently with another thread count (a loaded model in a busy process)
    np.testing.assert_allclose(loaded.predict_proba(new), automl.predict_proba(new), rtol=0, atol=1e-6)
    assert loaded.leaderboard()["epochs"].iloc[0] == net.n_epochs_
    with pytest.raises(TypeError, match="cannot rebuild it without jupyter_automl"):
        automl.export_code(tmp_path / "train.py")
