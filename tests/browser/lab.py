"""A real JupyterLab server and a real headless Chromium, for browser tests and benchmarks.

``LabServer`` starts ``jupyter lab`` on 127.0.0.1 on a free port (``--ServerApp.port=0``; the
port is read from the server's runtime JSON file), with its own settings and runtime folders so
that nothing of the person's set-up leaks in, and ``--LabApp.expose_app_in_browser`` so that a
test can wait on the kernel through ``window.jupyterapp``. ``LabServer(..., app="notebook")``
starts Jupyter Notebook 7 the same way (its pages are ``/tree`` and ``/notebooks/<path>``; it
is built from JupyterLab's components, so ``window.jupyterapp`` and the commands are the same). ``launch_chromium`` drives Debian's
``chromium`` (Playwright cannot download browsers here). ``Notebook`` does what a person does in
a notebook: open it, wait for the kernel, run cells, add a cell and run it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("JUPYTER_AUTOML_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying connections that fail on this machine.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
SERVER_START_TIMEOUT = 90.0  # s; a loaded 2-core machine needs a while
KERNEL_READY_TIMEOUT = 90_000  # ms
CELL_TIMEOUT = 120_000  # ms


class LabServer:
    """``jupyter lab`` in a subprocess; ``start()``, then ``url``; always ``stop()``."""

    def __init__(self, root_dir: Path, work_dir: Path, app: str = "lab"):
        if app not in ("lab", "notebook"):
            raise ValueError(f"app must be 'lab' or 'notebook'; got {app!r}")
        self.app = app
        self.root_dir = Path(root_dir)
        self.work_dir = Path(work_dir)
        self.token = secrets.token_hex(16)
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.log_path = self.work_dir / f"jupyter-{app}.log"

    def start(self) -> LabServer:
        runtime = self.work_dir / "runtime"
        for sub in ("runtime", "settings", "workspaces", "config", "data"):
            (self.work_dir / sub).mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            JUPYTER_RUNTIME_DIR=str(runtime),
            JUPYTER_CONFIG_DIR=str(self.work_dir / "config"),
            JUPYTERLAB_SETTINGS_DIR=str(self.work_dir / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.work_dir / "workspaces"),
            PYTHONUNBUFFERED="1",
        )
        cmd = [
            sys.executable, "-m", "jupyterlab" if self.app == "lab" else "notebook", "--no-browser",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
        ]
        if self.app == "lab":
            cmd += ["--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
                    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        else:
            cmd += ["--JupyterNotebookApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        # no "get notified about Jupyter news?" prompt over the page
        news = self.work_dir / "settings" / "@jupyterlab" / "apputils-extension"
        news.mkdir(parents=True, exist_ok=True)
        (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     cwd=self.root_dir)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        info_file = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited with {self.proc.returncode}:\n{self.log()}")
            files = sorted(runtime.glob("jpserver-*.json"))
            if files:
                info_file = files[0]
                try:
                    info = json.loads(info_file.read_text())
                    self.url = info["url"].rstrip("/") + "/"
                    if self._ready():
                        return self
                except (ValueError, KeyError, OSError):
                    pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"jupyter {self.app} did not start within {SERVER_START_TIMEOUT} s:\n{self.log()}")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}api/status?token={self.token}", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def lab_url(self, path: str) -> str:
        if self.app == "notebook":  # Notebook 7: one document per page, no workspace to reset
            return f"{self.url}notebooks/{path}?token={self.token}"
        # ?reset: a fresh workspace, so notebooks of an earlier test do not open again
        return f"{self.url}lab/tree/{path}?reset&token={self.token}"

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-6000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()


def launch_chromium(playwright: Any, **kwargs: Any) -> Any:
    """A headless Debian Chromium driven by Playwright."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium was not found at {CHROMIUM}; install it with "
                           "`apt-get install chromium` (scripts/setup.sh does).")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                      **kwargs)


_KERNEL_IDLE_JS = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""


