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
