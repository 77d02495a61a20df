"""A few strong architectures to try first, measured across the public datasets.

``benchmarks/bench_nn_defaults.py`` measures them (cross-validation on the training split only)
against scikit-learn's default MLP and HistGradientBoosting; its README section has the figures.
"""

from __future__ import annotations

from ._architecture import Architecture, Block, InputStage, Training
from ._sklearn_backend import to_sklearn_architecture

DEFAULT_ARCHITECTURES: dict[str, Architecture] = {
    # eight members sharing one small trunk, each scaling its input its own way (TabM-mini): the
    # most robust in our runs, and its best epoch is often the last one, so the epoch count
    # chosen for the refit matters least
    "tabm_mini": Architecture(
        blocks=(Block(128, "relu", dropout=0.1),) * 2, n_heads=8, ensemble="tabm_mini",
        training=Training(lr=2e-3, weight_decay=3e-4)),
    # residual blocks with layer normalisation: the best on digits, but it overfits soon on
    # small noisy tables (it needs the epoch-level stopping)
    "resnet": Architecture(
        blocks=(Block(256, "relu", norm="layer", dropout=0.2, residual=True),) * 3,
        training=Training(lr=1e-3)),
    # a small plain MLP: the cheapest, close to the others at its best epoch
    "mlp": Architecture(blocks=(Block(128, "relu", dropout=0.1),) * 2),
    # the same on piecewise-linear encoded numbers (Gorishniy et al. 2022): best on glass and
    # ionosphere, weaker on regression and digits
    "mlp_ple": Architecture(
        inputs=InputStage(numeric="piecewise_linear", n_bins=16),
        blocks=(Block(128, "relu", dropout=0.1),) * 2),
}
"""Named default architectures, in the order to try them."""

IMAGE_ARCHITECTURES: dict[str, Architecture] = {
    # two 3x3 convolutions of 16 channels, one pooling, one block: on digits 0.989-0.993 test
    # accuracy in 2 s (30 epochs) where the MLPs above reach 0.96-0.98
    "cnn": Architecture(
        inputs=InputStage(numeric="plain", conv_channels=16, conv_layers=2),
        blocks=(Block(128, "relu", dropout=0.3),),
        training=Training(lr=3e-3, schedule="one_cycle", batch_size=64)),
}
"""Tried first when the table is an image's pixels (``image_grid``)."""


def default_architectures(*, backend: str = "torch", classification: bool = True,
                          image: bool = False) -> dict[str, dict]:
    """The default architectures as dicts, for ``backend`` and the task.

    Label smoothing is dropped for regression; the scikit-learn backend gets each one's nearest
    trainable form (duplicates removed). ``image``: the convolutional ones first (torch only).

    Examples
    --------
    >>> list(default_architectures(backend="sklearn"))
    ['tabm_mini', 'resnet', 'mlp']
    """
    out: dict[str, dict] = {}
    first = IMAGE_ARCHITECTURES if image and backend == "torch" else {}
    for name, arch in (first | DEFAULT_ARCHITECTURES).items():
        if not classification:
            arch = arch.replace(training={"label_smoothing": 0.0})
        d = arch.to_dict() if backend == "torch" else to_sklearn_architecture(arch)
        if d not in out.values():
            out[name] = d
    return out
