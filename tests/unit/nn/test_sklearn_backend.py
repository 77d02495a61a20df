"""The scikit-learn fallback: the same interface without torch (proved with torch blocked)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from jupyter_automl.nn import (
    TORCH_ADDS,
    TORCH_INSTALL,
    SklearnNetClassifier,
    SklearnNetRegressor,
    to_sklearn_architecture,
)

from .conftest import easy_classification

ARCH = to_sklearn_architecture({"blocks": [{"width": 16}, {"width": 8}], "training": {"lr": 1e-2, "batch_size": 32}})


def fallback(**kw):
    return SklearnNetClassifier(ARCH, cat_cardinalities=[3], **({"max_epochs": 6, "random_state": 0} | kw))


def test_epochs_improve_and_resume_exactly(clf_data):
    X, y = clf_data
    X_val, y_val = easy_classification(200, seed=5)
    net = fallback(max_epochs=30)
    accuracy = [(net.classes_[p.argmax(1)] == y_val).mean() for _, p in net.iter_epochs(X, y, X_val)]
    assert net.n_epochs_ == 30 and accuracy[-1] > 0.85 and accuracy[-1] > accuracy[0]

    straight = fallback().fit(X, y)
    first = fallback()
    for epoch, _ in first.iter_epochs(X, y):
        if epoch == 3:
            break
    resumed = fallback().set_state(first.get_state())
    assert [e for e, _ in resumed.iter_epochs(X, y, resume=True)] == [4, 5, 6]
    assert np.array_equal(resumed.predict_proba(X), straight.predict_proba(X))


def test_save_load_pickle_and_seed(clf_data, tmp_path):
    X, y = clf_data
    net = fallback().fit(X, y)
    expected = net.predict_proba(X)
    net.save(tmp_path)
    assert np.array_equal(SklearnNetClassifier.load(tmp_path).predict_proba(X), expected)
    assert np.array_equal(pickle.loads(pickle.dumps(net)).predict_proba(X), expected)
    assert np.array_equal(fallback().fit(X, y).predict_proba(X), expected)


def test_regression_in_the_targets_scale(reg_data):
    X, y = reg_data
    pred = SklearnNetRegressor(ARCH, max_epochs=40, random_state=0).fit(X, y).predict(X)
    assert np.sqrt(np.mean((pred - y) ** 2)) < 0.3 * y.std()


def test_what_it_cannot_train_is_named_with_the_install_line(clf_data):
    with pytest.raises(ValueError, match=r"cannot train this architecture: blocks\[0\].norm=batch, n_heads=2.*"
                                         r'pip install "jupyter_automl\[torch\]"'):
        SklearnNetClassifier({"blocks": [{"norm": "batch"}], "n_heads": 2}).fit(*clf_data)
    assert TORCH_INSTALL in TORCH_ADDS


def test_diverging_loss(clf_data):
    arch = ARCH | {"training": ARCH["training"] | {"lr": 1e6}}
    with pytest.raises(FloatingPointError, match="the loss diverged at epoch"):
        SklearnNetRegressor(arch, max_epochs=5, random_state=0).fit(clf_data[0], clf_data[0][:, 1] * 1e3)


BLOCK_TORCH = textwrap.dedent("""
    import sys

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "safetensors"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, Blocker())
""")


def test_nas_without_torch_uses_the_fallback():
    code = BLOCK_TORCH + textwrap.dedent("""
        import numpy as np
        import optuna
        from jupyter_automl._optional import MissingDependencyError
        from jupyter_automl.nn import available_backends, make_network, suggest_architecture
        from jupyter_automl.nn import TabularNetClassifier
        from jupyter_automl.nn._defaults import default_architectures

        print(available_backends())
        rng = np.random.default_rng(0)
        X = rng.normal(size=(80, 3))
        y = X[:, 0] > 0
        arch = default_architectures(backend="sklearn")["mlp"]
        net = make_network(arch, classification=True, max_epochs=3, random_state=0)
        print(type(net).__name__, [e for e, _ in net.iter_epochs(X, y, X)])
        trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
        make_network(suggest_architecture(trial, backend="sklearn"), classification=False,
                     max_epochs=2).fit(X, X[:, 1])
        try:
            make_network(arch, classification=True, backend="torch")
        except MissingDependencyError as exc:
            print(str(exc).split("Install it with: ")[1])
        try:
            TabularNetClassifier().fit(X, y)
        except ImportError as exc:
            print("network:", "jupyter_automl[torch]" in str(exc))
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "safetensors")))
        # the engine's "nas" family trains the fallback, and says once what PyTorch would add
        import logging
        import pandas as pd
        from jupyter_automl import AutoML
        logged = []
        handler = logging.Handler()
        handler.emit = lambda record: logged.append(record.getMessage())
        logging.getLogger("jupyter_automl").addHandler(handler)
        AutoML(time_budget=None, n_trials=2, seed=0, executor="sync", storage="memory",
               ensemble=False, cv=2).fit(pd.DataFrame(X), y)
        print("default search:", [m for m in logged if "PyTorch" in m])  # "nas" is opt-in
        automl = AutoML(time_budget=None, n_trials=2, seed=0, executor="sync", storage="memory",
                        families=["nas"], ensemble=False, cv=2).fit(pd.DataFrame(X), y)
        print(type(automl.best_pipeline_.steps[-1][1]).__name__,
              automl.leaderboard()["params"].iloc[0]["nas.backend"])
        print([m.split(". ")[0] for m in logged if "PyTorch" in m],
              any('pip install "jupyter_automl[torch]"' in m for m in logged))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "('sklearn',)",
        "SklearnNetClassifier [1, 2, 3]",
        'pip install "jupyter_automl[torch]"',
        "network: True",
        "[]",
        "default search: []",
        "SklearnNetClassifier sklearn",
        "['PyTorch is not installed'] True",
    ]
