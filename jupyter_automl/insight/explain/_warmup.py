"""Compile the explainers' numba kernels before the first explanation needs them.

numba compiles a kernel on its first call and caches the machine code next to the module; on a
fresh install the first ``explain()`` of a boosting model paid about 7 s of compiling (measured
on 2 cores), which a workshop's every participant would meet at their first click on the Explain
tab. ``warm_up`` runs each kernel once on a tiny model, with the argument types ``explain`` uses,
so the real call finds it compiled (or loads it from numba's cache, about 0.2 s). The wizard runs
it in the background when a search ends (``warm_up_in_background``).
"""

from __future__ import annotations

import threading

import numpy as np

from ..._logging import get_logger

_log = get_logger(__name__)
_started = threading.Event()


def warm_up() -> list[str]:
    """Compile (or load from the cache) every numba kernel of the explainers; returns their
    names. Takes a few seconds the first time on a machine, a fraction of a second after."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from . import _interventional, _kernel, _treeshap

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    X[:, 2] = rng.integers(0, 3, 80)
    y = (X[:, 0] + X[:, 2] > 1).astype(int)
    groups = np.arange(3)
    boosting = HistGradientBoostingClassifier(max_iter=3, categorical_features=[2]).fit(X, y)
    _interventional.probability_values(boosting, groups, 3, X[:2], X[:3])  # interventional
    _treeshap.TreeModel(boosting, groups, 3).shap_values(X[:2])  # path-dependent
    expansion = Pipeline([("rbf", Nystroem(n_components=4, random_state=0)),
                          ("fit", LogisticRegression())]).fit(X, y)
    _kernel.rbf_values(expansion, groups, 3, X[:2], X[:3], 1, rng)  # the kernel family
    # the kernels explain calls (helpers such as _kernel._link are compiled into them)
    kernels = [_interventional._sets, _treeshap._shap_block, _kernel._rbf_permutation]
    return [k.py_func.__name__ for k in kernels if k.signatures]


def warm_up_in_background() -> bool:
    """``warm_up`` on a daemon thread, once per process; False if it was already started."""
    if _started.is_set():
        return False
    _started.set()

    def run() -> None:
        try:
            warm_up()
        except Exception:  # only a head start: explain() compiles what this could not
            _log.debug("warming up the explainers failed", exc_info=True)

    threading.Thread(target=run, name="jupyter_automl-explain-warm-up", daemon=True).start()
    return True
