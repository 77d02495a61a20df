"""A tabular neural network as a scikit-learn estimator, trained epoch by epoch with PyTorch.

Self-contained with its two siblings ``_encoding.py`` (numpy: the input stage, the architecture's
defaults) and ``_layers.py`` (the torch modules): the three import numpy, scikit-learn and, only
when a network is built, torch and safetensors. ``export_code`` can copy the three files next to
an exported script, so a saved network keeps working without jupyter_automl.

The input contract (category codes first, then numbers; NaN allowed) is described in
``_encoding.py``; the architecture is a JSON-able dict (``DEFAULT_ARCHITECTURE``), built and
validated by ``jupyter_automl.nn.Architecture``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted, validate_data

if __package__:  # inside the jupyter_automl package
    from ._encoding import (
        DIVERGED_LOSS,
        FORMAT,
        MSG_DIVERGED,
        MSG_TOO_FEW,
        classes_of,
        complete_architecture,
        encode_target,
        fit_inputs,
        fit_target,
        lr_factor,
        steps_per_epoch,
        transform_inputs,
    )
    from ._layers import (
        batches,
        is_out_of_memory,
        load_torch,
        make_optimizer,
        modules,
        torch_threads,
    )
else:  # copies next to an exported script, without the package
    from _encoding import (
        DIVERGED_LOSS,
        FORMAT,
        MSG_DIVERGED,
        MSG_TOO_FEW,
        classes_of,
        complete_architecture,
        encode_target,
        fit_inputs,
        fit_target,
        lr_factor,
        steps_per_epoch,
        transform_inputs,
    )
    from _layers import (
        batches,
        is_out_of_memory,
        load_torch,
        make_optimizer,
        modules,
        torch_threads,
    )

__all__ = ["TabularNetClassifier", "TabularNetRegressor", "load_network"]

PREDICT_CHUNK = 8192  # rows per forward pass at prediction time
WEIGHTS_FILE, META_FILE = "weights.safetensors", "network.json"
MSG_OOM = ("the network ran out of memory at epoch {epoch} on {device} (batch size {batch}, "
           "{n_params} parameters): use a smaller batch size or narrower blocks.")
MSG_RESUME = ("iter_epochs(resume=True) continues a training that this estimator holds; it has "
              "none. Call set_state(...) first, or iter_epochs without resume.")
MSG_WRONG_STATE = "These bytes hold the state of a {got}, not of a {expected}."


def _read_metadata(data: bytes) -> dict[str, Any]:
    """The JSON metadata of safetensors bytes (8-byte header length, then the JSON header)."""
    n = int.from_bytes(data[:8], "little")
    return json.loads(json.loads(data[8:8 + n])["__metadata__"]["jupyter_automl"])


class _TabularNet(BaseEstimator):
    """Shared by the classifier and the regressor; see :class:`TabularNetClassifier`."""

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

    # -- training ----------------------------------------------------------------------------------
    def fit(self, X, y):
        """Train ``max_epochs`` epochs from scratch; returns ``self``."""
        for _ in self.iter_epochs(X, y):
            pass
        return self

    def iter_epochs(self, X, y, X_val=None, *, resume=False):
        """Train one epoch per step, up to ``max_epochs``, yielding ``(epoch, val_pred)``.

        ``val_pred`` is what ``predict_proba`` (classifier) or ``predict`` (regressor) gives
        for ``X_val`` after that epoch, or None without ``X_val``. The estimator predicts at any
        point, so a caller can score each epoch and stop early by leaving the loop.
        With ``resume=True`` training continues from the state this estimator holds (after
        ``set_state``, or an earlier loop that was left), on the same training rows.
        """
        torch = load_torch()
        if resume and "_t" not in self.__dict__:
            raise ValueError(MSG_RESUME)
        X, y = validate_data(self, X, y, reset=not resume, ensure_all_finite=False,
                             dtype=np.float64, y_numeric=not self._classification)
        if not resume:
            self._start(torch, X, y)
        t = self._t
        if X.shape[0] != t["n_rows"]:
            raise ValueError(f"resume needs the same {t['n_rows']} training rows; got {X.shape[0]}.")
        target = torch.as_tensor(encode_target(y, self._fitted["target"]), device=t["device"])
        data = self._tensors(torch, X)
        val = None if X_val is None else self._tensors(torch, self._check_X(X_val))
        while self.n_epochs_ < self.max_epochs:
            # the thread setting is process-global: hold it only while computing, never across
            # the yield (a caller may keep a paused generator for long, or drop it)
            with torch_threads(self.n_threads):
                self._train_epoch(torch, *data, target)
                pred = None if val is None else self._predict_tensors(torch, *val)
            yield self.n_epochs_, pred

    def _start(self, torch, X, y) -> None:
        if X.shape[0] < 2:
            raise ValueError(MSG_TOO_FEW.format(n=X.shape[0]))
        arch = complete_architecture(self.architecture)
        seed = self.random_state
        if seed is None:
            seed = int(np.random.default_rng().integers(2**31 - 1))
        fitted = fit_inputs(X, self.cat_cardinalities, arch["inputs"])
        fitted |= {"architecture": arch, "target": fit_target(y, self._classification),
                   "seed": int(seed), "n_features_in": int(X.shape[1]), "loss_curve": [],
                   "feature_names_in": getattr(self, "feature_names_in_", np.array([])).tolist()}
        per_epoch = steps_per_epoch(X.shape[0], arch["training"]["batch_size"])
        total = per_epoch * int(self.schedule_epochs or self.max_epochs)
        self._restore(torch, fitted, weights=None, training={"step": 0, "total_steps": total,
                                                             "n_rows": int(X.shape[0])})

    def _train_epoch(self, torch, codes, nums, target) -> None:
        t, arch = self._t, self._fitted["architecture"]
        training, net, optimizer = arch["training"], t["net"], t["optimizer"]
        loss_fn = self._loss_fn(torch, training)
        net.train()
        total = torch.zeros((), device=t["device"])
        try:
            for idx in batches(torch, t["n_rows"], training["batch_size"], t["generator"]):
                idx = idx.to(t["device"])
                factor = lr_factor(training["schedule"], training["warmup"], t["step"] / t["total_steps"])
                for group in optimizer.param_groups:
                    group["lr"] = float(training["lr"]) * factor
                loss = loss_fn(net(codes[idx], nums[idx]), target[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                t["step"] += 1
                total += loss.detach() * len(idx)
            mean = float(total) / t["n_rows"]
        except RuntimeError as exc:
            if is_out_of_memory(exc):
                raise MemoryError(MSG_OOM.format(
                    epoch=self.n_epochs_ + 1, device=t["device"], batch=training["batch_size"],
                    n_params=sum(p.numel() for p in net.parameters()))) from exc
            raise
        self.n_epochs_ += 1
        self._fitted["loss_curve"].append(mean)
        if not math.isfinite(mean) or mean > DIVERGED_LOSS:
            raise FloatingPointError(MSG_DIVERGED.format(epoch=self.n_epochs_, loss=mean,
                                                         lr=training["lr"]))

    def _loss_fn(self, torch, training):
        F = torch.nn.functional
        if self._classification:
            smoothing = float(training["label_smoothing"])
            # every head's loss counts alone (not the loss of the averaged logits), so the heads
            # stay diverse members of an ensemble
            return lambda out, y: F.cross_entropy(out.reshape(-1, out.shape[-1]),
                                                  y.repeat_interleave(out.shape[1]),
                                                  label_smoothing=smoothing)
        return lambda out, y: F.mse_loss(out[..., 0], y[:, None].expand(-1, out.shape[1]))

    # -- building and restoring --------------------------------------------------------------------
    def _restore(self, torch, fitted, weights, training=None) -> None:
        """Build the network described by ``fitted`` and load ``weights`` (or initialise them)."""
        m = modules()
        arch, target = fitted["architecture"], fitted["target"]
        device = torch.device(("cuda" if torch.cuda.is_available() else "cpu")
                              if self.device == "auto" else self.device)
        n_out = len(target["classes"]) if "classes" in target else 1
        net = m["TabularNet"](fitted, arch, n_out)
        generator = torch.Generator().manual_seed(fitted["seed"])
        if weights is None:
            m["initialise"](net, generator, arch["inputs"])
        else:
            net.load_state_dict({k[6:]: v for k, v in weights.items() if k.startswith("model.")})
        net.to(device)
        device_generator = generator
        if device.type != "cpu":
            device_generator = torch.Generator(device=device).manual_seed(fitted["seed"] + 1)
        for module in net.modules():
            if isinstance(module, m["Dropout"]):
                module.generator = device_generator
        self._fitted = fitted
        self.n_features_in_ = fitted["n_features_in"]
        if fitted["feature_names_in"]:
            self.feature_names_in_ = np.asarray(fitted["feature_names_in"], dtype=object)
        if self._classification:
            self.classes_ = classes_of(target)
        self.n_epochs_ = len(fitted["loss_curve"])
        self._t = {"net": net, "device": device, "generator": generator,
                   "device_generator": device_generator, **(training or {})}
        if training is not None:
            self._t["optimizer"] = make_optimizer(torch, net, arch["training"])

    def _ensure_net(self, torch) -> None:
        if "_t" not in self.__dict__:
            if "_weights" not in self.__dict__:
                check_is_fitted(self, "n_epochs_")
                raise NotFittedError("This network holds no weights.")
            import safetensors.torch

            self._restore(torch, self._fitted, safetensors.torch.load(self.__dict__.pop("_weights")))

    # -- prediction --------------------------------------------------------------------------------
    def _check_X(self, X) -> np.ndarray:
        return validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)

    def _tensors(self, torch, X):
        codes, nums = transform_inputs(X, self._fitted)
        return torch.as_tensor(codes, device=self._t["device"]), torch.as_tensor(nums, device=self._t["device"])

    def _predict_tensors(self, torch, codes, nums) -> np.ndarray:
        net = self._t["net"]
        net.eval()
        with torch.no_grad():
            out = torch.cat([net(codes[i:i + PREDICT_CHUNK], nums[i:i + PREDICT_CHUNK])
                             for i in range(0, len(codes), PREDICT_CHUNK)])
            if self._classification:
                proba = torch.softmax(out.double(), dim=-1).mean(dim=1).cpu().numpy()
                if not np.isfinite(proba).all():
                    raise FloatingPointError(MSG_DIVERGED.format(epoch=self.n_epochs_, loss="nan",
                                                                 lr=self._fitted["architecture"]["training"]["lr"]))
                return proba / proba.sum(axis=1, keepdims=True)
            target = self._fitted["target"]
            return out[..., 0].double().mean(dim=1).cpu().numpy() * target["scale"] + target["mean"]

    def _predict_raw(self, X) -> np.ndarray:
        torch = load_torch()
        check_is_fitted(self, "n_epochs_")
        self._ensure_net(torch)
        X = self._check_X(X)
        with torch_threads(self.n_threads):
            return self._predict_tensors(torch, *self._tensors(torch, X))

    # -- state, files and pickling -----------------------------------------------------------------
    def _weights(self) -> dict:
        return {f"model.{k}": v.detach().cpu().contiguous() for k, v in self._t["net"].state_dict().items()}

    def get_state(self) -> bytes:
        """Weights, optimiser, schedule position, random generator and epoch count, as
        safetensors bytes (no pickle); ``set_state`` on a new estimator continues from them."""
        torch = load_torch()
        import safetensors.torch

        check_is_fitted(self, "n_epochs_")
        self._ensure_net(torch)
        t = self._t
        tensors = self._weights()
        tensors["rng.generator"] = t["generator"].get_state()
        if t["device_generator"] is not t["generator"]:
            tensors["rng.device"] = t["device_generator"].get_state()
        training, groups = {}, []
        if "optimizer" in t:
            state = t["optimizer"].state_dict()
            for pid, entries in state["state"].items():
                for key, value in entries.items():
                    tensors[f"optimizer.{pid}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
            groups = [{k: v for k, v in g.items() if k != "params"} for g in state["param_groups"]]
            training = {k: t[k] for k in ("step", "total_steps", "n_rows")}
        meta = {"format": FORMAT, "estimator": type(self).__name__, "fitted": self._fitted,
                "training": training, "optimizer_groups": groups}
        return safetensors.torch.save(tensors, metadata={"jupyter_automl": json.dumps(meta)})

    def set_state(self, state: bytes):
        """Restore what ``get_state`` saved (fitted values included); returns ``self``."""
        torch = load_torch()
        import safetensors.torch

        meta = _read_metadata(state)
        if meta["estimator"] != type(self).__name__:
            raise ValueError(MSG_WRONG_STATE.format(got=meta["estimator"], expected=type(self).__name__))
        tensors = safetensors.torch.load(state)
        self._restore(torch, meta["fitted"], tensors, training=meta["training"] or None)
        t = self._t
        t["generator"].set_state(tensors["rng.generator"])
        if "rng.device" in tensors:
            t["device_generator"].set_state(tensors["rng.device"])
        if "optimizer" in t:
            fresh = t["optimizer"].state_dict()
            entries: dict[int, dict] = {}
            for key, value in tensors.items():
                if key.startswith("optimizer."):
                    _, pid, name = key.split(".", 2)
                    entries.setdefault(int(pid), {})[name] = value
            groups = [g | {"params": f["params"]} for g, f in zip(meta["optimizer_groups"], fresh["param_groups"], strict=True)]
            t["optimizer"].load_state_dict({"state": entries, "param_groups": groups})
        return self

    def save(self, directory) -> Path:
        """Write ``weights.safetensors`` and ``network.json`` (parameters, fitted values) into
        ``directory``; :meth:`load` reads them back. No pickle. Returns the directory."""
        torch = load_torch()
        import safetensors.torch

        check_is_fitted(self, "n_epochs_")
        self._ensure_net(torch)
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        safetensors.torch.save_file(self._weights(), str(path / WEIGHTS_FILE))
        params = self.get_params(deep=False) | {"cat_cardinalities": [int(c) for c in self.cat_cardinalities],
                                                "architecture": complete_architecture(self.architecture)}
        meta = {"format": FORMAT, "estimator": type(self).__name__, "params": params, "fitted": self._fitted}
        (path / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory) -> _TabularNet:
        """The network saved by :meth:`save` in ``directory``."""
        torch = load_torch()
        import safetensors.torch

        path = Path(directory)
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        kind = _ESTIMATORS[meta["estimator"]]
        if cls is not _TabularNet and kind is not cls:
            raise ValueError(MSG_WRONG_STATE.format(got=meta["estimator"], expected=cls.__name__))
        est = kind(**meta["params"])
        est._restore(torch, meta["fitted"], safetensors.torch.load_file(str(path / WEIGHTS_FILE)))
        return est

    def __getstate__(self):
        # torch objects never go into a pickle: the weights travel as safetensors bytes, the rest
        # is plain data, so pickle and skops files stay independent of torch's pickling
        state = dict(super().__getstate__())  # a copy: object.__getstate__ gives __dict__ itself
        t = state.pop("_t", None)
        if t is not None:
            import safetensors.torch

            state["_weights"] = safetensors.torch.save(self._weights())
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


_DOC = """A multi-layer network for tables ({what}), trained with PyTorch.

    Parameters
    ----------
    architecture : dict or Architecture, default=None
        What to build and how to train it (see ``DEFAULT_ARCHITECTURE``); None: the defaults.
    cat_cardinalities : sequence of int, default=()
        Number of categories of each categorical column; these columns come first in ``X`` and
        hold codes ``1..cardinality`` (anything else: missing or unknown).
    max_epochs : int, default=100
        Epochs ``fit`` trains, and where ``iter_epochs`` stops.
    schedule_epochs : int, default=None
        Length of the learning-rate schedule in epochs (None: ``max_epochs``). A refit that
        stops at the best epoch of a longer run passes that run's length here to retrace it.
    random_state : int, default=None
        Seeds initial weights, shuffling and dropout (same seed, same network on CPU).
    device : str, default="auto"
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"``...
    n_threads : int or None, default=1
        Torch intra-op threads while training and predicting (None: leave torch's setting).
        The setting is process-global: estimators training at once in threads of one process
        share the count the first of them set.

    Attributes
    ----------
    {attributes}n_features_in_ : int
    n_epochs_ : int
        Epochs trained so far.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> y = {example_y}
    >>> net = {cls}(architecture={{"blocks": [{{"width": 16}}]}}, max_epochs=3, random_state=0)
    >>> {example_out}
    """


class TabularNetClassifier(ClassifierMixin, _TabularNet):
    _classification = True

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_`` (heads averaged)."""
        return self._predict_raw(X)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[np.argmax(self._predict_raw(X), axis=1)]


class TabularNetRegressor(RegressorMixin, _TabularNet):
    def predict(self, X) -> np.ndarray:
        """Predicted values (heads averaged, in the target's own scale)."""
        return self._predict_raw(X)


TabularNetClassifier.__doc__ = _DOC.format(
    what="classification", cls="TabularNetClassifier", example_y="X[:, 0] > 0",
    attributes="classes_ : ndarray\n    ",
    example_out="net.fit(X, y).predict_proba(X[:2]).shape\n    (2, 2)")
TabularNetRegressor.__doc__ = _DOC.format(
    what="regression", cls="TabularNetRegressor", example_y="100 * X[:, 0]", attributes="",
    example_out="net.fit(X, y).predict(X[:2]).shape\n    (2,)")
_ESTIMATORS = {c.__name__: c for c in (TabularNetClassifier, TabularNetRegressor)}


def load_network(directory) -> _TabularNet:
    """The classifier or regressor that :meth:`TabularNetClassifier.save` wrote in ``directory``."""
    return _TabularNet.load(directory)
