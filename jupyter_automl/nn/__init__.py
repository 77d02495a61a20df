"""Neural networks for tables: architectures as data, a PyTorch network, a scikit-learn fallback,
a weight-sharing supernet, and architecture diagrams.

Nothing here imports torch at import time: the PyTorch classes import it when they build a network,
and ``available_backends()`` says whether it is installed.
"""

from ._architecture import (
    MAX_BLOCKS,
    SKLEARN_FIXED,
    Architecture,
    Block,
    InputStage,
    Training,
    architecture_from_params,
    default_max_epochs,
)
from ._backends import TORCH_ADDS, TORCH_INSTALL, available_backends, make_network, warm_up
from ._defaults import DEFAULT_ARCHITECTURES, default_architectures
from ._diagram import architecture_summary, architecture_svg
from ._encoding import DEFAULT_ARCHITECTURE, complete_architecture
from ._image import image_grid
from ._sklearn_backend import (
    SklearnNetClassifier,
    SklearnNetRegressor,
    to_sklearn_architecture,
    unsupported,
)
from ._space import SpaceParam, architecture_space, suggest_architecture
from ._supernet import SuperNet
from .network import TabularNetClassifier, TabularNetRegressor, load_network

__all__ = [
    "DEFAULT_ARCHITECTURE",
    "DEFAULT_ARCHITECTURES",
    "MAX_BLOCKS",
    "SKLEARN_FIXED",
    "TORCH_ADDS",
    "TORCH_INSTALL",
    "Architecture",
    "Block",
    "InputStage",
    "SklearnNetClassifier",
    "SklearnNetRegressor",
    "SpaceParam",
    "SuperNet",
    "TabularNetClassifier",
    "TabularNetRegressor",
    "Training",
    "architecture_from_params",
    "architecture_space",
    "architecture_summary",
    "architecture_svg",
    "available_backends",
    "complete_architecture",
    "default_architectures",
    "default_max_epochs",
    "image_grid",
    "load_network",
    "make_network",
    "suggest_architecture",
    "to_sklearn_architecture",
    "unsupported",
    "warm_up",
]
