#!/usr/bin/env bash
# The whole test suite: unit, conformance, integration (real SQLite, PostgreSQL, Dask, processes),
# the package's doctests, front-end (node) and browser tests (real JupyterLab + headless Chromium).
# Installs what is missing first (scripts/setup.sh; quick when nothing changed).
# Extra arguments go to pytest, e.g.  bash test.sh -m "not browser"   or   bash test.sh tests/unit
# Under CI (CI set), a JUnit report is written to test-artifacts/junit.xml.
# It runs on two pytest-xdist workers, a test file each at a time (--dist loadfile: a file's
# fixtures, such as a cluster, serve its tests on one worker). tests/conftest.py keeps all the
# browser tests on one worker, and runs the tests marked `alone` (every browser test, the Dask and
# PostgreSQL fault tests) while no other test runs. TEST_WORKERS=0 runs it in one process.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
args=(-n "${TEST_WORKERS:-2}" --dist loadfile)
if [ -n "${CI:-}" ]; then
  mkdir -p test-artifacts
  args+=(--junitxml=test-artifacts/junit.xml -p no:cacheprovider)
fi
exec .venv/bin/python -m pytest ${args[@]+"${args[@]}"} "$@"
