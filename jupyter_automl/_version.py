"""The package version, in a module that imports nothing (the facade and export both need it)."""

__version__ = "0.1.0"
