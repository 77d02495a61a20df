"""The wizard in Jupyter Notebook 7 (the ``notebook`` package), in a real Chromium.

Notebook 7 is where many people still open notebooks: one document per page, its own shell and
menus. A person opens the quickstart notebook at /notebooks/quickstart.ipynb, runs every cell
from the Run menu, and takes the wizard through a short search to its Results; the wizard is
also audited there with axe-core. Screenshots: test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import pytest
from axe import audit, blocking, describe
from lab import CELL_TIMEOUT
from wizard_flow import (
    STEP_TIMEOUT,
    WIZARD,
    choose_demo,
    next_step,
    run_to_the_end,
    set_small_search,
    tid,
    wait_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_quickstart_wizard_runs_a_search_in_notebook_7(open_notebook7, notebook7, page, shots):
    nb = open_notebook7("quickstart.ipynb")
    assert "/notebooks/quickstart.ipynb" in page.url
    # Notebook 7's own page, not JupyterLab's: its shell and the notebook's top bar
    page.wait_for_selector("#top-panel", timeout=STEP_TIMEOUT)
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    # Run > Run All Cells, as a person does it
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    wait_ready(page)
    wizard = page.locator(WIZARD)
    wizard.scroll_into_view_if_needed()

    choose_demo(page)
    assert page.locator(f"{tid('profile')} tbody tr").count() == 21
    shots(wizard, "data")
    next_step(page, "target")
    page.wait_for_selector(f"{tid('class-balance')} span", timeout=STEP_TIMEOUT)
    assert page.locator(tid("target-select")).input_value() == "class"
    next_step(page, "columns")
    page.wait_for_selector(f"{tid('columns-table')} tbody tr", timeout=STEP_TIMEOUT)
    next_step(page, "search")
    set_small_search(page)
    shots(wizard, "search")
    next_step(page, "run")
    run_to_the_end(page)
    assert int(page.locator(tid("chart")).first.get_attribute("data-n-points") or 0) >= 1
    assert page.locator(tid("leaderboard-row")).count() >= 1
    shots(wizard, "run")
    page.click(tid("see-results"))
    page.wait_for_selector(tid("chosen-model"), timeout=STEP_TIMEOUT)
    page.wait_for_selector(f"{tid('panel-diagnostics')} img", timeout=STEP_TIMEOUT)
    assert page.locator(f"{tid('why')} li").count() >= 1
    assert page.locator(f"{tid('holdout-roc_auc')}").count() == 1
    shots(wizard, "results")
    violations = blocking(audit(page))
    assert not violations, describe(violations)

    # the kernel behind the page is the notebook's: the wizard's model is there
    cell = nb.add_cell_and_run("type(wizard.automl).__name__", timeout=CELL_TIMEOUT)
    assert nb.output_text(cell) == "'AutoML'"
