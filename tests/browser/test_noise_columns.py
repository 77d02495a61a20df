"""A table that is mostly noise: the Columns step shows the screened columns as "noise", greyed
out, with the evidence as their reason (issue 15)."""

from __future__ import annotations

import pytest
from wizard_flow import STEP_TIMEOUT, choose_frame, next_step, tid

pytestmark = pytest.mark.browser


def test_the_columns_step_shows_noise_columns_left_out(open_wizard, page, shots):
    _, wizard = open_wizard("noisy_columns.ipynb")
    choose_frame(page, "noisy", rows=600)
    next_step(page, "target")
    page.select_option(tid("target-select"), "y")
    next_step(page, "columns")
    noise_row = page.locator(tid("column-noise_0"))
    noise_row.wait_for(timeout=STEP_TIMEOUT)
    text = noise_row.inner_text()
    assert "noise" in text and "no link to the target" in text, text
    assert "jaml-excluded" in (noise_row.get_attribute("class") or "")
    signal = page.locator(tid("column-x0"))
    assert "noise" not in signal.inner_text() and "jaml-excluded" not in (signal.get_attribute("class") or "")
    # the 25 noise columns are not counted among those used
    page.wait_for_selector(f"{tid('columns-summary')}:has-text('5 of 30 columns will be used')",
                           timeout=STEP_TIMEOUT)
    shots(wizard, "columns-step-noise")
