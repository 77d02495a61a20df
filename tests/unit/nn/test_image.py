"""Tables of image pixels: the grid is read from column names, a convolution stage learns on it,
saves and loads, the ``nas`` family searches it (ordinary tables never get one), and a supernet's
paths share one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from sklearn.datasets import load_digits  # noqa: E402

from jupyter_automl import AutoML  # noqa: E402
from jupyter_automl.nn import TabularNetClassifier, image_grid, load_network  # noqa: E402
from jupyter_automl.nn._supernet import SuperNet  # noqa: E402
from jupyter_automl.problem import analyze  # noqa: E402
from jupyter_automl.search.space import build_pipeline, family_values  # noqa: E402
from jupyter_automl.search.space._families import FAMILIES  # noqa: E402

CNN = {"inputs": {"conv_channels": 4, "conv_layers": 1}, "blocks": [{"width": 16}],
       "training": {"lr": 1e-2, "batch_size": 32}}


def _bars(n: int = 240, side: int = 8, seed: int = 0):
    """Images with one bright bar at a random place: horizontal (class 0) or vertical (1)."""
    rng = np.random.default_rng(seed)
    images = rng.normal(scale=0.3, size=(n, side, side))
    y = rng.integers(0, 2, n)
    for i, (label, at) in enumerate(zip(y, rng.integers(0, side, n), strict=True)):
        if label:
            images[i, :, at] += 3
        else:
            images[i, at, :] += 3
    X = pd.DataFrame(images.reshape(n, -1), columns=[f"pixel_{r}_{c}" for r in range(side) for c in range(side)])
    return X, y


def test_the_grid_comes_from_pixel_names_and_ordinary_tables_have_none():
    X, _ = load_digits(return_X_y=True, as_frame=True)
    used = [c for c in X.columns if X[c].nunique() > 1]  # digits' constant pixels are dropped
    grid = image_grid(used)
    assert grid["shape"] == [8, 8] and len(grid["cells"]) == len(used) < 64
    assert grid["cells"][used.index("pixel_3_5")] == 3 * 8 + 5
    assert image_grid([f"pixel{i}" for i in range(784)])["shape"] == [28, 28]
    assert image_grid(used + ["age"]) is None  # one column that is not a pixel
    assert image_grid([f"feature_{i}" for i in range(64)]) == {"shape": [8, 8], "cells": list(range(64))}
    assert image_grid([f"x{i}" for i in range(25)]) is None  # a small numbered table is not an image
    assert image_grid(["a_0_0", "b_0_1"] * 8) is None  # two prefixes


def test_a_convolution_stage_learns_saves_and_loads(tmp_path):
    X, y = _bars()
    grid = image_grid(X.columns)
    net = TabularNetClassifier(CNN, max_epochs=15, random_state=0, image_grid=grid).fit(X[:180].to_numpy(), y[:180])
    assert any(isinstance(m, torch.nn.Conv2d) for m in net._t["net"].modules())
    assert (net.predict(X[180:].to_numpy()) == y[180:]).mean() >= 0.9
    net.save(tmp_path / "cnn")
    loaded = load_network(tmp_path / "cnn")
    assert np.array_equal(loaded.predict_proba(X.to_numpy()), net.predict_proba(X.to_numpy()))
    assert loaded._fitted["image"] == grid


@pytest.mark.parametrize(("arch", "grid", "message"), [
    (CNN, None, "conv_channels > 0 needs the image's geometry"),
    (CNN, {"shape": [8, 8], "cells": [64]}, "image_grid must be"),
    ({"inputs": {"conv_channels": 4, "numeric": "piecewise_linear"}}, {"shape": [8, 8], "cells": [0]},
     "reads one value per pixel"),
])
def test_clear_errors(arch, grid, message):
    X, y = _bars(20)
    with pytest.raises(ValueError, match=message):
        TabularNetClassifier(arch, max_epochs=1, image_grid=grid).fit(X.to_numpy(), y)


def test_the_nas_family_searches_convolutions_on_images_only():
    nas = FAMILIES["nas"]
    X, y = _bars(120)
    image, _, _ = analyze(X, pd.Series(y), check_leakage=False)
    names = {p.name for p in nas.params(image)}
    assert {"conv_channels", "conv_layers"} <= names and "selector" not in names
    first = nas.defaults(image)[0]
    assert first["conv_channels"] == 16  # the convolutional default is tried first
    pipeline = build_pipeline(image, {"family": "nas"} | {f"nas.{k}": v for k, v in first.items()})
    numbers = pipeline.named_steps["preprocess"].transformers[0][1]
    assert "scale" not in numbers.named_steps  # every pixel is scaled alike, by the network
    assert pipeline.named_steps["model"].image_grid == image_grid(X.columns)
    # a trial whose encoding leaves the convolution inactive (piecewise-linear) is completed with
    # the defaults of the params it did not sample: no convolution, or its network cannot train
    _, values = family_values(image, {"family": "nas", "nas.numeric_encoding": "piecewise_linear"})
    assert values["conv_channels"] == 0
    ple = build_pipeline(image, {"family": "nas", "nas.numeric_encoding": "piecewise_linear"})
    ple.set_params(model__max_epochs=1).fit(X, y)
    colour = np.resize(["red", "green", "blue"], len(X))  # one column that is no pixel
    plain, _, _ = analyze(X.assign(colour=colour), pd.Series(y), check_leakage=False)
    assert not {"conv_channels", "conv_layers"} & {p.name for p in nas.params(plain)}


def test_the_supernets_paths_share_one_convolution_stage():
    X, y = _bars()
    grid = image_grid(X.columns)
    net = SuperNet(max_blocks=2, widths=(8, 16), max_epochs=15, random_state=0, image_grid=grid,
                   inputs=CNN["inputs"], training=CNN["training"]).fit(X[:180].to_numpy(), y[:180])
    assert isinstance(net._net.inputs.conv.maps[0], torch.nn.Conv2d)
    for path in ({"n_blocks": 1, "block_0.width": 8}, {"n_blocks": 2, "block_1.residual": True}):
        held_out = net.classes_[net.evaluate(path, X[180:].to_numpy()).argmax(1)]
        assert (held_out == y[180:]).mean() >= 0.9
        assert net.to_architecture(path).inputs.conv_channels == 4  # retrained as a CNN
        alone = net.extract(path)  # the same convolution stage, in a standalone network
        assert np.allclose(alone.predict_proba(X.to_numpy()), net.evaluate(path, X.to_numpy()), atol=1e-5)
    copy = SuperNet(max_blocks=2, widths=(8, 16)).set_state(net.get_state())
    assert np.array_equal(copy.evaluate(path, X.to_numpy()), net.evaluate(path, X.to_numpy()))


def test_a_supernet_search_on_an_image_retrains_convolutional_networks():
    X, y = _bars(200)
    automl = AutoML(families=["nas"], nas="supernet", time_budget=40, executor="sync", storage="memory",
                    seed=0, cv=2, ensemble=False, warm_start=False).fit(X, y)
    board = automl.leaderboard()
    [supernet] = board.loc[board["params"].map(lambda p: "nas.supernet" in p), "params"]
    assert supernet["nas.supernet"].startswith("a shared stage of 2 convolutions of 16 channels")
    retrained = board[~board["inherited_weights"]]
    assert len(retrained) >= 1 and all(p["nas.conv_channels"] == 16 for p in retrained["params"])
    # CNNs trained as the image default is (one head, batch 64, one-cycle schedule)
    assert all(p["nas.n_heads"] == 1 and p["nas.batch_size"] == 64 and p["nas.schedule"] == "one_cycle"
               for p in retrained["params"])
    assert (automl.predict(X) == y).mean() >= 0.9
