"""The front-end: node tests of js/lib, Python and JS agreeing on the wire protocol and the
version, and the bundle in the package being built from the current js/ sources."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import jupyter_automl
from jupyter_automl.widgets import _protocol

REPO = Path(__file__).resolve().parents[3]
JS = REPO / "js"
STATIC = REPO / "jupyter_automl" / "static"
NODE_TIMEOUT = 120


def _js_constant(name: str) -> str:
    text = (JS / "lib" / "protocol.js").read_text()
    match = re.search(rf"export const {name} = (.+?);", text)
    assert match, f"{name} not found in js/lib/protocol.js"
    return match.group(1)


def test_node_tests_of_js_lib_pass():
    node = shutil.which("node")
    assert node, "node is needed to build and test the front-end; scripts/setup.sh installs it"
    run = subprocess.run([node, "--test", "tests/js/"], cwd=REPO, capture_output=True, text=True,
                         timeout=NODE_TIMEOUT)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"# pass [1-9]", run.stdout)
    assert "# fail 0" in run.stdout


def test_python_and_js_speak_the_same_protocol():
    assert int(_js_constant("PROTOCOL_VERSION")) == _protocol.PROTOCOL_VERSION
    assert json.loads(_js_constant("TO_JS")) == list(_protocol.TO_JS)
    assert json.loads(_js_constant("TO_PY")) == list(_protocol.TO_PY)


def test_front_end_version_is_the_package_version():
    assert json.loads((REPO / "package.json").read_text())["version"] == jupyter_automl.__version__


@pytest.mark.parametrize("bundle", ["live.js", "wizard.js", "styles.css"])
def test_bundle_is_built_from_the_current_sources(bundle):
    built = STATIC / bundle
    assert built.exists(), "run `npm run build` (pip install -e . does it)"
    newest_source = max(p.stat().st_mtime for p in JS.rglob("*") if p.is_file())
    assert built.stat().st_mtime >= newest_source, (
        f"{built.name} is older than js/: run `npm run build` so the package ships the current front-end")
