"""Which network backend trains: PyTorch when installed, else scikit-learn's MLP.

Nothing here imports torch; ``available_backends`` only looks for it.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from .._optional import import_optional
from ._encoding import INSTALL_LINE

TORCH_INSTALL = INSTALL_LINE
"""The exact line that installs the PyTorch backend."""

TORCH_ADDS = (
    "Without PyTorch the neural architecture search uses scikit-learn's MLP on a reduced space "
    "(depth, widths, relu/tanh, L2, learning rate, batch size). PyTorch adds batch and layer "
    "normalisation, dropout, residual (skip) connections, embeddings for categorical columns, "
    "piecewise-linear and periodic encodings of numbers, several heads averaged as a cheap "
    "ensemble, AdamW with cosine or one-cycle schedules and warm-up, label smoothing, deeper "
    "networks (up to 8 blocks), GPU training, and the weight-sharing supernet "
    f"(jupyter_automl.nn.SuperNet). Install it with: {INSTALL_LINE}"
)
"""What the PyTorch backend adds, and how to install it (for the wizard and messages)."""

MSG_BACKEND = "The network backend must be one of {choices}. Got {got!r} instead."


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a blocked or half-installed package
        return False


def available_backends() -> tuple[str, ...]:
    """The network backends that can train here, best first.

    Examples
    --------
    >>> "sklearn" in available_backends()
    True
    """
    torch = _installed("torch") and _installed("safetensors")
    return ("torch", "sklearn") if torch else ("sklearn",)


def make_network(architecture: Any = None, *, classification: bool, backend: str = "auto",
                 **params: Any):
    """A network estimator of the chosen backend (``"auto"``: the best available).

    ``params`` are the estimators' own (``cat_cardinalities``, ``max_epochs``,
    ``schedule_epochs``, ``random_state``, ``device``, ``n_threads``).

    Raises
    ------
    MissingDependencyError
        ``backend="torch"`` without torch installed; the message has the install line.
    ValueError
        The scikit-learn backend cannot train ``architecture`` (see ``unsupported``).

    Examples
    --------
    >>> net = make_network({"blocks": [{"width": 8}]}, classification=False, backend="sklearn")
    >>> type(net).__name__
    'SklearnNetRegressor'
    """
    choices = ("auto", "torch", "sklearn")
    if backend not in choices:
        raise ValueError(MSG_BACKEND.format(choices=list(choices), got=backend))
    if backend == "auto":
        backend = available_backends()[0]
    if backend == "torch":
        import_optional("torch")
        import_optional("safetensors")
        from .network import TabularNetClassifier, TabularNetRegressor

        kind = TabularNetClassifier if classification else TabularNetRegressor
    else:
        from ._sklearn_backend import SklearnNetClassifier, SklearnNetRegressor

        kind = SklearnNetClassifier if classification else SklearnNetRegressor
    return kind(architecture=architecture, **params)


_WARMED = False  # warm_up has run in this process


def warm_up() -> None:
    """Pay PyTorch's one-time start-up costs now (import, and the first optimiser's import of
    ``torch._dynamo``: several seconds on a 2-core machine), e.g. in a background thread when a
    search that includes networks starts. Does nothing without torch, or once done (a search
    calls it before every network fold).

    Examples
    --------
    >>> warm_up()
    """
    global _WARMED
    if _WARMED or "torch" not in available_backends():
        return
    import torch

    weight = torch.nn.Parameter(torch.zeros(1))
    torch.optim.AdamW([weight]).zero_grad()
    _WARMED = True
