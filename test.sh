#!/usr/bin/env bash
# The whole test suite: unit, integration (real SQLite, PostgreSQL, Dask, processes), example
# notebooks, front-end (node) and browser tests (real JupyterLab + headless Chromium).
# Extra arguments go to pytest, e.g.  bash test.sh -m "not browser"
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
