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
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

if __package__:  # inside the jupyter_automl package
    from . import _encoding as enc
    from . import _layers as layers
    from ._estimator import MSG_RESUME, ClassifierOutputs, NetworkBase, RegressorOutputs
else:  # copies next to an exported script, without the package
    import _encoding as enc
    import _layers as layers
    from _estimator import MSG_RESUME, ClassifierOutputs, NetworkBase, RegressorOutputs

__all__ = ["TabularNetClassifier", "TabularNetRegressor", "load_network"]

PREDICT_CHUNK = 8192  # rows per forward pass at prediction time
WEIGHTS_FILE = "weights.safetensors"
MSG_OOM = ("the network ran out of memory at epoch {epoch} on {device} (batch size {batch}, "
           "{n_params} parameters): use a smaller batch size or narrower blocks.")


def _read_metadata(data: bytes) -> dict[str, Any]:
    """The JSON metadata of safetensors bytes (8-byte header length, then the JSON header)."""
    n = int.from_bytes(data[:8], "little")
    return json.loads(json.loads(data[8:8 + n])["__metadata__"]["jupyter_automl"])


class _TabularNet(NetworkBase):
    """Shared by the classifier and the regressor; see :class:`TabularNetClassifier`."""

    # -- training ----------------------------------------------------------------------------------
    def iter_epochs(self, X, y, X_val=None, *, resume=False):
        """Train one epoch per step, up to ``max_epochs``, yielding ``(epoch, val_pred)``.

        ``val_pred`` is what ``predict_proba`` (classifier) or ``predict`` (regressor) gives
        for ``X_val`` after that epoch, or None without ``X_val``. The estimator predicts at any
        point, so a caller can score each epoch and stop early by leaving the loop.
        With ``resume=True`` training continues from the state this estimator holds (after
        ``set_state``, or an earlier loop that was left), on the same training rows.
        """
        torch = layers.load_torch()
        if resume and "_t" not in self.__dict__:
            raise ValueError(MSG_RESUME)
        X, y = self._check_training(X, y, resume)
        if not resume:
            self._start(torch, X, y)
        t = self._t
        if X.shape[0] != t["n_rows"]:
            raise ValueError(f"resume needs the same {t['n_rows']} training rows; got {X.shape[0]}.")
        target = torch.as_tensor(enc.encode_target(y, self._fitted["target"]), device=t["device"])
        data = self._tensors(torch, X)
        val = None if X_val is None else self._tensors(torch, self._check_X(X_val))
        while self.n_epochs_ < self.max_epochs:
            # the thread setting is process-global: hold it only while computing, never across
            # the yield (a caller may keep a paused generator for long, or drop it)
            with layers.torch_threads(self.n_threads):
                self._train_epoch(torch, *data, target)
                pred = None if val is None else self._predict_tensors(torch, *val)
            yield self.n_epochs_, pred

    def _start(self, torch, X, y) -> None:
        arch = enc.complete_architecture(self.architecture)
        fitted = self._new_fitted(X, y, arch)
        per_epoch = enc.steps_per_epoch(X.shape[0], arch["training"]["batch_size"])
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
            for idx in layers.batches(torch, t["n_rows"], training["batch_size"], t["generator"]):
                idx = idx.to(t["device"])
                factor = enc.lr_factor(training["schedule"], training["warmup"], t["step"] / t["total_steps"])
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
            if layers.is_out_of_memory(exc):
                raise MemoryError(MSG_OOM.format(
                    epoch=self.n_epochs_ + 1, device=t["device"], batch=training["batch_size"],
                    n_params=sum(p.numel() for p in net.parameters()))) from exc
            raise
        self.n_epochs_ += 1
        self._fitted["loss_curve"].append(mean)
        if not math.isfinite(mean) or mean > enc.DIVERGED_LOSS:
            raise FloatingPointError(enc.MSG_DIVERGED.format(epoch=self.n_epochs_, loss=mean,
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
        m = layers.modules()
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
        self._adopt(fitted)
        self._t = {"net": net, "device": device, "generator": generator,
                   "device_generator": device_generator, **(training or {})}
        if training is not None:
            self._t["optimizer"] = layers.make_optimizer(torch, net, arch["training"])

    def _ensure_net(self, torch) -> None:
        if "_t" not in self.__dict__:
            if "_weights" not in self.__dict__:
                check_is_fitted(self, "n_epochs_")
                raise NotFittedError("This network holds no weights.")
            import safetensors.torch

            self._restore(torch, self._fitted, safetensors.torch.load(self.__dict__.pop("_weights")))

    # -- prediction --------------------------------------------------------------------------------
    def _tensors(self, torch, X):
        codes, nums = enc.transform_inputs(X, self._fitted)
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
                    raise FloatingPointError(enc.MSG_DIVERGED.format(epoch=self.n_epochs_, loss="nan",
                                                                 lr=self._fitted["architecture"]["training"]["lr"]))
                return proba / proba.sum(axis=1, keepdims=True)
            target = self._fitted["target"]
            return out[..., 0].double().mean(dim=1).cpu().numpy() * target["scale"] + target["mean"]

    def _predict_raw(self, X) -> np.ndarray:
        torch = layers.load_torch()
        check_is_fitted(self, "n_epochs_")
        self._ensure_net(torch)
        X = self._check_X(X)
        with layers.torch_threads(self.n_threads):
            return self._predict_tensors(torch, *self._tensors(torch, X))

    # -- state, files and pickling -----------------------------------------------------------------
    def _weights(self) -> dict:
        return {f"model.{k}": v.detach().cpu().contiguous() for k, v in self._t["net"].state_dict().items()}

    def get_state(self) -> bytes:
        """Weights, optimiser, schedule position, random generator and epoch count, as
        safetensors bytes (no pickle); ``set_state`` on a new estimator continues from them."""
        torch = layers.load_torch()
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
        meta = {"format": enc.FORMAT, "estimator": type(self).__name__, "fitted": self._fitted,
                "training": training, "optimizer_groups": groups}
        return safetensors.torch.save(tensors, metadata={"jupyter_automl": json.dumps(meta)})

    def set_state(self, state: bytes):
        """Restore what ``get_state`` saved (fitted values included); returns ``self``."""
        torch = layers.load_torch()
        import safetensors.torch

        meta = _read_metadata(state)
        self._check_state_owner(meta)
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
        torch = layers.load_torch()
        import safetensors.torch

        check_is_fitted(self, "n_epochs_")
        self._ensure_net(torch)
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        safetensors.torch.save_file(self._weights(), str(path / WEIGHTS_FILE))
        self._write_meta(path)
        return path

    @classmethod
    def load(cls, directory) -> _TabularNet:
        """The network saved by :meth:`save` in ``directory``."""
        torch = layers.load_torch()
        import safetensors.torch

        path = Path(directory)
        est, meta = cls._read_meta(path, _TabularNet, _ESTIMATORS)
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


# the several heads' outputs are averaged in _predict_raw, before these outputs
class TabularNetClassifier(ClassifierMixin, ClassifierOutputs, _TabularNet):
    _classification = True


class TabularNetRegressor(RegressorMixin, RegressorOutputs, _TabularNet):
    pass


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
