"""The PyTorch network: real training on tiny tables, round trips, reproducibility, bad cases."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402

from jupyter_automl.nn import TabularNetClassifier, TabularNetRegressor, load_network  # noqa: E402
from jupyter_automl.nn import network as network_module  # noqa: E402
from jupyter_automl.nn._layers import batches  # noqa: E402

from .conftest import SMALL, easy_classification  # noqa: E402

RICH = {"inputs": {"numeric": "piecewise_linear", "n_bins": 8},
        "blocks": [{"width": 16, "norm": "batch", "dropout": 0.2, "residual": True},
                   {"width": 8, "activation": "gelu", "norm": "layer", "residual": True}],
        "n_heads": 3, "ensemble": "tabm_mini", "training": {"lr": 1e-2, "batch_size": 32}}


def clf(arch=RICH, **kw):
    return TabularNetClassifier(arch, cat_cardinalities=[3], **({"max_epochs": 6, "random_state": 0} | kw))


def test_iter_epochs_yields_improving_validation_predictions(clf_data):
    X, y = clf_data
    X_val, y_val = easy_classification(200, seed=5)
    net = clf(SMALL, max_epochs=25)
    epochs, losses = [], []
    for epoch, proba in net.iter_epochs(X, y, X_val):
        epochs.append(epoch)
        assert proba.shape == (200, 2) and np.allclose(proba.sum(axis=1), 1)
        losses.append(log_loss(y_val, proba, labels=net.classes_))
        assert net.n_epochs_ == epoch
    assert epochs == list(range(1, 26))
    assert losses[-1] < 0.7 * losses[0]
    assert (net.predict(X_val) == y_val).mean() > 0.85


def test_leaving_the_loop_leaves_a_usable_estimator(clf_data):
    X, y = clf_data
    net = clf()
    for epoch, _ in net.iter_epochs(X, y):
        if epoch == 2:
            break
    assert net.n_epochs_ == 2
    assert set(net.predict(X)) <= {"no", "yes"}


def test_same_seed_same_network_other_seed_other_network(clf_data):
    X, y = clf_data
    a, b, c = clf().fit(X, y), clf().fit(X, y), clf(random_state=1).fit(X, y)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_state_bytes_resume_exactly_where_training_stopped(clf_data):
    X, y = clf_data
    straight = clf().fit(X, y)
    first = clf()
    for epoch, _ in first.iter_epochs(X, y):
        if epoch == 3:
            break
    state = first.get_state()
    assert isinstance(state, bytes) and b"pickle" not in state[:200]
    resumed = clf().set_state(state)  # as another process would: a new estimator
    assert resumed.n_epochs_ == 3
    assert [e for e, _ in resumed.iter_epochs(X, y, resume=True)] == [4, 5, 6]
    assert np.array_equal(resumed.predict_proba(X), straight.predict_proba(X))


def test_save_and_load_a_directory(clf_data, tmp_path):
    X, y = clf_data
    net = clf().fit(X, y)
    net.save(tmp_path / "net")
    assert sorted(p.name for p in (tmp_path / "net").iterdir()) == ["network.json", "weights.safetensors"]
    for loaded in (TabularNetClassifier.load(tmp_path / "net"), load_network(tmp_path / "net")):
        assert np.array_equal(loaded.predict_proba(X), net.predict_proba(X))
        assert list(loaded.classes_) == ["no", "yes"]
    with pytest.raises(ValueError, match="hold the state of a TabularNetClassifier, not of a TabularNetRegressor"):
        TabularNetRegressor.load(tmp_path / "net")


def test_pickle_skops_and_clone(clf_data):
    import skops.io as sio

    X, y = clf_data
    net = clf().fit(X, y)
    expected = net.predict_proba(X)
    assert np.array_equal(pickle.loads(pickle.dumps(net)).predict_proba(X), expected)
    data = sio.dumps(net)
    assert sio.get_untrusted_types(data=data) == ["jupyter_automl.nn.network.TabularNetClassifier"]
    assert np.array_equal(sio.loads(data, trusted=sio.get_untrusted_types(data=data)).predict_proba(X), expected)
    assert "_t" not in pickle.loads(pickle.dumps(clone(net))).__dict__


@pytest.mark.parametrize("numeric", ["plain", "quantile", "piecewise_linear", "periodic"])
def test_every_numeric_encoding_learns(numeric, clf_data):
    X, y = clf_data
    net = clf({**SMALL, "inputs": {"numeric": numeric}}, max_epochs=15).fit(X, y)
    assert (net.predict(X) == y).mean() > 0.8


def test_diverging_loss_raises_floating_point_error(clf_data):
    X, y = clf_data
    with pytest.raises(FloatingPointError, match=r"the loss diverged at epoch \d+ .*Lower the learning rate"):
        clf({"training": {"lr": 1e6}}).fit(X, y)


def test_a_one_row_last_batch_joins_the_one_before():
    parts = batches(torch, 65, 32, torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [32, 33]
    assert sorted(torch.cat(parts).tolist()) == list(range(65))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(65, 2))
    arch = {"blocks": [{"width": 8, "norm": "batch"}], "training": {"batch_size": 64}}
    TabularNetClassifier(arch, max_epochs=2, random_state=0).fit(X, X[:, 0] > 0)


def test_tiny_tables_all_categorical_and_one_numeric_column():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 5, size=(20, 2)).astype(float)  # 0: missing
    y = codes[:, 0] % 2
    net = TabularNetClassifier(SMALL, cat_cardinalities=[4, 4], max_epochs=80, random_state=0).fit(codes, y)
    assert (net.predict(codes) == y).mean() >= 0.9
    unseen = np.array([[9, -1], [np.nan, 2.5]])  # unknown, negative, NaN, non-integer: missing
    assert net.predict_proba(unseen).shape == (2, 2)
    x = rng.normal(size=(20, 1))
    TabularNetRegressor(SMALL, max_epochs=3, random_state=0).fit(x, x[:, 0])


def test_regression_standardises_a_large_target(reg_data):
    X, y = reg_data
    net = TabularNetRegressor(SMALL, max_epochs=60, random_state=0).fit(X, y)
    pred = net.predict(X)
    assert np.sqrt(np.mean((pred - y) ** 2)) < 0.2 * y.std()  # a constant would be 1.0 * std


def test_missing_and_infinite_numbers_are_imputed_with_an_indicator(clf_data):
    X, y = clf_data
    X = X.copy()
    X[::5, 1] = np.nan
    X[1, 2] = np.inf
    net = clf().fit(X, y)
    assert net._fitted["numeric"]["indicators"] == [0, 1]
    assert np.isfinite(net.predict_proba(np.array([[1, np.nan, -np.inf]]))).all()


def test_out_of_memory_becomes_memory_error(clf_data, monkeypatch):
    X, y = clf_data

    def no_memory(*args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 10 GB")

    monkeypatch.setattr(network_module.layers, "batches", no_memory)
    with pytest.raises(MemoryError, match=r"ran out of memory at epoch 1 on cpu \(batch size 32, \d+ parameters\)"):
        clf().fit(X, y)


def test_torch_threads_are_restored(clf_data):
    X, y = clf_data
    before = torch.get_num_threads()
    clf(n_threads=1).fit(X, y).predict(X)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(("make", "message"), [
    (lambda X, y: clf().fit(X[:1], y[:1]), "at least 2 training rows; got 1"),
    (lambda X, y: clf().fit(X, np.full(len(y), "yes")), r"at least 2 classes in y; got only \['yes'\]"),
    (lambda X, y: clf().fit(X, y).predict(X[:, :2]), "X has 2 features"),
    (lambda X, y: TabularNetClassifier(cat_cardinalities=[3] * 4).fit(X, y), "names 4 categorical columns but X has only 3"),
    (lambda X, y: next(clf().iter_epochs(X, y, resume=True)), "Call set_state"),
    (lambda X, y: clf({"blocks": [{"activation": "swish"}]}).fit(X, y), "blocks\\[0\\].activation must be one of"),
])
def test_clear_errors(make, message, clf_data):
    with pytest.raises(ValueError, match=message):
        make(*clf_data)


def test_feature_names_are_kept(clf_data):
    import pandas as pd

    X, y = clf_data
    frame = pd.DataFrame(X, columns=["colour", "a", "b"])
    net = clf().fit(frame, y)
    restored = pickle.loads(pickle.dumps(net))
    assert list(restored.feature_names_in_) == ["colour", "a", "b"]
    with pytest.raises(ValueError, match="feature names"):
        restored.predict(frame[["a", "colour", "b"]])
