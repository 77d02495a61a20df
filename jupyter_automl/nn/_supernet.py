"""Weight-sharing supernet: single-path one-shot NAS over depth, widths, activations and skips.

One over-parameterised network holds ``max_blocks`` blocks of the largest width. A sub-network
(a *path*) uses the first ``n_blocks`` blocks, the first ``width`` units of each (prefix slicing
of the weight matrices), one activation per block and a skip or not; every path shares the same
weights. Training samples paths uniformly, by default with the sandwich rule (the largest and the
smallest path plus random ones every step, their gradients summed), so that small and large
sub-networks both learn. Afterwards ``evaluate`` predicts with any path's inherited weights,
without training it; ``to_architecture`` makes a standalone architecture to retrain from scratch,
and ``extract`` a standalone network that starts from the inherited weights (to fine-tune).

Normalisation is layer norm or none: batch norm's running statistics belong to one path, so
inherited batch-norm statistics would be wrong for every other path (the classic trap).
On an image's pixels one convolution stage comes before the blocks, shared whole by every
path: its batch normalisation sees the same inputs whichever path follows.
How well inherited scores rank paths is measured by ``benchmarks/bench_supernet_rank.py``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from .._optional import import_optional
from ._architecture import Architecture, Block, InputStage, Training
from ._encoding import (
    DIVERGED_LOSS,
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
from ._layers import batches, make_optimizer, modules, torch_threads
from ._space import SpaceParam

SUPERNET_NORMS = ("layer", "none")
MSG_NORM = ("The supernet's norm must be one of {choices} (batch-norm statistics cannot be shared "
            "between sub-networks). Got {got!r} instead.")
MSG_PATH = "The sub-network {what}. The supernet offers: {space}."


def _define(torch):
    nn, F = torch.nn, torch.nn.functional
    m = modules()

    class SuperNetModule(nn.Module):
        """Blocks of the largest width; ``forward`` runs one path through prefix slices."""

        def __init__(self, fitted, inputs, max_blocks, width, n_outputs, norm, dropout, activations):
            super().__init__()
            self.inputs = m["InputStage"](fitted, inputs)
            d_in = [self.inputs.width] + [width] * (max_blocks - 1)
            self.linears = nn.ModuleList(nn.Linear(d, width) for d in d_in)
            self.skips = nn.ModuleList(nn.Linear(d, width, bias=False) for d in d_in)
            self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in d_in) if norm == "layer" else None
            self.dropout = m["Dropout"](dropout)
            self.head = nn.Linear(width, n_outputs)
            self.acts = nn.ModuleDict({a: m["activation"](a) for a in activations})

        def forward(self, codes, nums, path):
            return self.through(self.inputs(codes, nums), path)

        def through(self, x, path):
            """One path from the input stage's output (shared by every path of a step)."""
            d = x.shape[1]
            for i, (w, activation, residual) in enumerate(path):
                lin = self.linears[i]
                h = F.linear(x, lin.weight[:w, :d], lin.bias[:w])
                if self.norms is not None:
                    h = F.layer_norm(h, (w,), self.norms[i].weight[:w], self.norms[i].bias[:w])
                h = self.dropout(self.acts[activation](h))
                if residual:  # as a standalone block: identity when the widths match, else projected
                    h = h + (x if d == w else F.linear(x, self.skips[i].weight[:w, :d]))
                x, d = h, w
            return F.linear(x, self.head.weight[:, :d], self.head.bias)[:, None, :]

    return SuperNetModule


