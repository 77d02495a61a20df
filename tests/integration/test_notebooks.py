"""Every notebook in example_notebooks/ runs headless, start to end, with no error.

Each runs in its own temporary folder (files it writes land there) with nbclient and the
``python3`` kernel of this environment. The committed notebooks must be stripped of outputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "example_notebooks"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
CELL_TIMEOUT = 600  # s: a cell may run a search of a few seconds on a loaded 2-core machine
REQUIRED = ("quickstart.ipynb", "python_api.ipynb", "fairness.ipynb", "workshop.ipynb")


def test_the_example_notebooks_exist():
    names = {nb.name for nb in NOTEBOOKS}
    assert [name for name in REQUIRED if name not in names] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[nb.name for nb in NOTEBOOKS])
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} cell {i}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[nb.name for nb in NOTEBOOKS])
def test_runs_headless(path, tmp_path):
    from nbclient import NotebookClient

    shutil.copy(path, tmp_path / path.name)
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on an error
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells and all(c.execution_count is not None for c in code_cells)
    errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert errors == []
