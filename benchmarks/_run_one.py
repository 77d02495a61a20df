"""One system on one dataset and seed, in the fresh process ``bench_automl.py`` starts for it.

    python benchmarks/_run_one.py --system hgb_default --dataset wine --seed 0 --budget 60 \
        --result result.json

Writes one JSON object to ``--result``: the test metrics, the system's own fit and predict
seconds and its extra figures, or the error. Wall time and peak memory are measured by the
parent (``os.wait4``), which sees the whole process.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import traceback
from pathlib import Path

T_PROCESS = time.monotonic()

from _protocol import DEFAULT_DATASETS_DIR, load_split, score  # noqa: E402
from _systems import RUNNERS  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", required=True, choices=sorted(RUNNERS))
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)

    record: dict = {"system": args.system, "dataset": args.dataset, "seed": args.seed,
                    "budget": args.budget}
    try:
        t_load = time.monotonic()
        split = load_split(args.dataset, args.seed, args.datasets_dir)
        record.update(task=split.task, metric=split.metric, split=split.meta.get("split", "public"),
                      n_train=len(split.y_train), n_test=len(split.y_test),
                      load_s=round(time.monotonic() - t_load, 3))
        outcome = RUNNERS[args.system](split, args.budget, args.seed)
        record.update(score(split, outcome.proba, outcome.pred, outcome.classes))
        record.update(status="ok", fit_s=round(outcome.fit_s, 3),
                      predict_s=round(outcome.predict_s, 3), **outcome.extra)
    except Exception as exc:  # a failed run is a result, reported in the table
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc()[-4000:])
    kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    record["self_peak_rss_mb"] = round(kib / 1024, 1)  # Linux reports KiB
    record["process_s"] = round(time.monotonic() - T_PROCESS, 3)
    args.result.write_text(json.dumps(record, default=_jsonable))
    return 0 if record["status"] == "ok" else 1


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
