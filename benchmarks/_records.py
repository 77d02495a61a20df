"""The run records a benchmark script writes next to its printed table (its ``--out`` file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_records(path: Path | None, records: Any) -> None:
    """Write ``records`` as indented JSON to ``path``, making its folder; None: no file."""
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records, indent=1, default=float))


def run_part(parts: dict, args: Any) -> int:
    """Run ``parts[args.part](args)``, say which engine it measured, and write its rows to a
    timestamped JSON file in ``args.out`` (the shape shared by bench_scale and bench_coordinator)."""
    import os
    import sys
    import time

    import jupyter_automl

    args.out.mkdir(parents=True, exist_ok=True)
    print(f"# {args.part}: jupyter_automl from {Path(jupyter_automl.__file__).parent}, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    rows = parts[args.part](args)
    out = args.out / f"{args.part}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"part": args.part, "argv": sys.argv[1:], "rows": rows}, indent=1))
    print(f"# written to {out}")
    return 0
