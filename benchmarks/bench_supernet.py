"""Supernet NAS against standard NAS: test score, training epochs, Kendall tau of inherited scores.

``AutoML(families=["nas"], nas="supernet")`` against ``nas="standard"``, on the public suite's
protocol split, in the same run.

Each (mode, dataset, seed) runs in a fresh process of this checkout. Reported per run: the test
score (the protocol's primary metric), the fit time, the network epochs the search trained
(``search_.training_epochs``: every fold of every trial, plus the supernet's single-path epochs;
the final refit is not counted), and for supernet runs the Kendall tau between the retrained
trials' inherited-weight scores and their own cross-validated scores (3 trials: a coarse check;
``bench_supernet_rank.py`` measures the ranking on 20+ paths). The issue's goal: the supernet's
best within 1 % of standard NAS's at no more than a third of its training epochs. Run it under
``bench-lock`` (exclusive CPU).

    python benchmarks/bench_supernet.py --datasets digits wine german_credit --seeds 0 1 2 --budget 60
    python benchmarks/bench_supernet.py --modes supernet --datasets wine --budget 10
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

from _child import run_child  # this script's folder is on sys.path

HERE = Path(__file__).resolve().parent
MODES = ("standard", "supernet")


def child(args) -> dict:
    """One search in this process (``--child``): fit, then score on the test split."""
    import numpy as np
    from _protocol import PRIMARY, load_split, score
    from scipy.stats import kendalltau

    from jupyter_automl import AutoML

    split = load_split(args.dataset, args.seed, args.datasets_dir)
    kwargs = {"positive_class": split.meta["positive_class"]} if split.task == "binary" else {}
    automl = AutoML(task=split.task, metric=PRIMARY[split.task], time_budget=args.budget,
                    seed=args.seed, storage="memory", families=["nas"], nas=args.mode, **kwargs)
    t0 = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl.fit(split.X_train, split.y_train)
    fit_s = time.monotonic() - t0
    proba = automl.predict_proba(split.X_test) if split.task != "regression" else None
    out = score(split, proba, automl.predict(split.X_test), getattr(automl, "classes_", None))
    board = automl.leaderboard()
    result = automl.search_
    tau = None
    if "inherited_score" in board:
        retrained = board[(board["status"] == "finished") & board["inherited_score"].notna()]
        if len(retrained) >= 2:
            tau = kendalltau(retrained["inherited_score"], retrained["score"])[0]
    inherited = int(board["inherited_weights"].sum()) if "inherited_weights" in board else 0
    study = automl.handle_.study
    trained = board[~board["inherited_weights"]] if inherited else board
    rows = [{"trial": int(r.trial), "status": r.status, "n_folds": int(r.n_folds), "score": r.score,
             "inherited_score": getattr(r, "inherited_score", None),
             "epochs": study.trials[int(r.trial)].user_attrs.get("epochs_total"), "reason": r.reason}
            for r in trained.itertuples()]
    return out | {"fit_s": round(fit_s, 2), "cv_score": automl.cv_score_, "reason": result.reason,
                  "training_epochs": result.training_epochs, "supernet": result.supernet,
                  "n_trials": len(board) - inherited, "n_inherited": inherited,
                  "n_finished": int((board["status"] == "finished").sum()),
                  "tau_retrained": None if tau is None or np.isnan(tau) else float(tau),
                  "model": result.description, "trials": rows}


def _run(mode: str, args, dataset: str, seed: int) -> dict:
    return run_child(__file__, ["--mode", mode, "--dataset", dataset, "--seed", str(seed),
                                "--budget", str(args.budget), "--datasets-dir", str(args.datasets_dir)])


def _fmt(value, spec: str) -> str:
    return "" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(HERE))
    from _protocol import DEFAULT_DATASETS_DIR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=["digits", "wine", "german_credit"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES)
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args), default=float), flush=True)
        return 0
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            for mode in args.modes:
                r = _run(mode, args, dataset, seed) | {"mode": mode, "dataset": dataset, "seed": seed}
                rows.append(r)
                print(json.dumps({k: r.get(k) for k in ("mode", "dataset", "seed", "status", "primary",
                                  "training_epochs", "tau_retrained", "fit_s", "reason", "error")},
                                 default=float), flush=True)
    print("\n| mode | dataset | seed | test primary | accuracy or r2 | training epochs | supernet "
          "epochs (single-path) | candidates | tau inherited vs retrained | trials | fit s | ended |")
    print("|---" * 12 + "|")
    for r in rows:
        if r["status"] != "ok":
            why = r["error"].strip().splitlines()[-1][:120] if r.get("error") else ""
            print(f"| {r['mode']} | {r['dataset']} | {r['seed']} | failed: {why} |" + " |" * 8)
            continue
        sn = r.get("supernet") or {}
        print(f"| {r['mode']} | {r['dataset']} | {r['seed']} | {r['primary']:.4f} | "
              f"{r['secondary']:.4f} | {r['training_epochs']} | "
              f"{_fmt(sn.get('epochs'), 'd')} ({_fmt(sn.get('path_epochs'), 'd')}) | "
              f"{_fmt(sn.get('n_candidates'), 'd')} | {_fmt(r['tau_retrained'], '.2f')} | "
              f"{r['n_trials']} | {r['fit_s']:.1f} | {r['reason']} |")
    print(f"budget {args.budget:.0f} s; load average {os.getloadavg()[0]:.2f}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
