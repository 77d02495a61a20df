"""Epoch-level pruning of the ``nas`` family against no pruning: time to the same best CV score.

``AutoML(families=["nas"])`` with its epoch rungs (``pruner="auto"``) against ``pruner="none"``
(every network trains every fold to the end), same dataset, seed and budget, each in a fresh
process of this checkout, in the same run. Both arms score networks on the same CV folds, so their
cross-validated scores compare. From each run's ``TrialFinished`` events (``t``: seconds since the
search began) the best score so far is a step curve; the target is the no-pruning arm's final best,
and the figure is the time the pruning arm needs to reach it divided by the time the no-pruning arm
needed (the issue's goal: at most 0.5). A pruning arm that never reaches it within the budget
counts as not reached (its gap is printed). Run it under ``bench-lock`` (exclusive CPU).

    python benchmarks/bench_epoch_pruning.py --datasets digits wine breast_cancer --seeds 0 1 2 --budget 60

``--design defaults`` (the default) measures the search as a user runs it: the default networks
first, then TPE. Both arms train the defaults alike, and their best is often the first default,
so the rungs cannot reach it sooner. ``--design sampled`` tries to measure the pruner itself, as
the Hyperband papers do: no default networks (the child clears the ``nas`` family's defaults; it
is a fresh process), Optuna's random sampler with the run's seed. The table's "first trials
offered alike" counts the trials both arms were offered with the same params, in order (they part
ways once their trials end at different times); ``--jobs 1`` runs a sequential search.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

from _child import run_child  # this script's folder is on sys.path
from _records import write_records

HERE = Path(__file__).resolve().parent
ARMS = {"rungs": "auto", "none": "none"}  # arm -> AutoML's pruner


def child(args) -> dict:
    """One search in this process (``--child``): the finished trials' (t, CV score)."""
    from _protocol import PRIMARY, load_split

    from jupyter_automl import AutoML

    split = load_split(args.dataset, args.seed, args.datasets_dir)
    kwargs = {"positive_class": split.meta["positive_class"]} if split.task == "binary" else {}
    if args.design == "sampled":  # the same random architectures in both arms, no defaults
        from jupyter_automl.search.space import FAMILIES

        FAMILIES["nas"].defaults = lambda problem: []
        kwargs |= {"sampler": "random", "warm_start": False}
    automl = AutoML(task=split.task, metric=PRIMARY[split.task], time_budget=args.budget,
                    seed=args.seed, storage="memory", families=["nas"], ensemble=False,
                    pruner=ARMS[args.arm], n_jobs=args.jobs, **kwargs)
    t0 = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl.fit(split.X_train, split.y_train)
    events = automl.handle_.events()
    finished = [(e.t, e.score) for e in events if e.kind == "trial_finished"]
    started = [json.dumps(e.params, sort_keys=True, default=str) for e in events if e.kind == "trial_started"]
    board = automl.leaderboard()
    reasons = board["reason"].astype(str)
    return {"finished": finished, "greater_is_better": automl.problem_.metric.greater_is_better,
            "fit_s": round(time.monotonic() - t0, 2), "n_trials": len(board), "started": started,
            "n_pruned_epoch": int(reasons.str.startswith("pruned at epoch").sum()),
            "epochs_trained": int(board["epochs"].fillna(0).sum()) if "epochs" in board else None}


def time_to_reach(finished: list, target: float, greater: bool) -> float | None:
    """Seconds until a finished trial's score equals or beats ``target``; None if none did."""
    for t, score in sorted(finished):
        if (score >= target) if greater else (score <= target):
            return t
    return None


def compare(rungs: dict, none: dict) -> dict:
    """The pruning arm's time to the no-pruning arm's best, as a share of the latter's time."""
    greater = none["greater_is_better"]
    pick = max if greater else min
    if not none["finished"]:
        return {"target": None, "ratio": None}
    target = pick(s for _, s in none["finished"])
    t_none = time_to_reach(none["finished"], target, greater)
    t_rungs = time_to_reach(rungs["finished"], target, greater) if rungs["finished"] else None
    best_rungs = pick(s for _, s in rungs["finished"]) if rungs["finished"] else None
    return {"target": target, "t_none": t_none, "t_rungs": t_rungs, "best_rungs": best_rungs,
            "ratio": None if t_rungs is None else t_rungs / max(t_none, 1e-9),
            "same_first": same_prefix(rungs.get("started", []), none.get("started", []))}


def same_prefix(a: list, b: list) -> int:
    """How many first trials the two arms were offered alike (the same params, in order)."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _run(arm: str, args, dataset: str, seed: int) -> dict:
    return run_child(__file__, ["--arm", arm, "--dataset", dataset, "--seed", str(seed),
                                "--budget", str(args.budget), "--datasets-dir", str(args.datasets_dir),
                                "--design", args.design, "--jobs", str(args.jobs)])


def _fmt(value, spec: str, missing: str = "") -> str:
    return missing if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(HERE))
    from _protocol import DEFAULT_DATASETS_DIR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=["digits", "wine", "breast_cancer"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--design", choices=("defaults", "sampled"), default="defaults",
                        help="defaults: the search as a user runs it; sampled: the same random "
                             "architectures in both arms, no default networks (the pruner alone)")
    parser.add_argument("--jobs", type=int, default=-1,
                        help="AutoML's n_jobs (1: a sequential search, so that with --design sampled "
                             "both arms are offered the same architectures in the same order)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--arm", choices=list(ARMS), help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args), default=float), flush=True)
        return 0
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            runs = {arm: _run(arm, args, dataset, seed) for arm in ARMS}
            row = {"dataset": dataset, "seed": seed, "runs": runs}
            if all(r["status"] == "ok" for r in runs.values()):
                row |= compare(runs["rungs"], runs["none"])
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "runs"}, default=float), flush=True)
    print("\n| dataset | seed | no pruning: best CV / reached at s / trials | epoch rungs: best CV / "
          "reached no-pruning's best at s / trials (pruned at a rung) | first trials offered alike | time ratio |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        none, rungs = r["runs"]["none"], r["runs"]["rungs"]
        if none["status"] != "ok" or rungs["status"] != "ok":
            print(f"| {r['dataset']} | {r['seed']} | failed | | | |")
            continue
        print(f"| {r['dataset']} | {r['seed']} | {_fmt(r['target'], '.4f')} / "
              f"{_fmt(r.get('t_none'), '.1f')} / {none['n_trials']} | "
              f"{_fmt(r.get('best_rungs'), '.4f')} / {_fmt(r.get('t_rungs'), '.1f', 'not reached')} / "
              f"{rungs['n_trials']} ({rungs['n_pruned_epoch']}) | {r.get('same_first')} | "
              f"{_fmt(r.get('ratio'), '.2f', '—')} |")
    for dataset in args.datasets:
        ratios = [r["ratio"] if r.get("ratio") is not None else float("inf")
                  for r in rows if r["dataset"] == dataset and r.get("target") is not None]
        if ratios:
            print(f"{dataset}: median time ratio {statistics.median(ratios):.2f} over {len(ratios)} seeds "
                  f"(inf = not reached)")
    print(f"design {args.design}; n_jobs {args.jobs}; budget {args.budget:.0f} s; load average {os.getloadavg()[0]:.2f}")
    write_records(args.out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
