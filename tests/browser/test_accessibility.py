"""Accessibility, checked by axe-core in a real JupyterLab and a real Chromium.

A person walks the wizard through every step (Data, Target, Columns, Search, Run, Results and
each of its tabs, after their actions ran) on a small search; at each step the wizard is
audited with axe-core in the light and in the dark JupyterLab theme, and screenshotted in both
(test-artifacts/browser/<test>/NN-<step>-<theme>.png). Every violation found, whatever its
impact, is written to axe-violations.json beside the screenshots; the test fails on any of
impact serious or critical.
"""

from __future__ import annotations

import json

import pytest
from axe import audit, blocking, describe
from conftest import artifacts_dir
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

LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"


def test_every_wizard_step_passes_axe_in_light_and_dark_themes(open_wizard, page, shots, request):
    # taller than the other tests' pages: the Results step with two fairness sections is ~2,700 px,
    # and everything audited and screenshotted should be on screen
    page.set_viewport_size({"width": 1280, "height": 3600})
    nb, wizard = open_wizard("bad_input.ipynb")  # a notebook whose last cell is Wizard()
    found: dict[str, list[dict]] = {}
    theme = {"now": LIGHT}

    def check(step: str) -> None:
        """Audit and screenshot in the current theme, then in the other one."""
        first = theme["now"]
        for name in (first, DARK if first == LIGHT else LIGHT):
            if name != theme["now"]:
                nb.set_theme(name)
                theme["now"] = name
            label = f"{step}-{'light' if name == LIGHT else 'dark'}"
            found[label] = audit(page)
            shots(wizard, label)

    check("data-empty")
    choose_demo(page)
    check("data")
    next_step(page, "target")
    page.wait_for_selector(f"{tid('class-balance')} span", timeout=STEP_TIMEOUT)
    check("target")
    next_step(page, "columns")
    page.wait_for_selector(f"{tid('columns-table')} tbody tr", timeout=STEP_TIMEOUT)
    check("columns")
    next_step(page, "search")
    set_small_search(page)
    check("search")
    page.select_option(tid("executor"), "dask")  # the cluster choice: its address field
    page.wait_for_selector(f"{tid('dask-address')}:visible", timeout=STEP_TIMEOUT)
    check("search-cluster")
    page.select_option(tid("executor"), "local")
    next_step(page, "run")
    check("run-ready")
    run_to_the_end(page)
    check("run-finished")
    page.click(tid("see-results"))
    page.wait_for_selector(f"{tid('panel-diagnostics')} img", timeout=STEP_TIMEOUT)
    check("results-diagnostics")
    page.click(tid("tab-settings"))
    page.wait_for_selector(f"{tid('panel-settings')} table, {tid('results-importance-none')}:visible",
                           timeout=STEP_TIMEOUT)
    check("results-settings")
    page.click(tid("tab-explain"))
    page.click(tid("explain-run"))
    page.wait_for_selector(f"{tid('explain-output')} img", timeout=RESULTS_TIMEOUT)
    check("results-explain")
    page.click(tid("tab-fairness"))
    page.click(tid("fairness-run"))
    page.wait_for_selector(tid("fairness-section"), timeout=RESULTS_TIMEOUT)
    check("results-fairness")
    page.click(tid("tab-export"))
    page.click(tid("export-model"))
    page.wait_for_selector(f"{tid('export-output')} li", timeout=STEP_TIMEOUT)
    check("results-export")
    nb.set_theme(LIGHT)

    report = artifacts_dir(request.node.name) / "axe-violations.json"
    report.write_text(json.dumps(found, indent=1))
    failures = {label: blocking(v) for label, v in found.items() if blocking(v)}
    assert not failures, "serious or critical accessibility violations (all of them in " \
        f"{report}):\n" + "\n".join(f"[{label}]\n{describe(v)}" for label, v in failures.items())
