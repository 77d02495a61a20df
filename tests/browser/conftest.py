"""Browser test fixtures: one JupyterLab server, one Jupyter Notebook 7 server (started only when
a test asks for it) and one headless Chromium per session.

Each server serves a temporary folder holding a copy of the quickstart notebook and the
notebooks in ``tests/browser/notebooks/``; it is always terminated, and its log is attached to
a failure. Screenshots go to ``test-artifacts/browser/`` (gitignored).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lab import LabServer, Notebook, launch_chromium
from wizard_flow import WIZARD, wait_ready

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
VIEWPORT = {"width": 1280, "height": 2300}  # tall: the wizard fits, so element shots are whole


def _serve(tmp_path_factory, app: str):
    root = tmp_path_factory.mktemp(f"{app}-root")
    shutil.copy(REPO / "example_notebooks" / "quickstart.ipynb", root)
    for nb in NOTEBOOKS.glob("*.ipynb"):
        shutil.copy(nb, root)
    server = LabServer(root, tmp_path_factory.mktemp(f"{app}-work"), app=app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    yield from _serve(tmp_path_factory, "lab")


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory):
    """A Jupyter Notebook 7 server (the ``notebook`` package): ``/tree``, ``/notebooks/<path>``."""
    yield from _serve(tmp_path_factory, "notebook")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "jupyter_automl" in m.text else None)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        shot = artifacts_dir(request.node.name) / "failure.png"
        page.screenshot(path=str(shot))
        print(f"screenshot of the failure: {shot}")
        for name in ("lab", "notebook7"):  # the servers this test used
            if name in request.fixturenames:
                print(f"--- jupyter {name} log ---\n{request.getfixturevalue(name).log()}")
    context.close()
    assert not [e for e in errors if "jupyter_automl" in e], errors


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def artifacts_dir(test_name: str) -> Path:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shots(request):
    """shot(locator, name): save an element's screenshot under test-artifacts/browser/<test>/."""
    folder = artifacts_dir(request.node.name)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def shot(locator, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        locator.screenshot(path=str(path))
        return path

    return shot


@pytest.fixture
def open_notebook(page, lab):
    def open_(path: str) -> Notebook:
        return Notebook(page, lab, path).open()

    return open_


@pytest.fixture
def open_wizard(open_notebook, page):
    """open_wizard(path) -> (notebook, wizard locator): run all cells, wait for their Wizard."""
    def open_(path: str):
        nb = open_notebook(path)
        nb.run_all()
        wait_ready(page)
        return nb, page.locator(WIZARD)

    return open_


@pytest.fixture
def open_notebook7(page, notebook7):
    """Open a notebook in Jupyter Notebook 7 (``/notebooks/<path>``)."""
    def open_(path: str) -> Notebook:
        return Notebook(page, notebook7, path).open()

    return open_
