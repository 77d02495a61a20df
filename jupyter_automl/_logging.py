"""The library logger. The engine never prints; the UI shows events, logs are for developers."""

from __future__ import annotations

import logging

_ROOT = "jupyter_automl"
logging.getLogger(_ROOT).addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """Return a child of the library logger (``name`` is usually ``__name__``)."""
    return logging.getLogger(name if name.startswith(_ROOT) else f"{_ROOT}.{name}")
