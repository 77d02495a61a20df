#!/usr/bin/env bash
# The main job: install, then open JupyterLab on the quickstart notebook (demo data built in).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh run
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
exec .venv/bin/jupyter lab "${extra[@]}" example_notebooks/quickstart.ipynb "$@"
