"""jupyter_automl: from a DataFrame to a trustworthy model, in JupyterLab.

>>> from jupyter_automl import AutoML
"""

from __future__ import annotations

from typing import Any

from ._automl import AutoML
from ._version import __version__

__all__ = ["AutoML", "Wizard", "__version__"]


def __getattr__(name: str) -> Any:
    # the wizard imports ipywidgets; the engine must not need it
    if name == "Wizard":
        from .widgets import Wizard

        return Wizard
    raise AttributeError(f"module 'jupyter_automl' has no attribute {name!r}")
