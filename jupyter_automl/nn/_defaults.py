"""A few strong architectures to try first, measured across the public datasets.

``benchmarks/bench_nn_defaults.py`` measures them (cross-validation on the training split only)
against scikit-learn's default MLP and HistGradientBoosting; its README section has the figures.
"""

from __future__ import annotations

from ._architecture import Architecture, Block, InputStage, Training
from ._sklearn_backend import to_sklearn_architecture

DEFAULT_ARCHITECTURES: dict[str, Architecture] = {
    # plain MLP on piecewise-linear encoded numbers (Gorishniy et al. 2022, "MLP-PLE")
    "mlp_ple": Architecture(
        inputs=InputStage(numeric="piecewise_linear", n_bins=16),
        blocks=(Block(256, "relu", dropout=0.15),) * 3,
        training=Training(lr=1e-3, weight_decay=1e-4, batch_size=128)),
    # periodic embeddings, SiLU and label smoothing, after RealMLP's tuned defaults
    "realmlp": Architecture(
        inputs=InputStage(numeric="periodic", n_frequencies=16, frequency_scale=0.1, embedding_dim=8),
        blocks=(Block(256, "silu", dropout=0.15),) * 3,
        training=Training(lr=2e-3, weight_decay=1e-4, batch_size=128, label_smoothing=0.1)),
    # eight members sharing one trunk, each scaling its input (TabM-mini)
    "tabm_mini": Architecture(
        inputs=InputStage(numeric="piecewise_linear", n_bins=16),
        blocks=(Block(256, "relu", dropout=0.1),) * 3, n_heads=8, ensemble="tabm_mini",
        training=Training(lr=2e-3, weight_decay=3e-4, batch_size=128)),
    # residual blocks with batch normalisation
    "resnet": Architecture(
        inputs=InputStage(numeric="quantile"),
        blocks=(Block(256, "relu", norm="batch", dropout=0.2, residual=True),) * 4,
        training=Training(lr=1e-3, weight_decay=1e-5, batch_size=128)),
}
"""Named default architectures, in the order to try them."""


def default_architectures(*, backend: str = "torch", classification: bool = True) -> dict[str, dict]:
    """The default architectures as dicts, for ``backend`` and the task.

    Label smoothing is dropped for regression; the scikit-learn backend gets each one's nearest
    trainable form (duplicates removed).

    Examples
    --------
    >>> list(default_architectures(backend="sklearn"))[:1]
    ['mlp_ple']
    """
    out: dict[str, dict] = {}
    for name, arch in DEFAULT_ARCHITECTURES.items():
        if not classification:
            arch = arch.replace(training={"label_smoothing": 0.0})
        d = arch.to_dict() if backend == "torch" else to_sklearn_architecture(arch)
        if d not in out.values():
            out[name] = d
    return out
