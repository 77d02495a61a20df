"""Comparing trials in the Results step, in a real JupyterLab and Chromium.

A person runs a tiny search in the wizard, opens the Results step's Leaderboard tab, ticks two
trials with the keyboard and presses Compare: a side-by-side table names both trials and
highlights the settings that differ. Screenshots (light and dark theme):
test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import pytest
from wizard_flow import (
    RESULTS_TIMEOUT,
    STEP_TIMEOUT,
    choose_demo,
    next_step,
    run_to_the_end,
    set_small_search,
    tid,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PANEL = tid("panel-leaderboard")


def test_two_trials_of_the_leaderboard_side_by_side(open_wizard, page, shots):
    nb, _ = open_wizard("bad_input.ipynb")
    choose_demo(page)
    for step in ("target", "columns", "search"):
        next_step(page, step)
    set_small_search(page, n_trials=4)
    next_step(page, "run")
    run_to_the_end(page)
    page.click(tid("see-results"))
    page.wait_for_selector(tid("chosen-model"), timeout=RESULTS_TIMEOUT)

    page.click(tid("tab-leaderboard"))
    page.wait_for_selector(f"{PANEL} [data-testid=leaderboard-row]", timeout=STEP_TIMEOUT)
    boxes = page.locator(f"{PANEL} input[type=checkbox]")
    assert boxes.count() >= 2
    assert boxes.first.get_attribute("aria-label").startswith("Compare trial ")
    compare = page.locator(tid("compare-trials"))
    assert compare.is_disabled()
    # keyboard only: Space ticks the focused box; the focus stays on it while the rows redraw
    first, second = (int(boxes.nth(i).get_attribute("data-testid").removeprefix("compare-")) for i in (0, 1))
    boxes.nth(0).focus()
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.dataset.testid") == f"compare-{first}"
    boxes.nth(1).focus()
    page.keyboard.press("Space")
    assert page.locator(tid("compare-hint")).inner_text() == f"Trials {first} and {second} ticked."
    assert compare.is_enabled()
    compare.focus()
    page.keyboard.press("Enter")

    table = page.locator(tid("compare-table"))
    table.wait_for(timeout=STEP_TIMEOUT)
    headers = page.locator(f"{tid('compare-table')} [data-testid=compare-trial]").all_inner_texts()
    assert headers == [f"Trial {first}", f"Trial {second}"]
    differing = page.locator(f"{tid('compare-table')} [data-testid=compare-differs]")
    assert differing.count() >= 1  # two trials of a search never share every setting
    assert "differs" in differing.first.inner_text()
    assert "ROC AUC, mean over the folds" in table.inner_text()
    assert "Predict time for 1,000 rows" in table.inner_text()
    panel = page.locator(PANEL)
    panel.scroll_into_view_if_needed()
    shots(panel, "compare-light")

    nb.set_theme("JupyterLab Dark")
    table.wait_for(timeout=STEP_TIMEOUT)
    shots(panel, "compare-dark")
    nb.set_theme("JupyterLab Light")
