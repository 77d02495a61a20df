"""The weight-sharing supernet: paths are prefix slices of shared weights, and they train."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

torch = pytest.importorskip("torch")

from jupyter_automl.nn import TabularNetClassifier  # noqa: E402
from jupyter_automl.nn._supernet import SuperNet  # noqa: E402

PATH = {"n_blocks": 2, "block_0.width": 8, "block_0.activation": "gelu", "block_0.residual": False,
        "block_1.width": 8, "block_1.activation": "relu", "block_1.residual": True}


def supernet(**kw):
    return SuperNet(**({"max_blocks": 3, "widths": (8, 16), "activations": ("relu", "gelu"),
                        "cat_cardinalities": [3], "max_epochs": 8, "random_state": 0,
                        "training": {"lr": 1e-2, "batch_size": 32}} | kw))


def test_a_path_is_the_standalone_network_with_sliced_weights(clf_data):
    X, y = clf_data
    net = supernet().fit(X, y)
    arch = net.to_architecture(PATH)
    assert [(b.width, b.activation, b.residual, b.norm) for b in arch.blocks] == [
        (8, "gelu", False, "layer"), (8, "relu", True, "layer")]
    standalone = TabularNetClassifier(arch, cat_cardinalities=[3], max_epochs=1, random_state=0).fit(X, y)
    big, small = net._net, standalone._t["net"]
    with torch.no_grad():
        small.inputs.load_state_dict(big.inputs.state_dict())
        d = big.inputs.width
        for i, block in enumerate(small.blocks):
            block.linear.weight.copy_(big.linears[i].weight[:8, :d])
            block.linear.bias.copy_(big.linears[i].bias[:8])
            block.norm.weight.copy_(big.norms[i].weight[:8])
            block.norm.bias.copy_(big.norms[i].bias[:8])
            d = 8
        small.head_weight.copy_(big.head.weight[:, :8].T[None])
        small.head_bias.copy_(big.head.bias[None])
    assert np.allclose(standalone.predict_proba(X), net.evaluate(PATH, X), atol=1e-6)


def test_an_extracted_path_predicts_as_inherited_and_fine_tunes(clf_data):
    X, y = clf_data
    net = supernet(max_epochs=3).fit(X, y)
    for path in (PATH, {"n_blocks": 1, "block_0.width": 16, "block_0.residual": True}):
        alone = net.extract(path, max_epochs=4)
        assert np.allclose(alone.predict_proba(X), net.evaluate(path, X), atol=1e-6)
    before = alone.predict_proba(X)
    assert [e for e, _ in alone.iter_epochs(X, y, resume=True)] == [1, 2, 3, 4]
    assert not np.allclose(alone.predict_proba(X), before)
    assert np.allclose(supernet().set_state(net.get_state()).extract(PATH).predict_proba(X),
                       net.extract(PATH).predict_proba(X))


def test_training_moves_the_shared_weights_and_counts_path_epochs(clf_data):
    X, y = clf_data
    net = supernet(max_epochs=1).fit(X, y)
    before = net._net.linears[0].weight[:8].detach().clone()
    untrained = net.evaluate(PATH, X)
    net = supernet(max_epochs=15).fit(X, y)
    assert not torch.equal(before, net._net.linears[0].weight[:8])
    assert net.path_epochs_ == 15 * (2 + 2)  # largest, smallest and two random paths per step
    accuracy = (net.classes_[net.evaluate(PATH, X).argmax(1)] == y).mean()
    assert accuracy > 0.85 and accuracy > (net.classes_[untrained.argmax(1)] == y).mean()


def test_state_round_trip_and_sampling_with_optuna(clf_data):
    X, y = clf_data
    net = supernet(max_epochs=2).fit(X, y)
    copy = supernet().set_state(net.get_state())
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(5):
        trial = study.ask()
        values: dict = {}
        for p in net.sample_space():
            if p.active is None or p.active(values):
                values[p.name] = p.suggest(trial)
        assert np.array_equal(copy.evaluate(values, X), net.evaluate(values, X))
        study.tell(trial, 0.0)


def test_regression_and_clear_errors(reg_data):
    X, y = reg_data
    net = supernet(classification=False, cat_cardinalities=(), max_epochs=20).fit(X, y)
    pred = net.evaluate({"n_blocks": 1, "block_0.width": 16}, X)
    assert np.sqrt(np.mean((pred - y) ** 2)) < 0.5 * y.std()
    with pytest.raises(ValueError, match=r"asks block 0 for width 12 and 'relu'. The supernet offers"):
        net.evaluate({"n_blocks": 1, "block_0.width": 12}, X)
    with pytest.raises(ValueError, match="has 4 blocks"):
        net.evaluate({"n_blocks": 4}, X)
    with pytest.raises(ValueError, match="batch-norm statistics cannot be shared"):
        supernet(norm="batch").fit(X, y > 3e9)


def test_one_activation_and_skip_for_every_block_and_a_shortened_training(clf_data):
    X, y = clf_data
    net = supernet(per_block=False, max_epochs=10)
    names = [p.name for p in net.sample_space()]
    assert names == ["n_blocks", "block_0.width", "block_1.width", "block_2.width", "activation", "residual"]
    rng = np.random.default_rng(0)
    for _ in range(10):
        path = net.sample(rng)
        blocks = range(path["n_blocks"])
        assert len({path[f"block_{i}.activation"] for i in blocks}) == 1
        assert len({path[f"block_{i}.residual"] for i in blocks}) == 1
    epochs = []
    for epoch in net.iter_epochs(X, y):  # the first epoch shows that only 3 fit: training ends there
        epochs.append(epoch)
        net.set_params(max_epochs=3)
    assert epochs == [1, 2, 3] and net.path_epochs_ == 3 * 4
    shared = {"n_blocks": 2, "block_0.width": 8, "block_1.width": 16, "activation": "gelu", "residual": True}
    assert [(b.activation, b.residual) for b in net.to_architecture(shared).blocks] == [("gelu", True)] * 2
    assert net.evaluate(shared, X[:4]).shape == (4, 2)
