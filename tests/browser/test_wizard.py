"""What a person does, in a real JupyterLab and a real Chromium.

Open the quickstart notebook and run it; in the wizard choose a demo dataset and its target,
start a 15 s search, watch points arrive in the chart and the leaderboard fill, run another cell
meanwhile, stop, read the results. And a bad input: a target with one class shows the engine's
message in the UI, and the wizard stays usable. Every step is saved as a screenshot under
test-artifacts/browser/.
"""

from __future__ import annotations

import shutil
import time

import pytest
from wizard_flow import (
    READY_TIMEOUT,
    RESULTS_TIMEOUT,
    STEP_TIMEOUT,
    WIZARD,
    choose_frame,
    tid,
    wait_next_enabled,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEARCH_TIMEOUT = 120_000


def chart_points(page) -> int:
    return int(page.locator(tid("chart")).first.get_attribute("data-n-points") or 0)


def focused_testid(page) -> str | None:
    return page.evaluate("() => document.activeElement && document.activeElement.dataset.testid")


def test_a_person_runs_the_quickstart_and_a_search(open_wizard, page, shots):
    nb, wizard = open_wizard("quickstart.ipynb")
    wizard.scroll_into_view_if_needed()

    # 1. Data: a demo dataset
    page.select_option(tid("demo-select"), "german_credit")
    page.wait_for_selector(f"{tid('data-summary')}:has-text('1,000 rows')", timeout=STEP_TIMEOUT)
    page.wait_for_selector(f"{tid('profile')} tbody tr", timeout=STEP_TIMEOUT)
    assert page.locator(f"{tid('profile')} tbody tr").count() == 21
    wait_next_enabled(page)
    shots(wizard, "data")

    # 2. Target and task: preselected, with the reasons
    page.click(tid("next"))
    page.wait_for_selector(f"{tid('class-balance')} span", timeout=STEP_TIMEOUT)
    assert page.locator(tid("target-select")).input_value() == "class"
    assert "binary classification" in page.locator(tid("task-select")).inner_text()
    assert "ROC AUC" in page.locator(tid("metric-select")).inner_text()
    wait_next_enabled(page)
    shots(wizard, "target")

    # 3. Columns: roles and sensitive attributes
    page.click(tid("next"))
    page.wait_for_selector(f"{tid('columns-table')} tbody tr", timeout=STEP_TIMEOUT)
    assert page.locator(tid("sensitive-age")).is_checked()
    assert "20 of 20 columns" in page.locator(tid("columns-summary")).inner_text()
    shots(wizard, "columns")

    # 4. Search: the quick look preset (15 s), one core for this shared machine
    page.click(tid("next"))
    page.click(tid("preset-quick"))
    page.select_option(tid("n-jobs"), "1")
    page.wait_for_selector(f"{tid('search-summary')}:has-text('up to 15 s')", timeout=STEP_TIMEOUT)
    # how the columns are chosen: the four feature_search modes, joint by default, each explained
    columns_choice = page.locator(tid("feature-search"))
    assert columns_choice.locator("option").count() == 4 and columns_choice.input_value() == "joint"
    columns_choice.select_option("pseudo_joint")
    page.wait_for_selector("text=rounds of the search alternate", timeout=STEP_TIMEOUT)
    shots(wizard, "search-columns-choice")
    columns_choice.select_option("sequential")  # the Results step then says which columns it reads
    page.wait_for_selector(f"{tid('search-summary')}:has-text('choosing the columns first')",
                           timeout=STEP_TIMEOUT)
    wait_next_enabled(page)
    shots(wizard, "search")

    # 5. Run: start, watch points and leaderboard rows arrive
    page.click(tid("next"))
    page.click(tid("start"))
    page.wait_for_selector(f"{tid('status')}:has-text('Searching')", timeout=STEP_TIMEOUT)
    page.wait_for_function("(s) => +document.querySelector(s).dataset.nPoints >= 1",
                           arg=tid("chart"), timeout=SEARCH_TIMEOUT)
    page.wait_for_selector(f"{tid('leaderboard-row')}", timeout=SEARCH_TIMEOUT)
    first_points = chart_points(page)
    # the kernel stays usable while the search runs: another cell runs at once
    started = time.monotonic()
    cell = nb.add_cell_and_run("6 * 7", timeout=30_000)
    assert nb.output_text(cell) == "42"
    assert time.monotonic() - started < 20
    status = page.locator(tid("status")).inner_text()
    # more trials keep arriving, while it searches
    if status == "Searching":
        try:
            page.wait_for_function("([s, n]) => +document.querySelector(s).dataset.nPoints > n",
                                   arg=[tid("chart"), first_points], timeout=8_000)
        except Exception:
            pass  # a slow trial; the chart still shows the first ones
    shots(wizard, "run")

    # Stop works from the UI, even while another cell keeps the kernel busy
    busy_cell = nb.add_cell_and_run("import time; time.sleep(12); 'slept'", wait=False)
    page.wait_for_function("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                           ".node.querySelector('.jp-InputPrompt').textContent.includes('*')",
                           arg=busy_cell, timeout=10_000)
    stop = page.locator(tid("stop"))
    if stop.is_visible():
        stop.click()
        page.wait_for_selector(f"{tid('status')}:has-text('Finished')", timeout=RESULTS_TIMEOUT)
    else:  # the 15 s were over already
        page.wait_for_selector(f"{tid('status')}:has-text('Finished')", timeout=RESULTS_TIMEOUT)
    stopped_while_busy = not nb.executed(busy_cell)
    page.wait_for_selector(f"{tid('see-results')}:not([hidden])", timeout=RESULTS_TIMEOUT)
    assert page.locator(tid("n-finished")).inner_text().split()[0] != "0"
    shots(wizard, "run-finished")

    # 6. Results: the chosen model and why, scores, plots
    page.click(tid("see-results"))
    page.wait_for_selector(tid("chosen-model"), timeout=STEP_TIMEOUT)
    assert page.locator(f"{tid('why')} li").count() >= 2
    assert "columns chosen before the model search" in page.locator(tid("why")).inner_text()
    assert page.locator(f"{tid('holdout-roc_auc')}").count() == 1
    page.wait_for_selector(f"{tid('panel-diagnostics')} img", timeout=STEP_TIMEOUT)
    # confusion matrix, ROC, precision-recall, reliability diagram, score against predict time
    titles = page.locator(f"{tid('panel-diagnostics')} img").evaluate_all("(els) => els.map((e) => e.alt)")
    assert len(titles) == 5 and any("eliability" in t for t in titles), titles
    shots(wizard, "results")
    page.click(tid("tab-explain"))
    page.click(tid("explain-run"))
    page.wait_for_selector(f"{tid('explain-output')} img", timeout=RESULTS_TIMEOUT)
    assert page.locator(f"{tid('importance')} tbody tr").count() >= 5
    shots(wizard, "results-explain")
    page.click(tid("tab-fairness"))
    assert page.locator(tid("fair-personal_status")).is_checked()  # marked in the Columns step
    page.click(tid("fairness-run"))
    page.wait_for_selector(f"{tid('fairness-section')} >> nth=1", timeout=RESULTS_TIMEOUT)
    assert "By personal_status" in page.locator(tid("fairness-section")).first.inner_text()
    shots(wizard, "results-fairness")
    page.click(tid("tab-export"))
    page.click(tid("export-model"))
    page.wait_for_selector(f"{tid('export-output')} li", timeout=STEP_TIMEOUT)
    assert "Saved" in page.locator(f"{tid('export-output')} li").first.inner_text()
    shots(wizard, "results-export")
    nb.wait_executed(busy_cell, timeout=60_000)
    assert nb.output_text(busy_cell) == "'slept'"
    assert stopped_while_busy, "Stop should take effect while another cell runs (kernel subshells)"


def test_a_one_class_target_shows_the_error_and_the_wizard_stays_usable(open_wizard, page, shots):
    _, wizard = open_wizard("bad_input.ipynb")
    choose_frame(page, "one_class", rows=569)
    wait_next_enabled(page)
    page.click(tid("next"))
    page.select_option(tid("target-select"), "outcome")
    error = page.locator(tid("target-error"))
    error.wait_for(state="visible", timeout=STEP_TIMEOUT)
    assert "The target 'outcome' has a single class ('yes')" in error.inner_text()
    assert "Pick another target column" in error.inner_text()
    assert page.locator(tid("next")).is_disabled()
    shots(wizard, "one-class-error")

    page.select_option(tid("target-select"), "diagnosis")
    error.wait_for(state="hidden", timeout=STEP_TIMEOUT)
    wait_next_enabled(page)
    page.click(tid("next"))
    page.wait_for_selector(f"{tid('columns-table')} tbody tr", timeout=STEP_TIMEOUT)
    assert "to predict diagnosis" in page.locator(tid("columns-summary")).inner_text()
    shots(wizard, "recovered")


def test_dark_theme_keyboard_and_a_reloaded_page(open_wizard, lab, page, shots):
    # a copy: this test saves the notebook with a second wizard cell, which other tests must not
    # find in bad_input.ipynb whatever order they run in
    shutil.copy(lab.root_dir / "bad_input.ipynb", lab.root_dir / "dark_theme.ipynb")
    nb, wizard = open_wizard("dark_theme.ipynb")
    nb.set_theme("JupyterLab Dark")
    page.select_option(tid("demo-select"), "german_credit")
    page.wait_for_selector(f"{tid('data-summary')}:has-text('german_credit')", timeout=STEP_TIMEOUT)
    wait_next_enabled(page)
    # keyboard: Enter on the focused Next button, then the arrow keys on the step tabs
    page.focus(tid("next"))
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{WIZARD}[data-step=target]", timeout=STEP_TIMEOUT)
    page.focus(tid("step-target"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector(f"{WIZARD}[data-step=data]", timeout=STEP_TIMEOUT)
    page.keyboard.press("ArrowRight")  # the focus follows the tabs
    page.wait_for_selector(f"{WIZARD}[data-step=target]", timeout=STEP_TIMEOUT)
    page.wait_for_selector(f"{tid('class-balance')} span", timeout=STEP_TIMEOUT)
    # the step's late renders (target analysis, suggested sensitive columns) leave the focus on its tab
    assert focused_testid(page) == "step-target"
    colors = page.evaluate("""(s) => {
      const el = document.querySelector(s);
      const fg = getComputedStyle(el).color.match(/\\d+/g).map(Number);
      const bg = getComputedStyle(el.querySelector('.jaml-card')).backgroundColor.match(/\\d+/g).map(Number);
      return {fg, bg};
    }""", WIZARD)
    luminance = lambda rgb: (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255  # noqa: E731
    assert luminance(colors["fg"]) > 0.6 and luminance(colors["bg"]) < 0.3, colors
    shots(wizard, "dark-target")
    assert focused_testid(page) == "step-target"
    # the arrow keys go only to open steps: Columns opens once the target is checked
    page.wait_for_selector(f"{tid('step-columns')}:not([disabled])", timeout=STEP_TIMEOUT)
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(f"{tid('columns-table')} tbody tr", timeout=STEP_TIMEOUT)
    shots(wizard, "dark-columns")

    # a second view of the same widget draws the same state (from the model-level store)
    nb.add_cell_and_run("wizard")
    second = page.locator(WIZARD).nth(1)
    second.wait_for(timeout=STEP_TIMEOUT)
    assert second.get_attribute("data-step") == "columns"
    page.wait_for_selector(f"{WIZARD} >> nth=1 >> [data-testid=columns-table] tbody tr",
                           timeout=STEP_TIMEOUT)

    # a reopened notebook (saved, page reloaded, same kernel) asks the kernel for a snapshot
    # and redraws where the person was
    nb.save()
    page.reload()
    nb.wait_kernel_idle()
    page.wait_for_selector(f"{WIZARD}[data-ready=true]", timeout=READY_TIMEOUT)
    restored = page.locator(WIZARD).first
    assert restored.get_attribute("data-step") == "columns"
    page.wait_for_selector(f"{WIZARD} >> nth=0 >> [data-testid=columns-table] tbody tr",
                           timeout=STEP_TIMEOUT)
    shots(restored, "dark-reloaded")

    # a small search, to see the live chart and the results in the dark theme
    page.click(f"{WIZARD} >> nth=0 >> [data-testid=next]")
    for family in ("gradient_boosting", "random_forest", "extra_trees", "neural", "knn", "svm"):
        page.uncheck(f"{WIZARD} >> nth=0 >> [data-testid=family-{family}]")
    page.fill(f"{WIZARD} >> nth=0 >> [data-testid=n-trials]", "4")
    page.fill(f"{WIZARD} >> nth=0 >> [data-testid=time-budget]", "")
    page.keyboard.press("Tab")  # the number inputs apply on change
    page.wait_for_selector(f"{WIZARD} >> nth=0 >> [data-testid=search-summary]:has-text('at most 4 trials')",
                           timeout=STEP_TIMEOUT)
    page.click(f"{WIZARD} >> nth=0 >> [data-testid=next]")
    page.click(f"{WIZARD} >> nth=0 >> [data-testid=start]")
    page.wait_for_selector(f"{WIZARD} >> nth=0 >> [data-testid=see-results]:not([hidden])",
                           timeout=RESULTS_TIMEOUT)
    assert chart_points(page) >= 1
    # keyboard on the chart: focus it and step through the trials with the arrow keys
    page.focus(f"{WIZARD} >> nth=0 >> [data-testid=chart]")
    page.keyboard.press("End")
    tooltip = page.locator(f"{WIZARD} >> nth=0 >> [data-testid=chart-tooltip]")
    tooltip.wait_for(state="visible", timeout=STEP_TIMEOUT)
    assert tooltip.inner_text().startswith("Trial ") and "Linear model" in tooltip.inner_text()
    shots(restored, "dark-run")
    page.click(f"{WIZARD} >> nth=0 >> [data-testid=see-results]")
    page.wait_for_selector(f"{WIZARD} >> nth=0 >> [data-testid=panel-diagnostics] img", timeout=STEP_TIMEOUT)
    shots(restored, "dark-results")
    nb.set_theme("JupyterLab Light")
