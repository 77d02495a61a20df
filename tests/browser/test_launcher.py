"""The JupyterLab integration, in a real JupyterLab and a real Chromium.

The prebuilt extension (labextension/, installed with the package) adds a launcher card
"AutoML wizard" and a command-palette entry "New AutoML wizard". Each opens a new notebook whose
first cell holds the wizard; running that cell shows the wizard. Screenshots go to
test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lab import KERNEL_READY_TIMEOUT, Notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXTENSION = "jupyter-automl-launcher"
CARD = ".jp-LauncherCard[data-category=AutoML]"
PALETTE_ITEM = ".lm-CommandPalette-item:has-text('New AutoML wizard')"
WIZARD_READY = "[data-testid=wizard][data-ready=true]"
UI_TIMEOUT = 60_000  # ms
WIZARD_TIMEOUT = 120_000  # ms: the first run imports scikit-learn, optuna... on a loaded machine
WIZARD_SOURCE = ("# The AutoML wizard: run this cell (Shift+Enter), then choose your data or a demo "
                 "dataset.\nfrom jupyter_automl import Wizard\n\nwizard = Wizard()\nwizard")

_NOTEBOOKS_JS = """() => {
  const out = [];
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (w.content && w.content.model && w.content.model.cells) {
      out.push({path: w.context.path, kernel: w.sessionContext.kernelPreference.name || null,
                first: w.content.model.cells.get(0).sharedModel.getSource()});
    }
  }
  return out;
}"""


def notebooks(page) -> list[dict]:
    return page.evaluate(_NOTEBOOKS_JS)


def open_launcher(page, lab) -> None:
    page.goto(f"{lab.url}lab?reset&token={lab.token}")
    page.wait_for_function("() => !!window.jupyterapp && window.jupyterapp.commands.hasCommand("
                           "'launcher:create')", timeout=UI_TIMEOUT)
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    if page.locator(CARD).count() == 0:  # a fresh workspace usually opens a launcher already
        page.evaluate("() => window.jupyterapp.commands.execute('launcher:create')")
    page.wait_for_selector(CARD, timeout=UI_TIMEOUT)


def wait_new_notebook(page, before: int) -> dict:
    page.wait_for_function(
        f"(n) => ({_NOTEBOOKS_JS})().filter(nb => nb.first.includes('Wizard()')).length > n",
        arg=before, timeout=UI_TIMEOUT)
    return [nb for nb in notebooks(page) if "Wizard()" in nb["first"]][-1]


def test_the_extension_is_installed_with_the_package():
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    out = subprocess.run([jupyter, "labextension", "list"], capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    line = next((ln for ln in text.splitlines() if EXTENSION in ln), "")
    assert "enabled" in line and "OK" in line and "jupyter_automl" in line, text


def test_launcher_card_opens_a_notebook_with_the_wizard_cell(page, lab, shots):
    open_launcher(page, lab)
    card = page.locator(CARD)
    assert card.count() == 1
    assert card.inner_text().strip() == "AutoML wizard"
    assert card.get_attribute("title") == "Open a new notebook with the AutoML wizard cell ready to run"
    assert card.locator("svg").count() == 1  # our icon
    shots(page.locator(".jp-Launcher"), "launcher")

    before = len([nb for nb in notebooks(page) if "Wizard()" in nb["first"]])
    card.click()
    nb_info = wait_new_notebook(page, before)
    assert nb_info["first"] == WIZARD_SOURCE
    assert nb_info["path"].endswith(".ipynb")

    # run the cell as a person does: the wizard appears
    notebook = Notebook(page, lab, nb_info["path"])
    notebook.wait_kernel_idle(KERNEL_READY_TIMEOUT)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
    page.wait_for_selector(WIZARD_READY, timeout=WIZARD_TIMEOUT)
    outputs = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.cells.get(0)"
                            ".outputs.toJSON()")
    assert not [o for o in outputs if o.get("output_type") == "error"], json.dumps(outputs)[:2000]
    shots(page.locator(".jp-NotebookPanel:visible"), "notebook-with-wizard")


def test_palette_entry_opens_a_notebook_with_the_wizard_cell(page, lab, shots):
    open_launcher(page, lab)
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:activate-command-palette')")
    search = page.locator(".lm-CommandPalette-input")
    search.wait_for(timeout=UI_TIMEOUT)
    search.fill("automl wizard")
    item = page.locator(PALETTE_ITEM)
    item.wait_for(timeout=UI_TIMEOUT)
    assert item.count() == 1
    headers = page.locator(".lm-CommandPalette-header").all_inner_texts()
    assert any(h.strip().lower() == "automl" for h in headers), headers
    shots(page.locator("#main"), "palette")

    before = len([nb for nb in notebooks(page) if "Wizard()" in nb["first"]])
    item.click()
    nb_info = wait_new_notebook(page, before)
    assert nb_info["first"] == WIZARD_SOURCE
    kernel = page.evaluate("() => window.jupyterapp.serviceManager.kernelspecs.specs.default")
    page.wait_for_function(
        "(k) => { const w = window.jupyterapp.shell.currentWidget; const s = w.sessionContext;"
        " return !!s.session && s.session.kernel && s.session.kernel.name === k; }",
        arg=kernel, timeout=KERNEL_READY_TIMEOUT)
    shots(page.locator(".jp-NotebookPanel:visible"), "notebook-from-palette")
