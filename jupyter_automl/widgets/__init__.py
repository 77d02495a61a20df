"""The wizard and the live views: the only package that imports ipywidgets, anywidget or IPython.

They observe engine events and call the public API (``AutoML``, ``SearchHandle``,
``jupyter_automl.problem``, ``jupyter_automl.datasets``); they never reach into the engine.
"""

from .live import LiveSearch
from .wizard import STEPS, Wizard

__all__ = ["STEPS", "LiveSearch", "Wizard"]
