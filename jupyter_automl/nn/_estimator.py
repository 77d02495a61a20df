"""What both network backends share: the estimator's parameters, ``fit``, the fitted values, the
saved files' metadata and the classifier/regressor outputs.

Self-contained like the backends (numpy, scikit-learn and ``_encoding.py``), so ``export_code``
can copy it next to them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data

if __package__:  # inside the jupyter_automl package
    from . import _encoding as enc
else:  # copies next to an exported script, without the package
    import _encoding as enc

META_FILE = "network.json"
MSG_RESUME = ("iter_epochs(resume=True) continues a training that this estimator holds; it has "
              "none. Call set_state(...) first, or iter_epochs without resume.")
MSG_WRONG_STATE = "These bytes hold the state of a {got}, not of a {expected}."


class NetworkBase(BaseEstimator):
    """Parameters, ``fit`` and fitted values of a network estimator; a backend adds
    ``iter_epochs`` (training) and ``_predict_raw`` (probabilities or values)."""

    _classification = False

    def __init__(self, architecture=None, cat_cardinalities=(), max_epochs=100,
                 schedule_epochs=None, random_state=None, device="auto", n_threads=1,
                 image_grid=None):
        self.architecture = architecture
        self.cat_cardinalities = cat_cardinalities
        self.max_epochs = max_epochs
        self.schedule_epochs = schedule_epochs
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads
        self.image_grid = image_grid  # pixels' places for a convolution stage, see fit_inputs

    def fit(self, X, y):
        """Train ``max_epochs`` epochs from scratch; returns ``self``."""
        for _ in self.iter_epochs(X, y):
            pass
        return self

    def _check_training(self, X, y, resume: bool):
        """``X, y`` validated for training (``resume``: against what the estimator saw)."""
        return validate_data(self, X, y, reset=not resume, ensure_all_finite=False,
                             dtype=np.float64, y_numeric=not self._classification)

    def _check_X(self, X) -> np.ndarray:
        return validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)

    def _new_fitted(self, X: np.ndarray, y: np.ndarray, arch: dict[str, Any]) -> dict[str, Any]:
        """The fitted values a training starts from: input stage, target scaling and seed."""
        if X.shape[0] < 2:
            raise ValueError(enc.MSG_TOO_FEW.format(n=X.shape[0]))
        seed = self.random_state
        if seed is None:
            seed = int(np.random.default_rng().integers(2**31 - 1))
        fitted = enc.fit_inputs(X, self.cat_cardinalities, arch["inputs"], self.image_grid)
        return fitted | {"architecture": arch, "target": enc.fit_target(y, self._classification),
                         "seed": int(seed), "n_features_in": int(X.shape[1]), "loss_curve": [],
                         "feature_names_in": getattr(self, "feature_names_in_", np.array([])).tolist()}

    def _adopt(self, fitted: dict[str, Any]) -> None:
        """Take ``fitted`` as this estimator's fitted values (and its ``*_`` attributes)."""
        self._fitted = fitted
        self.n_features_in_ = fitted["n_features_in"]
        if fitted["feature_names_in"]:
            self.feature_names_in_ = np.asarray(fitted["feature_names_in"], dtype=object)
        if self._classification:
            self.classes_ = enc.classes_of(fitted["target"])
        self.n_epochs_ = len(fitted["loss_curve"])

    def _write_meta(self, path: Path) -> None:
        """``network.json``: the parameters and the fitted values (no weights)."""
        params = self.get_params(deep=False) | {
            "cat_cardinalities": [int(c) for c in self.cat_cardinalities],
            "architecture": enc.complete_architecture(self.architecture)}
        meta = {"format": enc.FORMAT, "estimator": type(self).__name__, "params": params,
                "fitted": self._fitted}
        (path / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def _read_meta(cls, path: Path, base: type, estimators: dict[str, type]) -> tuple[Any, dict]:
        """The unfitted estimator that ``network.json`` in ``path`` describes, and the metadata;
        ``cls`` must be that estimator's class, or ``base`` (either backend's load)."""
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        kind = estimators[meta["estimator"]]
        if cls is not base and kind is not cls:
            raise ValueError(MSG_WRONG_STATE.format(got=meta["estimator"], expected=cls.__name__))
        return kind(**meta["params"]), meta

    def _check_state_owner(self, meta: dict[str, Any]) -> None:
        if meta["estimator"] != type(self).__name__:
            raise ValueError(MSG_WRONG_STATE.format(got=meta["estimator"], expected=type(self).__name__))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class ClassifierOutputs:
    """``predict_proba`` and ``predict`` of a network classifier, from its ``_predict_raw``."""

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        return self._predict_raw(X)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[np.argmax(self._predict_raw(X), axis=1)]


class RegressorOutputs:
    """``predict`` of a network regressor, from its ``_predict_raw``."""

    def predict(self, X) -> np.ndarray:
        """Predicted values, in the target's own scale."""
        return self._predict_raw(X)
