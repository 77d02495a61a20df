#!/usr/bin/env bash
# The whole test suite: unit, conformance, integration (real SQLite, PostgreSQL, Dask, processes),
# the package's doctests, front-end (node) and browser tests (real JupyterLab + headless Chromium).
# Installs what is missing first (scripts/setup.sh; quick when nothing changed).
# Extra arguments go to pytest, e.g.  bash test.sh -m "not browser"   or   bash test.sh tests/unit
# Under CI (CI set), a JUnit report is written to test-artifacts/junit.xml.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
args=()
if [ -n "${CI:-}" ]; then
  mkdir -p test-artifacts
  args+=(--junitxml=test-artifacts/junit.xml -p no:cacheprovider)
fi
exec .venv/bin/python -m pytest ${args[@]+"${args[@]}"} "$@"
