#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian machine: system packages, then .venv with the project.
# Usage: bash scripts/setup.sh [extras]    extras: "test" (default: everything the suite needs)
#                                                   or "run" (JupyterLab and the package only)
# Re-running is quick: the pip install (which also builds the front-end with npm) is skipped while
# its inputs (pyproject.toml, package*.json, build.mjs, js/) are unchanged. FORCE_SETUP=1 redoes it.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-test}"
case "$extras" in test | run) ;; *) echo "usage: bash scripts/setup.sh [test|run]" >&2; exit 2 ;; esac

say() { echo "== $*" >&2; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "need root for: $*" >&2; return 1; fi
}

# -- system packages ----------------------------------------------------------------------------
have_postgres() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; }
need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c "import ensurepip, venv" 2>/dev/null || need_apt+=(python3-venv)
command -v npm >/dev/null || need_apt+=(nodejs npm)
if [ "$extras" = test ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)      # browser tests (Playwright drives it)
  have_postgres || need_apt+=(postgresql)                     # integration tests start a server
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  say "installing system packages: ${need_apt[*]}"
  # wait for another apt (e.g. unattended upgrades) instead of failing on its lock
  apt_opts=(-o DPkg::Lock::Timeout=300 -y -qq)
  as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install "${need_apt[@]}" >/dev/null
fi

python3 - <<'EOF' || { echo "jupyter_automl needs Python >= 3.10" >&2; exit 1; }
import sys
sys.exit(sys.version_info < (3, 10))
EOF

# -- the virtual environment --------------------------------------------------------------------
if ! .venv/bin/python -c "import sys" 2>/dev/null; then
  say "creating .venv"
  rm -rf .venv
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi

inputs_hash() {
  {
    echo "$extras $(.venv/bin/python -V 2>&1)"
    cat pyproject.toml package.json package-lock.json build.mjs 2>/dev/null
    find js -type f | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -d' ' -f1
}
stamp=".venv/.jupyter_automl-setup-$extras"
installed() {
  [ -z "${FORCE_SETUP:-}" ] || return 1
  # a "test" install has everything a "run" install has
  { [ "$(cat "$stamp" 2>/dev/null)" = "$(inputs_hash)" ] ||
    { [ "$extras" = run ] && [ "$(cat .venv/.jupyter_automl-setup-test 2>/dev/null)" = "$(extras=test inputs_hash)" ]; }; } &&
    [ -f jupyter_automl/static/live.js ] &&
    .venv/bin/python -c "import jupyter_automl" 2>/dev/null
}

if installed; then
  say "jupyter_automl[$extras] is installed and up to date (FORCE_SETUP=1 to reinstall)"
else
  say "installing jupyter_automl[$extras] (builds the front-end with npm)"
  target="."
  [ "$extras" = test ] && target=".[test]"
  .venv/bin/python -m pip install -q --retries 5 --timeout 60 -e "$target"
  [ -f jupyter_automl/static/live.js ] || { echo "the front-end bundle was not built" >&2; exit 1; }
  inputs_hash > "$stamp"
fi

# the browser tests inject axe-core (a devDependency in package.json) into the page; the build
# above installs it with the other node packages, unless node_modules predates it
if [ "$extras" = test ] && [ ! -f node_modules/axe-core/axe.min.js ]; then
  say "installing the node packages (axe-core for the accessibility checks)"
  npm install --no-audit --no-fund --loglevel=error
fi
