#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian machine: system packages, then a venv with the project.
# Usage: bash scripts/setup.sh [extras]   (extras default to "test")
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-test}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need_apt+=(postgresql)
command -v npm >/dev/null || need_apt+=(nodejs npm)
if [ "${#need_apt[@]}" -gt 0 ] && [ "$extras" != "run" ]; then
  echo "== installing system packages: ${need_apt[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
elif ! command -v npm >/dev/null; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
echo "== installing jupyter_automl[$extras] (builds the front-end with npm)"
if [ "$extras" = "run" ]; then
  .venv/bin/pip install -q -e .
else
  .venv/bin/pip install -q -e ".[$extras]"
fi
