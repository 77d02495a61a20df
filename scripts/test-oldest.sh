#!/usr/bin/env bash
# The unit and integration suites against the OLDEST supported versions: the lower bounds of
# pyproject.toml, pinned exactly in tests/oldest-constraints.txt, installed into .venv-oldest.
# The package itself is installed from this checkout (editable, without dependencies: the
# console script `jupyter-automl` is tested too); only the dependencies differ from .venv.
# Usage: bash scripts/test-oldest.sh [pytest args]     (default: tests/unit tests/integration)
# Re-running is quick: the install is skipped while pyproject.toml and the constraints are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-oldest
say() { echo "== $*" >&2; }

if ! "$venv/bin/python" -c "import sys" 2>/dev/null; then
  say "creating $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi

stamp="$venv/.jupyter_automl-oldest"
hash=$(cat pyproject.toml tests/oldest-constraints.txt | sha256sum | cut -d' ' -f1)
if [ -n "${FORCE_SETUP:-}" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
  say "installing the oldest supported dependencies into $venv"
  # the project's requirements (core and the test extra), read from pyproject.toml
  mapfile -t reqs < <("$venv/bin/python" - <<'PY'
try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib
with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
for req in project["dependencies"] + project["optional-dependencies"]["test"]:
    print(req)
PY
)
  "$venv/bin/python" -m pip install -q --retries 5 --timeout 60 \
    -c tests/oldest-constraints.txt "${reqs[@]}"
  # every pin in the constraints file must be what got installed: a pin that the resolver
  # could not honour would make this run test something else
  "$venv/bin/python" - <<'PY'
import re, sys
from importlib.metadata import PackageNotFoundError, version
wrong = []
for line in open("tests/oldest-constraints.txt"):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = re.split(r"\s*==\s*", line)
    try:
        got = version(name)
    except PackageNotFoundError:
        got = None
    if got != want:
        wrong.append(f"{name}: pinned {want}, installed {got}")
if wrong:
    sys.exit("the oldest environment differs from tests/oldest-constraints.txt:\n  " + "\n  ".join(wrong))
PY
  "$venv/bin/python" -m pip install -q --retries 5 --timeout 60 --no-deps -e .
  echo "$hash" > "$stamp"
fi

[ "$#" -gt 0 ] || set -- tests/unit tests/integration
say "running pytest $* with the oldest supported versions"
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
