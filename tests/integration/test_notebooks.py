"""Every notebook in example_notebooks/ runs headless, start to end, with no error (each runs
once; the quickstart and fairness notebooks are also checked for what they show).

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
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
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


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """``executed(name)``: the notebook run once, start to end, in its own temporary folder."""
    from nbclient import NotebookClient

    done: dict[str, nbformat.NotebookNode] = {}

    def run(name: str) -> nbformat.NotebookNode:
        if name not in done:
            folder = tmp_path_factory.mktemp(name.removesuffix(".ipynb"))
            shutil.copy(EXAMPLES / name, folder / name)
            nb = nbformat.read(folder / name, as_version=4)
            # raises CellExecutionError, with the cell and its traceback, on an error
            NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                           resources={"metadata": {"path": str(folder)}}).execute()
            done[name] = nb
        return done[name]

    return run


def _outputs(nb: nbformat.NotebookNode) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


# a 20 s search on a Dask cluster of its own: run while no other test loads the machine (under
# two busy test workers its cluster's workers started no trial within the 20 s)
ALONE = ("cluster.ipynb",)


@pytest.mark.slow
@pytest.mark.parametrize("path", [pytest.param(nb, id=nb.name, marks=pytest.mark.alone if nb.name in ALONE else ())
                                  for nb in NOTEBOOKS])
def test_runs_headless(path, executed):
    nb = executed(path.name)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells and all(c.execution_count is not None for c in code_cells)
    assert [o for o in _outputs(nb) if o.output_type == "error"] == []


@pytest.mark.slow
def test_quickstart_shows_the_wizard_and_a_leaderboard(executed):
    outputs = _outputs(executed("quickstart.ipynb"))
    assert any(WIDGET_MIME in o.get("data", {}) for o in outputs), "the wizard cell shows a widget"
    leaderboard = next(o for o in outputs if "text/html" in o.get("data", {}))
    assert "family" in leaderboard["data"]["text/html"] and "score" in leaderboard["data"]["text/html"]


@pytest.mark.slow
def test_fairness_notebook_explains_mitigates_and_picks_on_the_front(executed):
    outputs = _outputs(executed("fairness.ipynb"))
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "needs the sensitive column(s) ['sex'] in X at predict time" in text
    assert "chosen on the Pareto front" in text
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 8  # bar, beeswarm, waterfall, dependence, fairness x2, mitigation, Pareto
    assert any(WIDGET_MIME in o.get("data", {}) for o in outputs), "the wizard cell shows a widget"
