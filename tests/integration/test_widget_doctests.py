"""The runnable examples in the docstrings of the wizard's modules (they start real searches)."""

from __future__ import annotations

import doctest
import importlib

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", [
    "jupyter_automl.widgets.live",
    "jupyter_automl.widgets.wizard",
    "jupyter_automl.insight.diagnostics._diagnostics",
    "jupyter_automl.search._runs",
])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, result
