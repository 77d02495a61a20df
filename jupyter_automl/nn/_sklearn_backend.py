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
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

if __package__:  # inside the jupyter_automl package
    from . import _encoding as enc
    from ._estimator import MSG_RESUME, ClassifierOutputs, NetworkBase, RegressorOutputs
else:  # copies next to an exported script, without the package
    import _encoding as enc
    from _estimator import MSG_RESUME, ClassifierOutputs, NetworkBase, RegressorOutputs

__all__ = ["SklearnNetClassifier", "SklearnNetRegressor", "to_sklearn_architecture", "unsupported"]

ACTIVATIONS = ("relu", "tanh")
ENCODINGS = ("plain", "quantile")
MAX_BLOCKS = 4
WEIGHTS_FILE = "weights.npz"
MSG_UNSUPPORTED = ("scikit-learn's MLP (the fallback used without torch) cannot train this "
                   "architecture: {what}. Use to_sklearn_architecture(...) for the nearest one it "
                   f"can train, or install PyTorch: {enc.INSTALL_LINE}")


def unsupported(architecture: Any) -> list[str]:
    """What in ``architecture`` the fallback cannot do (empty: it can train it).

    Examples
    --------
    >>> unsupported({"blocks": [{"width": 32, "norm": "batch"}], "n_heads": 2})
    ['blocks[0].norm=batch', 'n_heads=2', 'training.optimizer=adamw', 'training.schedule=cosine', 'training.warmup=0.05']
    """
    arch = enc.complete_architecture(architecture)
    out = []
    if arch["inputs"]["numeric"] not in ENCODINGS:
        out.append(f"inputs.numeric={arch['inputs']['numeric']}")
    if arch["inputs"]["conv_channels"]:
        out.append(f"inputs.conv_channels={arch['inputs']['conv_channels']}")
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
    arch = enc.complete_architecture(architecture)
    first = arch["blocks"][0]["activation"]
    activation = first if first in ACTIVATIONS else "relu"
    arch["blocks"] = [{"width": b["width"], "activation": activation, "norm": "none", "dropout": 0.0,
                       "residual": False} for b in arch["blocks"][:MAX_BLOCKS]]
    if arch["inputs"]["numeric"] not in ENCODINGS:
        arch["inputs"]["numeric"] = "plain"
    arch["inputs"]["conv_channels"] = 0
    arch["n_heads"], arch["ensemble"] = 1, "heads"
    optimizer = "sgd" if arch["training"]["optimizer"] == "sgd" else "adam"
    arch["training"] |= {"optimizer": optimizer, "schedule": "constant", "warmup": 0.0,
                         "label_smoothing": 0.0}
    return arch


def _one_hot(codes: np.ndarray, cardinalities: list[int]) -> np.ndarray:
    blocks = [np.eye(card + 1)[codes[:, j]] for j, card in enumerate(cardinalities)]
    return np.hstack(blocks) if blocks else np.zeros((codes.shape[0], 0))


class _SklearnNet(NetworkBase):
    """Shared by the classifier and the regressor; see :class:`SklearnNetClassifier`."""

    def iter_epochs(self, X, y, X_val=None, *, resume=False):
        """Train one epoch per step, yielding ``(epoch, val_pred)``, as the PyTorch network does."""
        if resume and not hasattr(self, "mlp_"):
            raise ValueError(MSG_RESUME)
        X, y = self._check_training(X, y, resume)
        if not resume:
            self._start(X, y)
        rows, target = self._matrix(X), enc.encode_target(y, self._fitted["target"])
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
            if not math.isfinite(loss) or loss > enc.DIVERGED_LOSS:
                raise FloatingPointError(enc.MSG_DIVERGED.format(epoch=self.n_epochs_, loss=loss,
                                                             lr=training["lr"]))
            yield self.n_epochs_, None if val is None else self._predict_matrix(val)

    def _start(self, X, y) -> None:
        arch = enc.complete_architecture(self.architecture)
        problems = unsupported(arch)
        if problems:
            raise ValueError(MSG_UNSUPPORTED.format(what=", ".join(problems)))
        self._set_fitted(self._new_fitted(X, y, arch) | {"n_rows": int(X.shape[0])})
        self._rng = np.random.default_rng(self._fitted["seed"])

    def _set_fitted(self, fitted: dict[str, Any]) -> None:
        arch, training = fitted["architecture"], fitted["architecture"]["training"]
        kind = MLPClassifier if self._classification else MLPRegressor
        self.mlp_ = kind(hidden_layer_sizes=tuple(int(b["width"]) for b in arch["blocks"]),
                         activation=arch["blocks"][0]["activation"], solver=training["optimizer"],
                         alpha=float(training["weight_decay"]), learning_rate_init=float(training["lr"]),
                         batch_size=int(max(1, min(training["batch_size"], fitted["n_rows"]))), shuffle=False,
                         momentum=0.9, nesterovs_momentum=True, random_state=fitted["seed"])
        self._adopt(fitted)

    def _classes_arg(self) -> dict[str, Any]:
        return {"classes": np.arange(len(self.classes_))} if self._classification else {}

    def _matrix(self, X) -> np.ndarray:
        codes, nums = enc.transform_inputs(X, self._fitted)
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
        meta = {"format": enc.FORMAT, "estimator": type(self).__name__, "fitted": self._fitted,
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
        self._check_state_owner(meta)
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
        self._write_meta(path)
        return path

    @classmethod
    def load(cls, directory) -> _SklearnNet:
        """The network saved by :meth:`save` in ``directory``."""
        path = Path(directory)
        est, meta = cls._read_meta(path, _SklearnNet, _ESTIMATORS)
        with np.load(path / WEIGHTS_FILE, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        est._restore(meta["fitted"], arrays, None)
        est._rng = np.random.default_rng(meta["fitted"]["seed"])
        return est


class SklearnNetClassifier(ClassifierMixin, ClassifierOutputs, _SklearnNet):
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


class SklearnNetRegressor(RegressorMixin, RegressorOutputs, _SklearnNet):
    """The fallback regressor (``MLPRegressor.partial_fit`` on the standardised target); see
    :class:`SklearnNetClassifier`."""


_ESTIMATORS = {c.__name__: c for c in (SklearnNetClassifier, SklearnNetRegressor)}