_THEME_APPLIED_JS = """() => {
  const light = document.body.dataset.jpThemeLight === 'true';
  const value = getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim();
  if (!value) return false;
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.fillStyle = value;  // normalised to #rrggbb
  const rgb = [1, 3, 5].map((i) => parseInt(ctx.fillStyle.slice(i, i + 2), 16) / 255);
  const luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  return light ? luminance > 0.5 : luminance < 0.5;
}"""


class Notebook:
    """A notebook open in a page: what a person does, through the page only."""

    def __init__(self, page: Any, server: LabServer, path: str):
        self.page = page
        self.server = server
        self.path = path

    def open(self) -> Notebook:
        self.page.goto(self.server.lab_url(self.path))
        self.page.wait_for_selector(".jp-Notebook", timeout=KERNEL_READY_TIMEOUT)
        self.wait_kernel_idle()
        return self

    def wait_kernel_idle(self, timeout: float = KERNEL_READY_TIMEOUT) -> None:
        self.page.wait_for_function(_KERNEL_IDLE_JS, timeout=timeout)

    def command(self, name: str, args: dict | None = None) -> None:
        """Run a JupyterLab command, as the menus and shortcuts do."""
        self.page.evaluate("([n, a]) => window.jupyterapp.commands.execute(n, a)", [name, args or {}])

    def run_all(self) -> None:
        self.command("notebook:run-all-cells")

    def cell_count(self) -> int:
        return self.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")

    def add_cell_and_run(self, code: str, *, wait: bool = True, timeout: float = CELL_TIMEOUT) -> int:
        """Add a code cell at the end, type ``code``, press Shift+Enter; return the cell index."""
        n = self.cell_count()
        self.page.evaluate("""() => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          nb.activeCellIndex = nb.widgets.length - 1;
          nb.mode = 'command';
          nb.node.focus();
        }""")
        self.page.keyboard.press("b")  # command mode: a new cell below
        self.page.wait_for_function("(n) => window.jupyterapp.shell.currentWidget.content.widgets.length > n", arg=n)
        self.page.keyboard.press("Enter")  # edit mode
        self.page.keyboard.insert_text(code)
        self.page.keyboard.press("Shift+Enter")
        if wait:
            self.wait_executed(n, timeout)
        return n

    def wait_executed(self, index: int, timeout: float = CELL_TIMEOUT) -> None:
        """Wait until cell ``index`` has an execution count (its reply arrived)."""
        self.page.wait_for_function(
            "(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];"
            " return !!c && c.model.executionCount !== null && c.model.executionCount !== undefined"
            " && !c.node.querySelector('.jp-InputPrompt').textContent.includes('*'); }",
            arg=index, timeout=timeout)

    def executed(self, index: int) -> bool:
        return self.page.evaluate(
            "(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];"
            " return c.model.executionCount !== null && !c.node.querySelector('.jp-InputPrompt')"
            ".textContent.includes('*'); }", index)

    def output_text(self, index: int) -> str:
        """The text of a cell's outputs (plain text parts and streams)."""
        return self.page.evaluate(
            "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.outputs.toJSON()"
            ".map(o => o.text || (o.data && o.data['text/plain']) || (o.ename ? o.ename + ': ' + o.evalue : ''))"
            ".map(t => Array.isArray(t) ? t.join('') : t).join('\\n')", index)

    def save(self) -> None:
        """Save the notebook (outputs included), as Ctrl+S does."""
        self.command("docmanager:save")
        self.page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
                                    timeout=30_000)

    def set_theme(self, name: str) -> None:
        """Switch the JupyterLab theme ("JupyterLab Light" or "JupyterLab Dark") as the menu does."""
        self.command("apputils:change-theme", {"theme": name})
        self.page.wait_for_function("(n) => document.body.dataset.jpThemeName === n", arg=name,
                                    timeout=30_000)
        # and the theme's colours are in force (its stylesheet has loaded)
        self.page.wait_for_function(_THEME_APPLIED_JS, timeout=30_000)
