"""example_notebooks/quickstart.ipynb runs top to bottom in a real kernel (nbclient), and is
committed with its outputs stripped."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NOTEBOOK = Path(__file__).resolve().parents[2] / "example_notebooks" / "quickstart.ipynb"
CELL_TIMEOUT = 300
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def test_quickstart_is_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_quickstart_runs_and_shows_the_wizard(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    widgets = [o for o in outputs if o.output_type == "display_data" or o.output_type == "execute_result"
               if WIDGET_MIME in o.get("data", {})]
    assert widgets, "the wizard cell must display a widget"
    leaderboard = next(o for o in outputs if "text/html" in o.get("data", {}))
    assert "family" in leaderboard["data"]["text/html"] and "score" in leaderboard["data"]["text/html"]
