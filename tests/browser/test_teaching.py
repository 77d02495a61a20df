"""Teaching mode in a real JupyterLab and Chromium: the lessons of this run, and what matters.

A person ticks "Teaching mode" on the Search step and runs a short search: the Run step lists
what the search did, each lesson with numbers of this run (checked against the leaderboard
shown beside it), and which settings matter so far. Also checked: a configuration longer than
the cell wraps, and the columns step suggests the sensitive columns with the reason.
Screenshots: test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import re

import pytest
from wizard_flow import (
    STEP_TIMEOUT,
    choose_demo,
    next_step,
    run_to_the_end,
    set_small_search,
    tid,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_teaching_mode_explains_this_run_with_its_numbers(open_wizard, page, shots):
    _, wizard = open_wizard("quickstart.ipynb")
    wizard.scroll_into_view_if_needed()
    choose_demo(page)
    next_step(page, "target")
    next_step(page, "columns")
    page.wait_for_selector(f"{tid('columns-table')} tbody tr", timeout=STEP_TIMEOUT)
    assert page.locator(tid("sensitive-age")).is_checked()
    why_age = page.locator(tid("sensitive-why-age")).inner_text()
    assert "suggested: Its name says age" in why_age
    shots(wizard, "columns")
    next_step(page, "search")
    set_small_search(page, n_trials=6)
    page.set_checked(tid("teaching-choice"), True)
    shots(wizard, "search")
    next_step(page, "run")
    run_to_the_end(page)
    page.wait_for_selector(f"{tid('lesson')}", timeout=STEP_TIMEOUT)
    lessons = page.locator(tid("lesson")).all_inner_texts()
    run_rows = f"{tid('step-body-run')} [data-testid=leaderboard-row]"  # not the Results step's
    trials = {t.strip() for t in page.locator(f"{run_rows} td:nth-child(2)").all_inner_texts()}
    assert len(lessons) >= 3
    for text in lessons:
        assert re.search(r"\d", text), text  # every lesson names a number of this run
    # the lessons about trials name trials that the leaderboard of this run shows
    named = {m for text in lessons for m in re.findall(r"Trial (\d+)", text)}
    assert named and named & trials, (named, trials)
    assert page.locator(f"{tid('lesson')} a").first.get_attribute("href").startswith("workshop.ipynb#")
    shots(wizard, "run-teaching")
    # which settings matter: live on the Run step, then the final view on the Results step
    run_card = f"{tid('step-body-run')} [data-testid=importance]"
    page.wait_for_selector(f"{run_card}:not([hidden]) [data-testid=importance-linear]", timeout=STEP_TIMEOUT)
    shots(wizard, "run-importance")
    page.click(tid("see-results"))
    page.click(tid("tab-settings"))
    results_rows = page.locator(f"{tid('results-importance-linear')} tbody tr")
    results_rows.first.wait_for(timeout=STEP_TIMEOUT)
    assert page.locator(tid("results-importance-none")).is_hidden()
    shown = results_rows.all_inner_texts()
    shares = [float(m) for row in shown for m in re.findall(r"([\d.]+)\s*%", row)]
    assert len(shares) == len(shown) and all(0 <= s <= 100 for s in shares), shown
    assert shares == sorted(shares, reverse=True), shown  # the setting that mattered most first
    assert "mattered in this search" in page.locator(tid("results-importance")).inner_text()
    shots(wizard, "results-settings")
    # the Run step shows the same figures: one engine call (the last, after the search), two places
    results_text = page.locator(tid("results-importance-linear")).text_content()
    page.click(tid("step-run"))
    run_table = page.locator(f"{run_card} [data-testid=importance-linear]")
    assert run_table.is_visible() and run_table.text_content() == results_text