class SuperNet(BaseEstimator):
    """A weight-sharing supernet for single-path one-shot architecture search.

    Parameters
    ----------
    classification : bool, default=True
    max_blocks : int, default=4
        Depth of the supernet; paths use 1 to ``max_blocks`` blocks.
    widths : sequence of int, default=(64, 128, 256, 512)
        Widths a block may take (prefixes of the largest).
    activations : sequence of str, default=("relu", "gelu", "silu")
    norm : {"layer", "none"}, default="layer"
    dropout : float, default=0.1
    inputs, training : dict, default=None
        The input stage and training settings (``InputStage``/``Training`` fields), shared by
        every path and copied into ``to_architecture``.
    cat_cardinalities, max_epochs, random_state, device, n_threads
        As for :class:`~jupyter_automl.nn.TabularNetClassifier`.
    sandwich : bool, default=True
        Train the largest and smallest paths every step, plus ``n_random`` random ones; else
        only ``n_random`` uniformly sampled paths.
    n_random : int, default=2
    per_block : bool, default=True
        Each block chooses its activation and skip (``block_<i>.activation``), or one choice
        holds for every block (``activation``, ``residual``: the ``nas`` family's space).
    image_grid : dict, optional
        Where each pixel sits when the numbers are an image's (``jupyter_automl.nn.image_grid``):
        with ``inputs={"conv_channels": c, ...}`` every path shares one convolution stage, as
        :class:`~jupyter_automl.nn.TabularNetClassifier` takes it. Its batch normalisation is
        shared safely: the stage comes before the paths part, so every path feeds it the same.

    Attributes
    ----------
    n_epochs_ : int
    path_epochs_ : int
        Single-path training epochs spent (paths per step times epochs), to compare with
        training sub-networks one by one.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> net = SuperNet(max_blocks=2, widths=(8, 16), max_epochs=2, random_state=0).fit(X, X[:, 0] > 0)
    >>> path = {"n_blocks": 1, "block_0.width": 8, "block_0.activation": "gelu"}
    >>> net.evaluate(path, X[:3]).shape
    (3, 2)
    >>> [b.width for b in net.to_architecture(path).blocks]
    [8]
    """

    def __init__(self, *, classification=True, max_blocks=4, widths=(64, 128, 256, 512),
                 activations=("relu", "gelu", "silu"), norm="layer", dropout=0.1, inputs=None,
                 training=None, cat_cardinalities=(), max_epochs=50, random_state=None,
                 device="auto", n_threads=1, sandwich=True, n_random=2, per_block=True,
                 image_grid=None):
        self.classification = classification
        self.max_blocks = max_blocks
        self.widths = widths
        self.activations = activations
        self.norm = norm
        self.dropout = dropout
        self.inputs = inputs
        self.training = training
        self.cat_cardinalities = cat_cardinalities
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads
        self.sandwich = sandwich
        self.n_random = n_random
        self.per_block = per_block
        self.image_grid = image_grid

    # -- the space of paths ------------------------------------------------------------------------
    def sample_space(self) -> list[SpaceParam]:
        """The path choices as search params (names as ``architecture_from_params`` reads them)."""
        space = [SpaceParam("n_blocks", "int", 1, self.max_blocks, default=min(2, self.max_blocks))]
        for i in range(self.max_blocks):
            active = (lambda v, i=i: v.get("n_blocks", 1) > i) if i else None
            space.append(SpaceParam(f"block_{i}.width", "categorical", choices=tuple(self.widths),
                                    default=max(self.widths), active=active))
            if self.per_block:
                space += self._op_params(f"block_{i}.", active)
        return space if self.per_block else space + self._op_params("", None)

    def _op_params(self, prefix: str, active) -> list[SpaceParam]:
        return [SpaceParam(f"{prefix}activation", "categorical", choices=tuple(self.activations),
                           default=self.activations[0], active=active),
                SpaceParam(f"{prefix}residual", "categorical", choices=(False, True), default=False,
                           active=active)]

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """A path drawn uniformly: depth, then each block's width, activation and skip (one
        activation and skip for all blocks when not ``per_block``)."""
        n = int(rng.integers(1, self.max_blocks + 1))
        path: dict[str, Any] = {"n_blocks": n}
        for i in range(n):
            path[f"block_{i}.width"] = int(rng.choice(self.widths))
            if self.per_block or i == 0:
                ops = {"activation": str(rng.choice(self.activations)), "residual": bool(rng.integers(2))}
            path |= {f"block_{i}.{k}": v for k, v in ops.items()}
        return path

    def _path(self, sub: dict[str, Any]) -> list[tuple[int, str, bool]]:
        space = {"n_blocks": (1, self.max_blocks), "widths": list(self.widths),
                 "activations": list(self.activations)}
        n = int(sub.get("n_blocks", 1))
        if not 1 <= n <= self.max_blocks:
            raise ValueError(MSG_PATH.format(what=f"has {n} blocks", space=space))
        path = []
        for i in range(n):
            w = int(sub.get(f"block_{i}.width", max(self.widths)))
            act = sub.get(f"block_{i}.activation", sub.get("activation", self.activations[0]))
            if w not in self.widths or act not in self.activations:
                raise ValueError(MSG_PATH.format(what=f"asks block {i} for width {w} and {act!r}", space=space))
            path.append((w, act, bool(sub.get(f"block_{i}.residual", sub.get("residual", False)))))
        return path

    def to_architecture(self, sub: dict[str, Any]) -> Architecture:
        """The standalone architecture of a path, to retrain from scratch."""
        blocks = tuple(Block(w, act, self.norm, float(self.dropout), res) for w, act, res in self._path(sub))
        return Architecture(blocks=blocks, inputs=InputStage(**(self.inputs or {})),
                            training=Training(**(self.training or {})))

    # -- training ----------------------------------------------------------------------------------
    def fit(self, X, y):
        """Train the supernet for ``max_epochs`` epochs; returns ``self``."""
        for _ in self.iter_epochs(X, y):
            pass
        return self

    def iter_epochs(self, X, y):
        """Train one epoch per step, yielding the epoch number.

        ``max_epochs`` may be lowered between steps (``set_params``), e.g. once the first epoch
        shows how many fit in a time budget: training and its learning-rate schedule then end
        there."""
        torch = import_optional("torch")
        if self.norm not in SUPERNET_NORMS:
            raise ValueError(MSG_NORM.format(choices=list(SUPERNET_NORMS), got=self.norm))
        X, y = validate_data(self, X, y, ensure_all_finite=False, dtype=np.float64,
                             y_numeric=not self.classification)
        if X.shape[0] < 2:
            raise ValueError(MSG_TOO_FEW.format(n=X.shape[0]))
        self._start(torch, X, y)
        codes, nums = self._tensors(torch, X)
        target = torch.as_tensor(encode_target(y, self._fitted["target"]), device=self._device)
        training = self._fitted["training"]
        widest = [(max(self.widths), self.activations[0], False)] * self.max_blocks
        narrowest = [(min(self.widths), self.activations[0], False)]
        F = torch.nn.functional
        while self.n_epochs_ < self.max_epochs:
            self._total = steps_per_epoch(self._n_rows, training["batch_size"]) * int(self.max_epochs)
            with torch_threads(self.n_threads):
                self._net.train()
                total, count = torch.zeros(()), 0
                for idx in batches(torch, len(X), training["batch_size"], self._generator):
                    factor = lr_factor(training["schedule"], training["warmup"], self._step / self._total)
                    for group in self._optimizer.param_groups:
                        group["lr"] = training["lr"] * factor
                    paths = [self._path(self.sample(self._rng)) for _ in range(self.n_random)]
                    if self.sandwich:
                        paths = [widest, narrowest] + paths
                    self._optimizer.zero_grad(set_to_none=True)
                    # the input stage (a convolution stage on images: most of the cost) runs once
                    # for all the step's paths; one backward sums their gradients through it
                    x = self._net.inputs(codes[idx], nums[idx])
                    step_loss = 0.0
                    for path in paths:
                        out = self._net.through(x, path)[:, 0]
                        loss = (F.cross_entropy(out, target[idx]) if self.classification
                                else F.mse_loss(out[:, 0], target[idx]))
                        step_loss = step_loss + loss / len(paths)
                        total += loss.detach() * len(idx)
                        count += len(idx)
                    step_loss.backward()
                    self._optimizer.step()
                    self._step += 1
                self.n_epochs_ += 1
                self.path_epochs_ += len(paths)
                mean = float(total) / count
                if not math.isfinite(mean) or mean > DIVERGED_LOSS:
                    raise FloatingPointError(MSG_DIVERGED.format(epoch=self.n_epochs_, loss=mean,
                                                                 lr=training["lr"]))
            yield self.n_epochs_

    def _start(self, torch, X, y) -> None:
        inputs = InputStage(**(self.inputs or {}))
        training = Training(**(self.training or {}))
        seed = self.random_state if self.random_state is not None else int(np.random.default_rng().integers(2**31 - 1))
        fitted = fit_inputs(X, self.cat_cardinalities, asdict(inputs), self.image_grid)
        fitted |= {"target": fit_target(y, self.classification), "seed": int(seed),
                   "training": asdict(training), "inputs": asdict(inputs)}
        self._fitted = fitted
        self._build(torch)
        modules()["initialise"](self._net, self._generator, fitted["inputs"])
        self._net.to(self._device)
        self._optimizer = make_optimizer(torch, self._net, fitted["training"])
        self._rng = np.random.default_rng(seed)
        self._step = 0
        self._n_rows = int(X.shape[0])
        self.n_epochs_ = 0
        self.path_epochs_ = 0

    def _build(self, torch) -> None:
        fitted = self._fitted
        target = fitted["target"]
        n_out = len(target["classes"]) if "classes" in target else 1
        self._device = torch.device(("cuda" if torch.cuda.is_available() else "cpu")
                                    if self.device == "auto" else self.device)
        self._generator = torch.Generator().manual_seed(fitted["seed"])
        self._net = _define(torch)(fitted, fitted["inputs"], self.max_blocks, max(self.widths), n_out,
                                   self.norm, float(self.dropout), tuple(self.activations))
        self._net.dropout.generator = self._generator
        if self.classification:
            self.classes_ = classes_of(target)

    def _tensors(self, torch, X):
        codes, nums = transform_inputs(X, self._fitted)
        return torch.as_tensor(codes, device=self._device), torch.as_tensor(nums, device=self._device)

    # -- using the shared weights ------------------------------------------------------------------
    def evaluate(self, sub: dict[str, Any], X) -> np.ndarray:
        """Predictions of the path ``sub`` with the inherited weights: class probabilities
        (columns in ``classes_`` order) or values in the target's scale."""
        torch = import_optional("torch")
        check_is_fitted(self, "n_epochs_")
        path = self._path(sub)
        X = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)
        with torch_threads(self.n_threads), torch.no_grad():
            self._net.eval()
            out = self._net(*self._tensors(torch, X), path)[:, 0].double()
            if self.classification:
                return torch.softmax(out, dim=-1).cpu().numpy()
            target = self._fitted["target"]
            return out[:, 0].cpu().numpy() * target["scale"] + target["mean"]

    def extract(self, sub: dict[str, Any], *, max_epochs: int | None = None):
        """The path ``sub`` as a standalone network holding its inherited weights.

        A fitted :class:`~jupyter_automl.nn.TabularNetClassifier` (or regressor) of
        ``to_architecture(sub)`` whose predictions are ``evaluate(sub, X)``; its
        ``iter_epochs(X, y, resume=True)`` fine-tunes it from there (a new optimiser and a
        schedule of ``max_epochs``, default the supernet's), instead of retraining from scratch.
        """
        torch = import_optional("torch")
        from .network import TabularNetClassifier, TabularNetRegressor

        check_is_fitted(self, "n_epochs_")
        path = self._path(sub)
        arch = complete_architecture(self.to_architecture(sub))
        big = self._net
        weights = {f"model.inputs.{k}": v for k, v in big.inputs.state_dict().items()}
        d = big.inputs.width
        for i, (w, _, residual) in enumerate(path):
            weights[f"model.blocks.{i}.linear.weight"] = big.linears[i].weight[:w, :d]
            weights[f"model.blocks.{i}.linear.bias"] = big.linears[i].bias[:w]
            if big.norms is not None:
                weights[f"model.blocks.{i}.norm.weight"] = big.norms[i].weight[:w]
                weights[f"model.blocks.{i}.norm.bias"] = big.norms[i].bias[:w]
            if residual and d != w:
                weights[f"model.blocks.{i}.skip.weight"] = big.skips[i].weight[:w, :d]
            d = w
        weights["model.head_weight"] = big.head.weight[:, :d].T[None]
        weights["model.head_bias"] = big.head.bias[None]
        weights = {k: v.detach().cpu().clone().contiguous() for k, v in weights.items()}
        fitted = {k: v for k, v in self._fitted.items() if k not in ("training", "inputs")}
        fitted |= {"architecture": arch, "n_features_in": int(self.n_features_in_),
                   "feature_names_in": [], "loss_curve": []}
        epochs = int(max_epochs or self.max_epochs)
        kind = TabularNetClassifier if self.classification else TabularNetRegressor
        net = kind(arch, cat_cardinalities=self.cat_cardinalities, max_epochs=epochs,
                   random_state=fitted["seed"], device=self.device, n_threads=self.n_threads)
        total = steps_per_epoch(self._n_rows, arch["training"]["batch_size"]) * epochs
        net._restore(torch, fitted, weights, training={"step": 0, "total_steps": total, "n_rows": self._n_rows})
        return net

    def get_state(self) -> bytes:
        """The shared weights and fitted values as safetensors bytes (no optimiser)."""
        import_optional("torch")
        st = import_optional("safetensors.torch")
        check_is_fitted(self, "n_epochs_")
        tensors = {k: v.detach().cpu().contiguous() for k, v in self._net.state_dict().items()}
        meta = {"fitted": self._fitted, "n_epochs": self.n_epochs_, "path_epochs": self.path_epochs_,
                "n_features_in": self.n_features_in_, "n_rows": self._n_rows}
        return st.save(tensors, metadata={"jupyter_automl": json.dumps(meta)})

    def set_state(self, state: bytes) -> SuperNet:
        """Restore what ``get_state`` saved, to ``evaluate`` paths in another process."""
        torch = import_optional("torch")
        st = import_optional("safetensors.torch")
        n = int.from_bytes(state[:8], "little")
        meta = json.loads(json.loads(state[8:8 + n])["__metadata__"]["jupyter_automl"])
        self._fitted = meta["fitted"]
        self.n_features_in_ = meta["n_features_in"]
        self._build(torch)
        self._net.load_state_dict(st.load(state))
        self._net.to(self._device)
        self.n_epochs_, self.path_epochs_ = meta["n_epochs"], meta["path_epochs"]
        self._n_rows = meta["n_rows"]
        return self
