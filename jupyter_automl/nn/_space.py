"""The architecture search space as data, and define-by-run sampling of it with Optuna.

``architecture_space`` lists the params in sampling order. Each ``SpaceParam`` has the fields of
``jupyter_automl.search.space.Param`` (``Param(**dataclasses.asdict(p))`` converts it), and its
``active(values)`` says, from the values sampled before it, whether it applies: block params
apply only to blocks that exist, ``n_bins`` only to piecewise-linear inputs, and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._architecture import MAX_BLOCKS, Architecture, architecture_from_params
from ._encoding import ACTIVATIONS, ENCODINGS, NORMS, SCHEDULES

if TYPE_CHECKING:
    import optuna

BACKENDS = ("torch", "sklearn")
BATCH_SIZES = (32, 64, 128, 256, 512)
SKLEARN_ACTIVATIONS = ("relu", "tanh")
SKLEARN_ENCODINGS = ("plain", "quantile")
SKLEARN_MAX_BLOCKS = 4
MSG_BACKEND = "The 'backend' must be one of {choices}. Got {got!r} instead."


@dataclass(frozen=True)
class SpaceParam:
    """One search param (the search space's ``Param`` adds the family prefix and ``describe``)."""

    name: str
    kind: str  # "float", "int" or "categorical"
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()
    default: Any = None
    help: str = ""
    active: Callable[[dict[str, Any]], bool] | None = None

    def suggest(self, trial: optuna.Trial, prefix: str = "") -> Any:
        """Ask ``trial`` for a value, named ``prefix + name``."""
        name = prefix + self.name
        if self.kind == "float":
            return trial.suggest_float(name, self.low, self.high, log=self.log)
        if self.kind == "int":
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_categorical(name, list(self.choices))


def _exists(i: int) -> Callable[[dict[str, Any]], bool]:
    return lambda v: v.get("n_blocks", 1) > i


def _when(key: str, *values: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda v: v.get(key) in values


def architecture_space(*, backend: str = "torch", classification: bool = True,
                       per_block: bool = True, has_categorical: bool = True,
                       max_blocks: int | None = None, image: bool = False) -> list[SpaceParam]:
    """The architecture search params, in the order a define-by-run sampler asks them.

    Parameters
    ----------
    backend : {"torch", "sklearn"}
        ``"sklearn"`` is the reduced space of the scikit-learn fallback: plain or quantile
        inputs, depth, widths, one activation (relu/tanh), L2, learning rate, batch size.
    classification : bool
        Label smoothing is searched for classification only.
    per_block : bool
        Activation, normalisation, dropout and skip chosen per block (``block_<i>.<key>``), or
        once for every block (``activation``, ...: a smaller space for short budgets).
    has_categorical : bool
        Whether the embeddings' size cap is searched.
    max_blocks : int, default 8 (torch) or 4 (sklearn)
    image : bool
        The numbers are an image's pixels (``image_grid`` finds it): a convolution stage, its
        channels (0: none) and layers, is searched (torch only).

    Examples
    --------
    >>> space = architecture_space(backend="sklearn")
    >>> [p.name for p in space][:4]
    ['n_blocks', 'block_0.width', 'block_1.width', 'block_2.width']
    >>> space[2].active({"n_blocks": 1}), space[2].active({"n_blocks": 3})
    (False, True)
    """
    if backend not in BACKENDS:
        raise ValueError(MSG_BACKEND.format(choices=list(BACKENDS), got=backend))
    torch = backend == "torch"
    depth = max_blocks or (MAX_BLOCKS if torch else SKLEARN_MAX_BLOCKS)
    space = [SpaceParam("n_blocks", "int", 1, depth, default=min(3, depth), help="hidden blocks")]
    widths = (16, 1024) if torch else (16, 512)
    for i in range(depth):
        space.append(SpaceParam(f"block_{i}.width", "int", *widths, log=True, default=256,
                                help=f"units of block {i}", active=_exists(i) if i else None))
        if torch and per_block:
            space += _block_choices(f"block_{i}.", _exists(i) if i else None)
    if not torch:
        return space + [
            SpaceParam("activation", "categorical", choices=SKLEARN_ACTIVATIONS, default="relu"),
            SpaceParam("numeric_encoding", "categorical", choices=SKLEARN_ENCODINGS, default="plain"),
            SpaceParam("weight_decay", "float", 1e-6, 1e-1, log=True, default=1e-4, help="L2 penalty"),
            SpaceParam("lr", "float", 1e-4, 1e-2, log=True, default=1e-3, help="learning rate"),
            SpaceParam("batch_size", "categorical", choices=BATCH_SIZES[:4], default=64),
        ]
    if not per_block:
        space += _block_choices("", None)
    space += [
        SpaceParam("numeric_encoding", "categorical", choices=ENCODINGS, default="piecewise_linear",
                   help="how numbers enter the network"),
        SpaceParam("n_bins", "int", 4, 64, log=True, default=16, help="piecewise-linear bins",
                   active=_when("numeric_encoding", "piecewise_linear")),
        SpaceParam("n_frequencies", "int", 4, 64, log=True, default=16,
                   active=_when("numeric_encoding", "periodic")),
        SpaceParam("frequency_scale", "float", 0.01, 10.0, log=True, default=0.1,
                   help="spread of the initial frequencies", active=_when("numeric_encoding", "periodic")),
        SpaceParam("embedding_dim", "int", 4, 32, log=True, default=8,
                   help="values per number", active=_when("numeric_encoding", "periodic")),
    ]
    if image:
        space += [
            SpaceParam("conv_channels", "categorical", choices=(0, 8, 16, 32), default=0,
                       help="convolution channels over the image's pixels (0: none)",
                       active=_when("numeric_encoding", "plain", "quantile")),
            SpaceParam("conv_layers", "int", 1, 3, default=2, help="3x3 convolutions",
                       active=lambda v: v.get("conv_channels", 0) > 0),
        ]
    if has_categorical:
        space.append(SpaceParam("max_cat_dim", "int", 2, 32, log=True, default=16,
                                help="largest category embedding"))
    space += [
        SpaceParam("n_heads", "int", 1, 8, default=1, help="heads averaged (cheap ensemble)"),
        SpaceParam("ensemble", "categorical", choices=("heads", "tabm_mini"), default="heads",
                   help="heads only, or heads that also scale the trunk's input",
                   active=lambda v: v.get("n_heads", 1) > 1),
        SpaceParam("optimizer", "categorical", choices=("adamw", "adam", "sgd"), default="adamw"),
        SpaceParam("lr", "float", 1e-4, 3e-2, log=True, default=1e-3, help="peak learning rate"),
        SpaceParam("schedule", "categorical", choices=SCHEDULES, default="cosine"),
        SpaceParam("warmup", "float", 0.0, 0.2, default=0.05, help="share of steps warming up",
                   active=lambda v: v.get("schedule") != "one_cycle"),
        SpaceParam("weight_decay", "float", 1e-6, 1e-1, log=True, default=1e-4),
        SpaceParam("batch_size", "categorical", choices=BATCH_SIZES, default=128),
    ]
    if classification:
        space.append(SpaceParam("label_smoothing", "float", 0.0, 0.2, default=0.0))
    return space


def _block_choices(prefix: str, active) -> list[SpaceParam]:
    return [SpaceParam(f"{prefix}activation", "categorical", choices=ACTIVATIONS, default="relu", active=active),
            SpaceParam(f"{prefix}norm", "categorical", choices=NORMS, default="none", active=active),
            SpaceParam(f"{prefix}dropout", "float", 0.0, 0.5, default=0.1, active=active),
            SpaceParam(f"{prefix}residual", "categorical", choices=(False, True), default=False,
                       active=active)]


def suggest_architecture(trial: optuna.Trial, *, prefix: str = "", **space_options: Any) -> Architecture:
    """Sample an architecture from ``trial``, define-by-run (inactive params are not asked).

    ``space_options`` are those of :func:`architecture_space`; param names get ``prefix``.

    Examples
    --------
    >>> import optuna
    >>> trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    >>> arch = suggest_architecture(trial, prefix="neural.", backend="sklearn")
    >>> len(arch.blocks) == trial.params["neural.n_blocks"]
    True
    """
    values: dict[str, Any] = {}
    for p in architecture_space(**space_options):
        if p.active is None or p.active(values):
            values[p.name] = p.suggest(trial, prefix)
    return architecture_from_params(values, backend=space_options.get("backend", "torch"))
