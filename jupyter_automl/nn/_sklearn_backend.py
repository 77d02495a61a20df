"""The scikit-learn fallback: the networks' estimator interface on scikit-learn's MLP.

Used when torch is not installed. It trains one epoch per ``partial_fit`` on a reduced space:
plain or quantile numbers, one-hot categories (no embeddings), 1-4 blocks of one activation
(relu or tanh), no normalisation, dropout, skips or extra heads, Adam or SGD at a constant
learning rate, L2 penalty (the architecture's ``weight_decay``) and batch size.
``to_sklearn_architecture`` maps any architecture to the nearest one it can train.

Self-contained with its sibling ``_encoding.py``: numpy and scikit-learn only (plus threadpoolctl,
which scikit-learn installs), so ``export_code`` can copy both next to a script.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

if __package__:  # inside the jupyter_automl package
    from ._encoding import (
        DIVERGED_LOSS,
        FORMAT,
        INSTALL_LINE,
        MSG_DIVERGED,
        MSG_TOO_FEW,
        classes_of,
        complete_architecture,
        encode_target,
        fit_inputs,
        fit_target,
        transform_inputs,
    )
else:  # copies next to an exported script, without the package
    from _encoding import (
        DIVERGED_LOSS,
        FORMAT,
        INSTALL_LINE,
        MSG_DIVERGED,
        MSG_TOO_FEW,
        classes_of,
        complete_architecture,
        encode_target,
        fit_inputs,
        fit_target,
        transform_inputs,
    )

__all__ = ["SklearnNetClassifier", "SklearnNetRegressor", "to_sklearn_architecture", "unsupported"]

ACTIVATIONS = ("relu", "tanh")
ENCODINGS = ("plain", "quantile")
MAX_BLOCKS = 4
WEIGHTS_FILE, META_FILE = "weights.npz", "network.json"
MSG_UNSUPPORTED = ("scikit-learn's MLP (the fallback used without torch) cannot train this "
                   "architecture: {what}. Use to_sklearn_architecture(...) for the nearest one it "
                   f"can train, or install PyTorch: {INSTALL_LINE}")
MSG_RESUME = ("iter_epochs(resume=True) continues a training that this estimator holds; it has "
              "none. Call set_state(...) first, or iter_epochs without resume.")
MSG_WRONG_STATE = "These bytes hold the state of a {got}, not of a {expected}."


def unsupported(architecture: Any) -> list[str]:
    """What in ``architecture`` the fallback cannot do (empty: it can train it).

    Examples
    --------
    >>> unsupported({"blocks": [{"width": 32, "norm": "batch"}], "n_heads": 2})
    ['blocks[0].norm=batch', 'n_heads=2', 'training.optimizer=adamw', 'training.schedule=cosine', 'training.warmup=0.05']
    """
    arch = complete_architecture(architecture)
    out = []
    if arch["inputs"]["numeric"] not in ENCODINGS:
        out.append(f"inputs.numeric={arch['inputs']['numeric']}")
    if len(arch["blocks"]) > MAX_BLOCKS:
        out.append(f"{len(arch['blocks'])} blocks (at most {MAX_BLOCKS})")
    for i, block in enumerate(arch["blocks"]):
        for key, ok in (("activation", block["activation"] in ACTIVATIONS),
                        ("activation", block["activation"] == arch["blocks"][0]["activation"]),
                        ("norm", block["norm"] == "none"), ("dropout", block["dropout"] == 0),
                        ("residual", not block["residual"])):
            if not ok and f"blocks[{i}].{key}={block[key]}" not in out:
                out.append(f"blocks[{i}].{key}={block[key]}")
    if arch["n_heads"] != 1:
        out.append(f"n_heads={arch['n_heads']}")
    training = arch["training"]
    for key, ok in (("optimizer", training["optimizer"] in ("adam", "sgd")),
                    ("schedule", training["schedule"] == "constant"), ("warmup", training["warmup"] == 0),
                    ("label_smoothing", training["label_smoothing"] == 0)):
        if not ok:
            out.append(f"training.{key}={training[key]}")
    return out


def to_sklearn_architecture(architecture: Any) -> dict[str, Any]:
    """The nearest architecture the fallback trains: what it cannot do is left out.

    Examples
    --------
    >>> arch = to_sklearn_architecture({"inputs": {"numeric": "periodic"},
    ...                                 "blocks": [{"width": 64, "activation": "gelu", "dropout": 0.2}]})
    >>> arch["inputs"]["numeric"], arch["blocks"][0]["activation"], unsupported(arch)
    ('plain', 'relu', [])
    """
    arch = complete_architecture(architecture)
    first = arch["blocks"][0]["activation"]
    activation = first if first in ACTIVATIONS else "relu"
    arch["blocks"] = [{"width": b["width"], "activation": activation, "norm": "none", "dropout": 0.0,
                       "residual": False} for b in arch["blocks"][:MAX_BLOCKS]]
    if arch["inputs"]["numeric"] not in ENCODINGS:
        arch["inputs"]["numeric"] = "plain"
    arch["n_heads"], arch["ensemble"] = 1, "heads"
    optimizer = "sgd" if arch["training"]["optimizer"] == "sgd" else "adam"
    arch["training"] |= {"optimizer": optimizer, "schedule": "constant", "warmup": 0.0,
                         "label_smoothing": 0.0}
    return arch


def _one_hot(codes: np.ndarray, cardinalities: list[int]) -> np.ndarray:
    blocks = [np.eye(card + 1)[codes[:, j]] for j, card in enumerate(cardinalities)]
    return np.hstack(blocks) if blocks else np.zeros((codes.shape[0], 0))


class _SklearnNet(BaseEstimator):
    """Shared by the classifier and the regressor; see :class:`SklearnNetClassifier`."""

    _classification = False

    def __init__(self, architecture=None, cat_cardinalities=(), max_epochs=100,
                 schedule_epochs=None, random_state=None, device="auto", n_threads=1):
        self.architecture = architecture
        self.cat_cardinalities = cat_cardinalities
        self.max_epochs = max_epochs
        self.schedule_epochs = schedule_epochs
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads

    def fit(self, X, y):
        """Train ``max_epochs`` epochs from scratch; returns ``self``."""
        for _ in self.iter_epochs(X, y):
            pass
        return self

    def iter_epochs(self, X, y, X_val=None, *, resume=False):
        """Train one epoch per step, yielding ``(epoch, val_pred)``, as the PyTorch network does."""
        if resume and not hasattr(self, "mlp_"):
            raise ValueError(MSG_RESUME)
        X, y = validate_data(self, X, y, reset=not resume, ensure_all_finite=False,
                             dtype=np.float64, y_numeric=not self._classification)
        if not resume:
            self._start(X, y)
        rows, target = self._matrix(X), encode_target(y, self._fitted["target"])
        val = None if X_val is None else self._matrix(self._check_X(X_val))
        training = self._fitted["architecture"]["training"]
        while self.n_epochs_ < self.max_epochs:
            # our own shuffling: the MLP re-seeds from its random_state at every partial_fit, so
            # its shuffle would repeat one order every epoch
            order = self._rng.permutation(len(rows))
            with threadpool_limits(self.n_threads):
                try:
                    self.mlp_.partial_fit(rows[order], target[order], **self._classes_arg())
                    loss = float(self.mlp_.loss_)
                except ValueError as exc:  # "Solver produced non-finite parameter weights"
                    if "non-finite" not in str(exc):
                        raise
                    loss = float("nan")
            self.n_epochs_ += 1
            self._fitted["loss_curve"].append(loss)
            if not math.isfinite(loss) or loss > DIVERGED_LOSS:
                raise FloatingPointError(MSG_DIVERGED.format(epoch=self.n_epochs_, loss=loss,
                                                             lr=training["lr"]))
            yield self.n_epochs_, None if val is None else self._predict_matrix(val)

    def _start(self, X, y) -> None:
        if X.shape[0] < 2:
            raise ValueError(MSG_TOO_FEW.format(n=X.shape[0]))
        arch = complete_architecture(self.architecture)
        problems = unsupported(arch)
        if problems:
            raise ValueError(MSG_UNSUPPORTED.format(what=", ".join(problems)))
        seed = self.random_state
        if seed is None:
            seed = int(np.random.default_rng().integers(2**31 - 1))
        fitted = fit_inputs(X, self.cat_cardinalities, arch["inputs"])
        fitted |= {"architecture": arch, "target": fit_target(y, self._classification),
                   "seed": int(seed), "n_features_in": int(X.shape[1]), "loss_curve": [],
                   "feature_names_in": getattr(self, "feature_names_in_", np.array([])).tolist(),
                   "n_rows": int(X.shape[0])}
        self._set_fitted(fitted)
        self._rng = np.random.default_rng(fitted["seed"])

    def _set_fitted(self, fitted: dict[str, Any]) -> None:
        arch, training = fitted["architecture"], fitted["architecture"]["training"]
        kind = MLPClassifier if self._classification else MLPRegressor
        self.mlp_ = kind(hidden_layer_sizes=tuple(int(b["width"]) for b in arch["blocks"]),
                         activation=arch["blocks"][0]["activation"], solver=training["optimizer"],
                         alpha=float(training["weight_decay"]), learning_rate_init=float(training["lr"]),
                         batch_size=int(max(1, min(training["batch_size"], fitted["n_rows"]))), shuffle=False,
                         momentum=0.9, nesterovs_momentum=True, random_state=fitted["seed"])
        self._fitted = fitted
        self.n_features_in_ = fitted["n_features_in"]
        if fitted["feature_names_in"]:
            self.feature_names_in_ = np.asarray(fitted["feature_names_in"], dtype=object)
        if self._classification:
            self.classes_ = classes_of(fitted["target"])
        self.n_epochs_ = len(fitted["loss_curve"])

    def _classes_arg(self) -> dict[str, Any]:
        return {"classes": np.arange(len(self.classes_))} if self._classification else {}

    def _check_X(self, X) -> np.ndarray:
        return validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)

    def _matrix(self, X) -> np.ndarray:
        codes, nums = transform_inputs(X, self._fitted)
        return np.hstack([_one_hot(codes, self._fitted["cat_cardinalities"]), nums.astype(np.float64)])

    def _predict_matrix(self, rows) -> np.ndarray:
        with threadpool_limits(self.n_threads):
            if self._classification:
                return self.mlp_.predict_proba(rows)
            target = self._fitted["target"]
            return self.mlp_.predict(rows) * target["scale"] + target["mean"]

    def _predict_raw(self, X) -> np.ndarray:
        check_is_fitted(self, "n_epochs_")
        return self._predict_matrix(self._matrix(self._check_X(X)))

    # -- state and files -------------------------------------------------------------------------------
    def _arrays(self, with_optimizer: bool) -> dict[str, np.ndarray]:
        mlp = self.mlp_
        arrays = {f"coef.{i}": a for i, a in enumerate(mlp.coefs_)}
        arrays |= {f"intercept.{i}": a for i, a in enumerate(mlp.intercepts_)}
        # scikit-learn keeps Adam's moments (or SGD's velocities) in its private _optimizer;
        # saving them makes a resumed training continue exactly as an uninterrupted one
        optimizer = getattr(mlp, "_optimizer", None) if with_optimizer else None
        for key in ("ms", "vs", "velocities"):
            for i, a in enumerate(getattr(optimizer, key, None) or []):
                arrays[f"optimizer.{key}.{i}"] = a
        return arrays

    def get_state(self) -> bytes:
        """Weights, optimiser moments, shuffling generator and epoch count as ``.npz`` bytes."""
        check_is_fitted(self, "n_epochs_")
        optimizer = getattr(self.mlp_, "_optimizer", None)
        meta = {"format": FORMAT, "estimator": type(self).__name__, "fitted": self._fitted,
                "rng": self._rng.bit_generator.state, "optimizer_t": getattr(optimizer, "t", None)}
        buffer = io.BytesIO()
        np.savez(buffer, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                 **self._arrays(with_optimizer=True))
        return buffer.getvalue()

    def set_state(self, state: bytes):
        """Restore what ``get_state`` saved; returns ``self``."""
        with np.load(io.BytesIO(state), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(arrays.pop("meta").tobytes())
        if meta["estimator"] != type(self).__name__:
            raise ValueError(MSG_WRONG_STATE.format(got=meta["estimator"], expected=type(self).__name__))
        self._restore(meta["fitted"], arrays, meta["optimizer_t"])
        self._rng = np.random.default_rng()
        self._rng.bit_generator.state = meta["rng"]
        return self

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray], optimizer_t) -> None:
        # scikit-learn's MLP has no public way to set weights, so one partial_fit on two dummy
        # rows builds every array (and the optimiser), which are then overwritten in place
        self._set_fitted(fitted)
        n_in = arrays["coef.0"].shape[0]
        dummy_y = np.array([0, 1]) if self._classification else np.zeros(2)
        batch_size, self.mlp_.batch_size = self.mlp_.batch_size, 2
        with threadpool_limits(self.n_threads):
            self.mlp_.partial_fit(np.zeros((2, n_in)), dummy_y, **self._classes_arg())
        self.mlp_.batch_size = batch_size
        for i, a in enumerate(self.mlp_.coefs_):
            a[...] = arrays[f"coef.{i}"]
        for i, a in enumerate(self.mlp_.intercepts_):
            a[...] = arrays[f"intercept.{i}"]
        optimizer = getattr(self.mlp_, "_optimizer", None)
        for key in ("ms", "vs", "velocities"):
            for i, a in enumerate(getattr(optimizer, key, None) or []):
                a[...] = arrays.get(f"optimizer.{key}.{i}", 0.0)
        if optimizer is not None and optimizer_t is not None:
            optimizer.t = optimizer_t

    def save(self, directory) -> Path:
        """Write ``weights.npz`` and ``network.json`` into ``directory`` (no pickle)."""
        check_is_fitted(self, "n_epochs_")
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        np.savez(path / WEIGHTS_FILE, **self._arrays(with_optimizer=False))
        params = self.get_params(deep=False) | {"cat_cardinalities": [int(c) for c in self.cat_cardinalities],
                                                "architecture": complete_architecture(self.architecture)}
        meta = {"format": FORMAT, "estimator": type(self).__name__, "params": params, "fitted": self._fitted}
        (path / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory) -> _SklearnNet:
        """The network saved by :meth:`save` in ``directory``."""
        path = Path(directory)
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        kind = _ESTIMATORS[meta["estimator"]]
        if cls is not _SklearnNet and kind is not cls:
            raise ValueError(MSG_WRONG_STATE.format(got=meta["estimator"], expected=cls.__name__))
        with np.load(path / WEIGHTS_FILE, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        est = kind(**meta["params"])
        est._restore(meta["fitted"], arrays, None)
        est._rng = np.random.default_rng(meta["fitted"]["seed"])
        return est

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class SklearnNetClassifier(ClassifierMixin, _SklearnNet):
    """The fallback classifier: :class:`~jupyter_automl.nn.TabularNetClassifier`'s interface
    (``fit``, ``iter_epochs``, ``get_state``/``set_state``, ``save``/``load``) on
    ``MLPClassifier.partial_fit``. ``device`` is ignored; ``n_threads`` limits BLAS threads.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> net = SklearnNetClassifier(to_sklearn_architecture({"blocks": [{"width": 8}]}),
    ...                            max_epochs=3, random_state=0).fit(X, X[:, 0] > 0)
    >>> net.predict_proba(X[:2]).shape, net.n_epochs_
    ((2, 2), 3)
    """

    _classification = True

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        return self._predict_raw(X)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[np.argmax(self._predict_raw(X), axis=1)]


class SklearnNetRegressor(RegressorMixin, _SklearnNet):
    """The fallback regressor (``MLPRegressor.partial_fit`` on the standardised target); see
    :class:`SklearnNetClassifier`."""

    def predict(self, X) -> np.ndarray:
        """Predicted values, in the target's own scale."""
        return self._predict_raw(X)


_ESTIMATORS = {c.__name__: c for c in (SklearnNetClassifier, SklearnNetRegressor)}
