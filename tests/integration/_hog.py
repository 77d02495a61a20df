"""Test-only search plugins whose models misbehave on a Dask worker: k-NN models that blow the
worker's memory limit in ``fit`` (the other families are left alone, so a search has units that go
over the limit and units that finish), and models that take their time. Dask workers unpickle the plugin by reference: they are spawned with this process's
``sys.path``, which holds this folder during the tests.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from jupyter_automl.search import SearchPlugin

CHUNK_MB = 64
PAUSE = 0.02  # seconds between chunks: the nanny's memory monitor looks every 0.1 s


class MemoryHog(ClassifierMixin, BaseEstimator):
    """Allocates (and touches) up to ``total_mb`` before fitting ``model``."""

    def __init__(self, model: Any = None, total_mb: int = 4000):
        self.model = model
        self.total_mb = total_mb

    def fit(self, X: Any, y: Any) -> MemoryHog:
        held = []
        for _ in range(self.total_mb // CHUNK_MB):  # the nanny kills the worker long before
            held.append(np.ones(CHUNK_MB * 2**20 // 8))
            time.sleep(PAUSE)
        del held
        self.model.fit(X, y)
        self.classes_ = self.model.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.model.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.model.predict_proba(X)


class KnnHogPlugin(SearchPlugin):
    """k-NN fits go over any memory limit below ``total_mb``; nothing else changes."""

    def __init__(self, total_mb: int = 4000):
        self.total_mb = total_mb

    def wrap(self, model: Any, params: dict[str, Any], problem: Any) -> Any:
        return MemoryHog(model, self.total_mb) if params.get("family") == "knn" else model


class SlowFit(MemoryHog):
    """Sleeps ``seconds`` before fitting ``model``."""

    def __init__(self, model: Any = None, seconds: float = 3.0):
        self.model = model
        self.seconds = seconds

    def fit(self, X: Any, y: Any) -> SlowFit:
        time.sleep(self.seconds)
        self.model.fit(X, y)
        self.classes_ = self.model.classes_
        return self


class SlowPlugin(SearchPlugin):
    """Every fit takes ``seconds`` longer."""

    def __init__(self, seconds: float = 3.0):
        self.seconds = seconds

    def wrap(self, model: Any, params: dict[str, Any], problem: Any) -> Any:
        return SlowFit(model, self.seconds)
