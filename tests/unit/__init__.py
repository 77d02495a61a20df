"""Unit tests: fast, no threads or network; they mirror the package layout."""
