"""The opt-in ``nas`` family (``AutoML(families=["nas"])``) against the default ``neural``
family (scikit-learn's MLP, 1-3 layers), on the public suite's protocol split, in the same run.

Each (variant, dataset, seed) runs in a fresh process of this checkout, so both are measured on
the same machine minutes apart. Scores are on the test split (primary metric of the protocol;
accuracy for classification too); the normalised score uses the anchors' constant predictor and
best system. Run it under ``bench-lock`` (exclusive CPU).

    python benchmarks/bench_nas.py --datasets digits breast_cancer --seeds 0 --budget 60
    python benchmarks/bench_nas.py --variants nas --datasets digits      # the nas family only
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
from _records import write_records

HERE = Path(__file__).resolve().parent
FAMILY = {"nas": "nas", "mlp": "neural"}  # variant -> the family it searches


def child(args) -> dict:
    """One search in this process (``--child``): fit, then score on the test split."""
    import numpy as np
    from _protocol import PRIMARY, load_split, score

    from jupyter_automl import AutoML

    split = load_split(args.dataset, args.seed, args.datasets_dir)
    kwargs = {"positive_class": split.meta["positive_class"]} if split.task == "binary" else {}
    automl = AutoML(task=split.task, metric=PRIMARY[split.task], time_budget=args.budget,
                    seed=args.seed, storage="memory", families=[FAMILY[args.variant]], **kwargs)
    t0 = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl.fit(split.X_train, split.y_train)
    fit_s = time.monotonic() - t0
    proba = automl.predict_proba(split.X_test) if split.task != "regression" else None
    pred = automl.predict(split.X_test)
    out = score(split, proba, pred, getattr(automl, "classes_", None))
    board = automl.leaderboard()
    epochs = board["epochs"].dropna().tolist() if "epochs" in board else []
    reasons = board["reason"].astype(str)
    return out | {"fit_s": round(fit_s, 2), "cv_score": automl.cv_score_,
                  "n_trials": len(board), "n_finished": int((board["status"] == "finished").sum()),
                  "n_pruned_epoch": int(reasons.str.startswith("pruned at epoch").sum()),
                  "n_pruned": int((board["status"] == "pruned").sum()),
                  "epochs_trained": float(np.sum(epochs)) if epochs else None,
                  "model": automl.search_.description}


def _run(variant: str, args, dataset: str, seed: int) -> dict:
    return run_child(__file__, ["--variant", variant, "--dataset", dataset, "--seed", str(seed),
                                "--budget", str(args.budget), "--datasets-dir", str(args.datasets_dir)])


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(HERE))
    from _anchors import read_anchors
    from _nn_inputs import normalised
    from _protocol import DEFAULT_ANCHORS, DEFAULT_DATASETS_DIR, GREATER_IS_BETTER

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=["digits", "breast_cancer"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--variants", nargs="*", default=["nas", "mlp"], choices=["nas", "mlp"])
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=list(FAMILY), help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args), default=float), flush=True)
        return 0
    anchors = read_anchors(args.anchors)
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            for variant in args.variants:
                r = _run(variant, args, dataset, seed) | {
                    "variant": variant, "dataset": dataset, "seed": seed}
                if r["status"] == "ok":
                    metric = anchors.datasets[dataset]["metric"]
                    pick = max if GREATER_IS_BETTER[metric] else min
                    best = pick(v for v in anchors.scores[dataset].values() if v is not None)
                    r["norm"] = normalised(r["primary"], anchors.score(dataset, "constant"), best)
                rows.append(r)
                print(json.dumps({k: r.get(k) for k in ("variant", "dataset", "seed", "status",
                                  "primary", "norm", "secondary", "fit_s", "n_trials",
                                  "n_finished", "n_pruned_epoch", "model", "error")},
                                 default=float), flush=True)
    print("\n| variant | dataset | seed | primary | normalised | accuracy or r2 | fit s | trials "
          "(finished / pruned at an epoch) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["status"] != "ok":
            print(f"| {r['variant']} | {r['dataset']} | {r['seed']} | failed | | | | |")
            continue
        print(f"| {r['variant']} | {r['dataset']} | {r['seed']} | {r['primary']:.4f} | "
              f"{r['norm']:.3f} | {r['secondary']:.4f} | {r['fit_s']:.1f} | "
              f"{r['n_trials']} ({r['n_finished']} / {r['n_pruned_epoch']}) |")
    for variant in args.variants:
        norms = [r["norm"] for r in rows if r["variant"] == variant and r["status"] == "ok"]
        if norms:
            print(f"mean normalised {variant}: {sum(norms) / len(norms):.3f} over {len(norms)} runs")
    print(f"budget {args.budget:.0f} s; load average {os.getloadavg()[0]:.2f}")
    write_records(args.out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
