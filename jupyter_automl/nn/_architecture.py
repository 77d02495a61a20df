"""Network architectures as data: frozen, validated, JSON-able, and flat search params.

An :class:`Architecture` is what ``TabularNetClassifier(architecture=...)`` builds: the input
stage, 1 to 8 blocks, the heads, and how to train it. ``to_dict``/``from_dict`` give the JSON
form the networks take and save; ``to_params``/``architecture_from_params`` give a flat dict
of search params (``"n_blocks"``, ``"block_0.width"``, ...), whose ranges ``architecture_space``
describes for a sampler.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ._encoding import (
    ACTIVATIONS,
    BLOCK_DEFAULTS,
    ENCODINGS,
    ENSEMBLES,
    INPUT_DEFAULTS,
    MSG_CONV_ENCODING,
    NORMS,
    OPTIMIZERS,
    SCHEDULES,
    TRAINING_DEFAULTS,
    complete_architecture,
)

MAX_BLOCKS = 8
MSG_RANGE = "The architecture's {key} must be {what}. Got {got!r} instead."
MSG_PARAM = "Unknown architecture search param {name!r}. Known params: {known}."

# key -> (kind, low, high): what a valid value is; "int" and "float" ranges are inclusive
_RANGES: dict[str, tuple[str, float, float]] = {
    "width": ("int", 1, 4096), "dropout": ("float", 0.0, 0.9),
    "n_bins": ("int", 2, 256), "n_frequencies": ("int", 1, 256),
    "frequency_scale": ("float", 1e-6, 1e3), "embedding_dim": ("int", 1, 256),
    "max_cat_dim": ("int", 1, 512), "n_heads": ("int", 1, 64),
    "conv_channels": ("int", 0, 256), "conv_layers": ("int", 1, 4),
    "lr": ("float", 1e-12, float("inf")), "warmup": ("float", 0.0, 0.9),
    "weight_decay": ("float", 0.0, 10.0), "batch_size": ("int", 2, 1 << 20),
    "label_smoothing": ("float", 0.0, 0.5),
}
_CHOICES = {"activation": ACTIVATIONS, "norm": NORMS, "numeric": ENCODINGS,
            "ensemble": ENSEMBLES, "optimizer": OPTIMIZERS, "schedule": SCHEDULES}


def _check(key: str, where: str, value: Any) -> None:
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            raise ValueError(MSG_RANGE.format(key=where, what=f"one of {list(_CHOICES[key])}", got=value))
    elif key == "residual":
        if not isinstance(value, bool):
            raise ValueError(MSG_RANGE.format(key=where, what="True or False", got=value))
    elif key in _RANGES:
        kind, low, high = _RANGES[key]
        number = isinstance(value, int) if kind == "int" else isinstance(value, (int, float))
        if isinstance(value, bool) or not number or not low <= value <= high:
            what = f"{'an integer' if kind == 'int' else 'a number'} from {low:g} to {high:g}"
            raise ValueError(MSG_RANGE.format(key=where, what=what, got=value))


@dataclass(frozen=True)
class InputStage:
    """How columns enter the network.

    ``numeric``: ``"plain"`` (robust standardisation, smooth clipping), ``"quantile"`` (to a
    normal shape), ``"piecewise_linear"`` (PLE: one input per quantile bin, ``n_bins``) or
    ``"periodic"`` (learned sin/cos frequencies, ``n_frequencies`` of scale ``frequency_scale``,
    then a linear map to ``embedding_dim`` per column). Categories get embeddings of
    ``min(max_cat_dim, round(1.6 * cardinality ** 0.56))`` values.

    ``conv_channels > 0`` adds a convolution stage for tables whose numbers are the pixels of an
    image (``image_grid`` places them; see ``jupyter_automl.nn.image_grid``): ``conv_layers``
    3x3 convolutions of that many channels, each with batch normalisation and ReLU, then 2x2 max
    pooling while the image is at least 8 cells on a side; its flattened maps replace the pixels
    at the blocks' input. On digits a small one reaches 0.987-0.998 test accuracy where an MLP
    reaches 0.96-0.98 (``benchmarks/README.md``).
    """

    numeric: str = INPUT_DEFAULTS["numeric"]
    n_bins: int = INPUT_DEFAULTS["n_bins"]
    n_frequencies: int = INPUT_DEFAULTS["n_frequencies"]
    frequency_scale: float = INPUT_DEFAULTS["frequency_scale"]
    embedding_dim: int = INPUT_DEFAULTS["embedding_dim"]
    max_cat_dim: int = INPUT_DEFAULTS["max_cat_dim"]
    conv_channels: int = INPUT_DEFAULTS["conv_channels"]
    conv_layers: int = INPUT_DEFAULTS["conv_layers"]

    def __post_init__(self):
        for key, value in asdict(self).items():
            _check(key, f"inputs.{key}", value)
        if self.conv_channels and self.numeric == "piecewise_linear":
            raise ValueError(MSG_CONV_ENCODING)


@dataclass(frozen=True)
class Block:
    """Linear layer of ``width`` units, normalisation, activation, dropout; ``residual`` adds the
    block's input (through a linear projection when the widths differ)."""

    width: int = BLOCK_DEFAULTS["width"]
    activation: str = BLOCK_DEFAULTS["activation"]
    norm: str = BLOCK_DEFAULTS["norm"]
    dropout: float = BLOCK_DEFAULTS["dropout"]
    residual: bool = BLOCK_DEFAULTS["residual"]

    def __post_init__(self):
        for key, value in asdict(self).items():
            _check(key, f"block {key}", value)


