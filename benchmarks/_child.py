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


def run_one_child(script: str | Path, args: list[str], result: Path, row: dict,
                  timeout: float) -> dict:
    """``python script --one *args --result result`` with this checkout's engine first on the
    path; ``row`` plus ``process_s`` and ``status``, and the JSON the child wrote on success."""
    cmd = [sys.executable, str(Path(script).resolve()), "--one", *args, "--result", str(result)]
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    row = row | {"load_at_start": round(os.getloadavg()[0], 2)}
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE, env=env, timeout=timeout)
    row["process_s"] = round(time.monotonic() - t0, 1)
    if done.returncode != 0 or not result.exists():
        return row | {"status": "failed", "error": done.stderr[-2000:]}
    return row | {"status": "ok"} | json.loads(result.read_text())


def median_ok(rows: list[dict], key: str) -> float | None:
    """The median of ``key`` over the rows that ran ("ok") and have it; None when none has."""
    import statistics

    values = [r[key] for r in rows if r.get("status") == "ok" and r.get(key) is not None]
    return statistics.median(values) if values else None
