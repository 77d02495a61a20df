"""The ``nas`` family: neural architecture search, an opt-in family (``families=[..., "nas"]``).

The architecture (blocks, widths, operations, input encoding) and its training are searched
(``jupyter_automl.nn``). PyTorch trains the full space when it is installed; without it
scikit-learn's MLP trains a reduced space epoch by epoch. Epochs are the fidelity: a trial is
scored after each epoch and weak ones stop early (``search/_epochs.py``). It is not in the default
families because its trials take minutes where the ``neural`` family's MLP takes seconds.
"""

from __future__ import annotations

import functools
import os
from dataclasses import asdict

from ..._logging import get_logger
from ...exceptions import InputError
from ...nn import (
    TORCH_ADDS,
    Architecture,
    architecture_from_params,
    architecture_space,
    available_backends,
    default_architectures,
    default_max_epochs,
    image_grid,
    make_network,
)
from ._family import Family
from ._params import Param
from ._selection import selection_params

DEFAULT_COST = {"cnn": 0, "mlp": 1, "mlp_ple": 2, "resnet": 3, "tabm_mini": 4}
NN_BACKEND_VARIABLE = "JUPYTER_AUTOML_NN_BACKEND"
MSG_NN_BACKEND = "{var} must be 'auto', 'torch' or 'sklearn'. Got {got!r} instead."
_log = get_logger(__name__)


class NeuralArchitectureSearch(Family):
    """Networks of a searched architecture, trained by PyTorch or scikit-learn's MLP."""

    def params(self, problem):
        backend = nas_backend()
        image = image_of(problem) is not None
        space = architecture_space(backend=backend, classification=problem.is_classification,
                                   per_block=False, has_categorical=False, image=image)
        # the backend is part of the configuration, so a stored one rebuilds the same network;
        # an image's pixels are not selected (a convolution needs each one in its place)
        return [Param("backend", "categorical", choices=(backend,), default=backend,
                      help="what trains the network: torch, or scikit-learn's MLP")] \
            + [Param(**asdict(p)) for p in space] + ([] if image else selection_params())

    def defaults(self, problem):
        params = self.params(problem)
        names = {p.name for p in params}
        backend = nas_backend()
        archs = default_architectures(backend=backend, classification=problem.is_classification,
                                      image="conv_channels" in names)
        # the rest at their defaults (no feature selection): unpinned, a sampler would draw them
        rest = {p.name: p.default for p in params if p.active is None}
        out = []
        # the cheapest first, for an early first result: a plain MLP takes a third of the time
        # of the eight-member TabM-mini (digits: 2.3 s against 7.7 s a fold)
        for name in sorted(archs, key=lambda n: DEFAULT_COST.get(n, 9)):
            flat = Architecture.from_dict(archs[name]).to_params(per_block=False)
            out.append(rest | {"backend": backend} | {k: v for k, v in flat.items() if k in names})
        return out

    def estimator(self, v, problem, seed):
        backend = v.get("backend", "torch")
        grid = image_of(problem)
        names = {p.name for p in architecture_space(backend=backend, per_block=False,
                                                    classification=problem.is_classification,
                                                    has_categorical=False, image=grid is not None)}
        arch = architecture_from_params({k: x for k, x in v.items() if k in names}, backend=backend)
        epochs = default_max_epochs(problem.splits.min_train_rows, arch.training.batch_size)
        image = {"image_grid": grid} if arch.inputs.conv_channels and backend == "torch" else {}
        return make_network(arch.to_dict(), classification=problem.is_classification,
                            backend=backend, max_epochs=epochs, random_state=seed, n_threads=1, **image)

    def preprocessing_options(self, v, problem):
        # a convolution scales every pixel alike (the network does it): no scaling per column
        return {"numeric_transform": "none"} if v.get("conv_channels", 0) else {}

    def cost_factor(self, v):
        widths = [v.get(f"block_{i}.width", 256) for i in range(v.get("n_blocks", 3))]
        weights = widths[0] * 20 + sum(a * b for a, b in zip(widths, widths[1:], strict=False))
        dense = (weights / (128 * 20 + 128 * 128)) ** 0.7 * max(1, v.get("n_heads", 1)) ** 0.3
        # the convolutions dominate a network that has them: the default's (2 layers of 16
        # channels) trains as fast as the plain MLP default on digits
        conv = v.get("conv_channels", 0) * v.get("conv_layers", 2) / 32
        return max(dense, conv)


def image_of(problem) -> dict | None:
    """The image the numeric columns are the pixels of (in the preprocessing's order), if the
    table is nothing else."""
    if any(c.kind != "numeric" for c in problem.used_columns):
        return None
    return image_grid(problem.columns_of("numeric"))


def nas_backend() -> str:
    """The backend the ``nas`` family trains with: PyTorch when it imports, else scikit-learn's
    MLP; the environment variable ``JUPYTER_AUTOML_NN_BACKEND=sklearn`` forces the fallback
    (``torch`` insists on PyTorch). Without PyTorch a notice says what it would add, once."""
    wanted = os.environ.get(NN_BACKEND_VARIABLE, "auto")
    if wanted not in ("auto", "torch", "sklearn"):
        raise InputError(MSG_NN_BACKEND.format(var=NN_BACKEND_VARIABLE, got=wanted))
    if wanted != "auto":
        return wanted
    best = available_backends()[0]
    if best != "torch":
        _torch_notice()
    return best


@functools.cache
def _torch_notice() -> None:
    _log.warning("PyTorch is not installed. %s", TORCH_ADDS)