@dataclass(frozen=True)
class Training:
    """Optimiser (``"adamw"``, ``"adam"``, ``"sgd"``), base learning rate, schedule
    (``"constant"``, ``"cosine"``, ``"one_cycle"``) with ``warmup`` as a share of the steps,
    weight decay, batch size, and label smoothing (classification only)."""

    optimizer: str = TRAINING_DEFAULTS["optimizer"]
    lr: float = TRAINING_DEFAULTS["lr"]
    schedule: str = TRAINING_DEFAULTS["schedule"]
    warmup: float = TRAINING_DEFAULTS["warmup"]
    weight_decay: float = TRAINING_DEFAULTS["weight_decay"]
    batch_size: int = TRAINING_DEFAULTS["batch_size"]
    label_smoothing: float = TRAINING_DEFAULTS["label_smoothing"]

    def __post_init__(self):
        for key, value in asdict(self).items():
            _check(key, f"training.{key}", value)


@dataclass(frozen=True)
class Architecture:
    """A whole network: input stage, blocks, heads, training. Frozen and JSON-able.

    ``n_heads`` heads share the trunk and their predictions are averaged (cheap ensembling);
    with ``ensemble="tabm_mini"`` each head also scales the trunk's input its own way.

    Examples
    --------
    >>> arch = Architecture(blocks=(Block(128, "gelu"), Block(64, residual=True)), n_heads=4)
    >>> Architecture.from_dict(arch.to_dict()) == arch
    True
    >>> arch.to_params()["block_1.residual"]
    True
    >>> Architecture(blocks=(Block(width=0),))
    Traceback (most recent call last):
    ...
    ValueError: The architecture's block width must be an integer from 1 to 4096. Got 0 instead.
    """

    blocks: tuple[Block, ...] = (Block(), Block())
    inputs: InputStage = field(default_factory=InputStage)
    n_heads: int = 1
    ensemble: str = "heads"
    training: Training = field(default_factory=Training)

    def __post_init__(self):
        object.__setattr__(self, "blocks", tuple(self.blocks))
        if not 1 <= len(self.blocks) <= MAX_BLOCKS:
            raise ValueError(MSG_RANGE.format(key="number of blocks", what=f"from 1 to {MAX_BLOCKS}",
                                              got=len(self.blocks)))
        _check("n_heads", "n_heads", self.n_heads)
        _check("ensemble", "ensemble", self.ensemble)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able dict the networks take (every key present)."""
        return {"inputs": asdict(self.inputs), "blocks": [asdict(b) for b in self.blocks],
                "n_heads": self.n_heads, "ensemble": self.ensemble, "training": asdict(self.training)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Architecture:
        """Read a dict made by ``to_dict`` (missing keys take their defaults)."""
        full = complete_architecture(data)
        return cls(blocks=tuple(Block(**b) for b in full["blocks"]), inputs=InputStage(**full["inputs"]),
                   n_heads=full["n_heads"], ensemble=full["ensemble"], training=Training(**full["training"]))

    def to_params(self, *, per_block: bool = True) -> dict[str, Any]:
        """Flat search params, the inverse of :func:`architecture_from_params`.

        ``per_block=False`` names activation, norm, dropout and residual once for all blocks
        (as ``architecture_space(per_block=False)`` does), e.g. to enqueue a default in a study
        of that space; the blocks must then agree on them.
        """
        params: dict[str, Any] = {"n_blocks": len(self.blocks)}
        for i, block in enumerate(self.blocks):
            params.update({f"block_{i}.{k}": v for k, v in asdict(block).items()
                           if per_block or k not in _SHARED_BLOCK_PARAMS})
        if not per_block:
            for key in _SHARED_BLOCK_PARAMS:
                values = {getattr(b, key) for b in self.blocks}
                if len(values) > 1:
                    raise ValueError(f"The blocks differ in {key} ({sorted(map(str, values))}): "
                                     "use to_params(per_block=True).")
                params[key] = values.pop()
        params.update({_INPUT_PARAM.get(k, k): v for k, v in asdict(self.inputs).items()})
        params.update(n_heads=self.n_heads, ensemble=self.ensemble, **asdict(self.training))
        return params

    def replace(self, **changes: Any) -> Architecture:
        """A copy with some fields changed; ``training=`` and ``inputs=`` may be dicts of changes."""
        for part in ("training", "inputs"):
            if isinstance(changes.get(part), dict):
                changes[part] = type(getattr(self, part))(**(asdict(getattr(self, part)) | changes[part]))
        return Architecture(**(dict(blocks=self.blocks, inputs=self.inputs, n_heads=self.n_heads,
                                    ensemble=self.ensemble, training=self.training) | changes))


_INPUT_PARAM = {"numeric": "numeric_encoding"}  # a flat name that says what "numeric" chooses
_SHARED_BLOCK_PARAMS = ("activation", "norm", "dropout", "residual")


# What the scikit-learn fallback trains with whatever the params say: its MLP has Adam with a
# constant learning rate (an L2 penalty, not decoupled weight decay).
SKLEARN_FIXED = {"optimizer": "adam", "schedule": "constant", "warmup": 0.0}


def architecture_from_params(params: dict[str, Any], *, backend: str = "torch") -> Architecture:
    """Build an Architecture from flat search params.

    Keys: ``n_blocks``; per block ``block_{i}.width`` and optionally ``block_{i}.activation``,
    ``.norm``, ``.dropout``, ``.residual`` (else the shared ``activation``, ``norm``,
    ``dropout``, ``residual`` keys, else the defaults); ``numeric_encoding``, ``n_bins``,
    ``n_frequencies``, ``frequency_scale``, ``embedding_dim``, ``max_cat_dim``; ``n_heads``,
    ``ensemble``; ``optimizer``, ``lr``, ``schedule``, ``warmup``, ``weight_decay``,
    ``batch_size``, ``label_smoothing``. Missing keys take their defaults; unknown keys are errors.
    With ``backend="sklearn"`` the optimiser and schedule are the fallback's (``SKLEARN_FIXED``).

    Examples
    --------
    >>> arch = architecture_from_params({"n_blocks": 2, "block_0.width": 64, "block_1.width": 32,
    ...                                  "activation": "silu", "numeric_encoding": "periodic"})
    >>> [(b.width, b.activation) for b in arch.blocks], arch.inputs.numeric
    ([(64, 'silu'), (32, 'silu')], 'periodic')
    """
    if backend == "sklearn":
        params = dict(params) | SKLEARN_FIXED
    inputs_keys = {_INPUT_PARAM.get(k, k): k for k in INPUT_DEFAULTS}
    known = {"n_blocks", "n_heads", "ensemble", *_SHARED_BLOCK_PARAMS, *inputs_keys, *TRAINING_DEFAULTS}
    n_blocks = int(params.get("n_blocks", 2))
    for name in params:
        head, _, key = name.partition(".")
        per_block = (head.startswith("block_") and head[6:].isdigit() and key in BLOCK_DEFAULTS)
        if name not in known and not per_block:
            raise ValueError(MSG_PARAM.format(name=name, known=sorted(known) + ["block_<i>.<key>"]))
    shared = {k: params[k] for k in _SHARED_BLOCK_PARAMS if k in params}
    blocks = []
    for i in range(n_blocks):
        own = {k: params[f"block_{i}.{k}"] for k in BLOCK_DEFAULTS if f"block_{i}.{k}" in params}
        blocks.append(Block(**(shared | own)))
    return Architecture(
        blocks=tuple(blocks),
        inputs=InputStage(**{k: params[flat] for flat, k in inputs_keys.items() if flat in params}),
        n_heads=int(params.get("n_heads", 1)), ensemble=params.get("ensemble", "heads"),
        training=Training(**{k: params[k] for k in TRAINING_DEFAULTS if k in params}))


def default_max_epochs(n_rows: int, batch_size: int, *, target_steps: int = 800,
                       low: int = 20, high: int = 100) -> int:
    """An epoch budget (the fidelity's maximum) that gives about ``target_steps`` optimiser steps.

    Small tables need many epochs (a few steps each), large ones few: the count is clipped to
    ``[low, high]``. Measured with ``benchmarks/bench_nn_defaults.py``: with this budget the
    defaults' best epoch (averaged over folds) fell between 5 and 100, so the budget is the
    fidelity's maximum and the epoch-level stopping picks the count.

    Examples
    --------
    >>> default_max_epochs(150, 128), default_max_epochs(1300, 128), default_max_epochs(36000, 256)
    (100, 73, 20)
    """
    steps = max(1, -(-n_rows // max(2, min(batch_size, n_rows))))
    return int(min(high, max(low, round(target_steps / steps))))
