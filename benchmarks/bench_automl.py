"""Benchmark jupyter_automl against plain baselines and the anchor table (issue 2, deliverable 7).

Runs every system on every dataset of ../shared/datasets with the protocol of
../shared/bench/README.md (75/25 split per seed, metric matched to the task), each run in a fresh
process, one at a time, and prints the two tables of ../shared/bench/anchors-60s-public.md with
this run's rows next to the anchors' systems, then the goal checks of issue 2.

    .venv/bin/python benchmarks/bench_automl.py                          # 60 s, seed 0, all datasets
    .venv/bin/python benchmarks/bench_automl.py --budget 10 --datasets wine glass diabetes_sklearn
    .venv/bin/python benchmarks/bench_automl.py --report-only --out benchmarks/results/<run>

Results go to ``--out`` (default ``benchmarks/results/<date>-b<budget>/``): ``results.jsonl``
(one record per run, appended as runs finish), ``results.md`` (the tables) and one log per run.
``--resume`` skips the runs already in ``results.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from _anchors import read_anchors
from _protocol import DEFAULT_ANCHORS, DEFAULT_DATASETS_DIR, dataset_names
from _render import render
from _systems import SYSTEMS
from _table import build

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CHILD = HERE / "_run_one.py"
RESULTS_FILE = "results.jsonl"
TABLE_FILE = "results.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", type=float, default=60.0, help="time budget in seconds (default 60)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="split and search seeds (default 0)")
    p.add_argument("--datasets", nargs="+", default=None, help="dataset names (default: all)")
    p.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS,
                   help=f"systems to run (default: {' '.join(SYSTEMS)})")
    p.add_argument("--out", type=Path, default=None,
                   help="results folder (default benchmarks/results/<date>-b<budget>)")
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR,
                   help="folder with load.py and manifest.json (default ../shared/datasets)")
    p.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS,
                   help="anchor table (default ../shared/bench/anchors-60s-public.md)")
    p.add_argument("--timeout", type=float, default=None,
                   help="kill a run after this many seconds (default 3 x budget + 300)")
    p.add_argument("--resume", action="store_true", help="skip runs already in --out")
    p.add_argument("--report-only", action="store_true",
                   help="print the tables of the results already in --out; run nothing")
    return p.parse_args(argv)


def run_one(system: str, dataset: str, seed: int, args: argparse.Namespace, out: Path) -> dict:
    """Start one fresh process, wait for it (``os.wait4`` gives its peak RSS), return its record."""
    log_path = out / "logs" / f"{dataset}-{system}-s{seed}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    timeout = args.timeout or 3 * args.budget + 300
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        # The child runs in an empty folder so nothing it writes lands in the repo; we look at
        # what it left (storage="memory" should leave nothing).
        result = Path(work) / "result.json"
        cmd = [sys.executable, str(CHILD), "--system", system, "--dataset", dataset,
               "--seed", str(seed), "--budget", str(args.budget),
               "--datasets-dir", str(args.datasets_dir.resolve()), "--result", str(result)]
        with log_path.open("w") as log:
            t0 = time.monotonic()
            proc = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT)
            killer = threading.Timer(timeout, proc.kill)
            killer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                killer.cancel()
            wall = time.monotonic() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
        left = sorted(str(p.relative_to(work)) for p in Path(work).rglob("*")
                      if p.is_file() and p != result)
        if result.exists():
            record = json.loads(result.read_text())
        else:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
            reason = (f"killed after {timeout:.0f} s" if wall >= timeout
                      else f"exit code {proc.returncode}")
            record = {"system": system, "dataset": dataset, "seed": seed, "budget": args.budget,
                      "status": "failed", "error": f"{reason}: {' / '.join(tail)}"}
    record.update(wall_s=round(wall, 3), peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
                  returncode=proc.returncode, load_before=round(load_before, 2),
                  load_after=round(os.getloadavg()[0], 2), files_left=left[:20],
                  log=str(log_path.relative_to(out)))
    return record


def _key(record: dict) -> tuple:
    return record["system"], record["dataset"], int(record["seed"]), float(record["budget"])


def read_results(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out or RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}-b{args.budget:g}"
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / RESULTS_FILE
    anchors = read_anchors(args.anchors) if args.anchors.exists() else None
    if anchors is None:
        print(f"note: no anchors file at {args.anchors}; printing this run's systems only",
              file=sys.stderr)

    records = read_results(results_path) if (args.resume or args.report_only) else []
    if not args.report_only:
        datasets = args.datasets or dataset_names(args.datasets_dir)
        done = {_key(r) for r in records}
        plan = [(system, d, seed) for seed in args.seeds for d in datasets for system in args.systems
                if (system, d, seed, float(args.budget)) not in done]
        print(f"{len(plan)} run(s), budget {args.budget:g} s, results in {out}", file=sys.stderr)
        for i, (system, d, seed) in enumerate(plan, 1):
            record = run_one(system, d, seed, args, out)
            records.append(record)
            with results_path.open("a") as f:
                f.write(json.dumps(record) + "\n")
            figure = (f"{record['metric']}={record['primary']:.4f} fit {record['fit_s']:.1f} s"
                      if record["status"] == "ok" else record.get("error", "")[:200])
            print(f"[{i}/{len(plan)}] {d} {system} seed {seed}: {record['status']} {figure}, "
                  f"wall {record['wall_s']:.1f} s, {record['peak_rss_mb']:.0f} MB, "
                  f"load {record['load_before']:.1f}", file=sys.stderr, flush=True)
        if args.datasets:
            records = [r for r in records if r["dataset"] in args.datasets]
    if not records:
        print(f"no results in {results_path}", file=sys.stderr)
        return 1

    budgets = sorted({r["budget"] for r in records})
    seeds = sorted({r["seed"] for r in records})
    title = (f"jupyter_automl benchmark: {', '.join(f'{b:g}' for b in budgets)} s budget, "
             f"seed(s) {', '.join(map(str, seeds))}, {os.cpu_count()} cores, "
             f"{datetime.now():%Y-%m-%d}")
    text = render(build(records, anchors, order=list(SYSTEMS)), anchors, title)
    (out / TABLE_FILE).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
