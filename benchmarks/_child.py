"""Run one measurement in a fresh process of this checkout and read its JSON line back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def run_child(script: str | Path, args: list[str]) -> dict:
    """``python script --child *args``; the last JSON line it prints, with ``status`` "ok" and
    ``wall_s``, or ``status`` "failed" with the end of its stderr."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)])}
    cmd = [sys.executable, str(Path(script).resolve()), "--child", *args]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        return {"status": "failed", "error": proc.stderr[-1500:], "wall_s": time.monotonic() - t0}
    return json.loads(lines[-1]) | {"status": "ok", "wall_s": round(time.monotonic() - t0, 2)}
