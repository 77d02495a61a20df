"""How well a weight-sharing supernet ranks architectures (Kendall tau), and what it costs.

Per dataset: the protocol's training split (seed 0) is cut 80/20 into fit and validation rows.
One supernet trains on the fit rows; then >= 20 sampled sub-networks (paths) are scored on the
validation rows: with the inherited weights; after a few epochs of fine-tuning from them; and
after standalone training from scratch (same epochs as the supernet), at the best epoch (as
epoch-level stopping keeps it) and at the last. Reported: Kendall tau between inherited (or
fine-tuned) and standalone scores, and, as the ceiling, between two standalone trainings with
different seeds; the standalone score of the path the supernet ranks first (and the best of its
top 3 retrained) against the best standalone path; the single-network epochs each way.

The space is the engine's (``nas="supernet"``'s ``SUPERNET``). ``--sampling`` trains one supernet
per way of drawing paths, on the same rows, and ranks the same paths with each: ``sandwich`` (the
widest, the narrowest and two random paths every step) and ``single`` (one uniformly drawn path per
step, single-path one-shot NAS's rule). Fine-tuning starts from the first one's weights.

    python benchmarks/bench_supernet_rank.py
    python benchmarks/bench_supernet_rank.py --datasets digits --paths 30 --epochs 40
    python benchmarks/bench_supernet_rank.py --sampling sandwich single --datasets wine breast_cancer
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import _nn_setup  # noqa: F401  (first: it sets the thread variables before numpy loads)
import numpy as np
from _nn_inputs import NetworkInputs, fold_score
from _protocol import DEFAULT_DATASETS_DIR, load_split
from _records import write_records
from scipy.stats import kendalltau
from sklearn.model_selection import train_test_split

from jupyter_automl.nn import SuperNet, default_max_epochs, make_network
from jupyter_automl.search._supernet_phase import SUPERNET

SAMPLING = {"sandwich": {"sandwich": True, "n_random": 2}, "single": {"sandwich": False, "n_random": 1}}


def run(name: str, args) -> dict:
    split = load_split(name, args.seed, args.datasets_dir)
    task, positive = split.task, split.meta.get("positive_class")
    classification = task != "regression"
    X, y = split.X_train, split.y_train.to_numpy()
    fit, val = train_test_split(np.arange(len(y)), test_size=0.2, random_state=args.seed,
                                stratify=y if classification else None)
    inputs = NetworkInputs.fit(X.iloc[fit], split.meta.get("categorical_columns", []))
    Xf, Xv = inputs.transform(X.iloc[fit]), inputs.transform(X.iloc[val])
    yf, yv = y[fit], y[val]
    epochs = args.epochs or default_max_epochs(len(fit), 128)
    better = max if task == "binary" else min

    supernets, supernet_s = {}, {}
    for way in args.sampling:
        t0 = time.perf_counter()
        supernets[way] = SuperNet(classification=classification, cat_cardinalities=inputs.cat_cardinalities,
                                  max_epochs=epochs, random_state=args.seed,
                                  **(SUPERNET | SAMPLING[way])).fit(Xf, yf)
        supernet_s[way] = time.perf_counter() - t0
    supernet = supernets[args.sampling[0]]
    classes = getattr(supernet, "classes_", None)

    rng = np.random.default_rng(args.seed)
    paths: list[dict] = []
    while len(paths) < args.paths:
        path = supernet.sample(rng)
        if path not in paths:
            paths.append(path)
    inherited: dict[str, list[float]] = {way: [] for way in args.sampling}
    tuned, final, standalone, again, train_s = [], [], [], [], 0.0
    tune_epochs = max(2, epochs // 10)
    for path in paths:
        for way, net in supernets.items():
            inherited[way].append(fold_score(task, yv, net.evaluate(path, Xv), classes, positive))
        # a few epochs of fine-tuning from the inherited weights
        alone = supernet.extract(path, max_epochs=tune_epochs)
        tuned_pred = [pred for _, pred in alone.iter_epochs(Xf, yf, Xv, resume=True)][-1]
        tuned.append(fold_score(task, yv, tuned_pred, classes, positive))
        # standalone from scratch, twice (two seeds: how well one training ranks another)
        for seed, out in ((args.seed, standalone), (args.seed + 1, again)):
            t0 = time.perf_counter()
            net = make_network(supernet.to_architecture(path).to_dict(), classification=classification,
                               cat_cardinalities=inputs.cat_cardinalities, max_epochs=epochs,
                               random_state=seed, n_threads=1)
            curve = [fold_score(task, yv, p, getattr(net, "classes_", None), positive)
                     for _, p in net.iter_epochs(Xf, yf, Xv)]
            train_s += time.perf_counter() - t0
            out.append(better(curve))  # at its best epoch, as epoch-level stopping would keep it
            if seed == args.seed:
                final.append(curve[-1])
        shown = " ".join(f"{scores[-1]:.4f}" for scores in inherited.values())
        print(f"  {name} {len(standalone):2d} inherited {shown} tuned {tuned[-1]:.4f} "
              f"standalone {standalone[-1]:.4f} (seed 2: {again[-1]:.4f}, last epoch {final[-1]:.4f})",
              flush=True)
    best = better(standalone)
    common = {"dataset": name, "task": task, "metric": split.metric, "n_fit": len(fit), "epochs": epochs,
              "paths": len(paths), "tau_tuned": kendalltau(tuned, standalone)[0],
              "tau_seeds": kendalltau(standalone, again)[0], "tune_epochs": tune_epochs,
              "best_standalone": best, "standalone_epochs": epochs * len(paths),
              "retrain_top3_epochs": 3 * epochs, "standalone_s": train_s / 2, "tuned": tuned,
              "standalone": standalone, "standalone_seed2": again, "final": final, "sampled": paths}
    rows = []
    for way, scores in inherited.items():
        order = sorted(range(len(paths)), key=lambda i: scores[i], reverse=task == "binary")
        rows.append(common | {
            "sampling": way, "tau": kendalltau(scores, standalone)[0],
            "tau_final": kendalltau(scores, final)[0], "supernet_top1": standalone[order[0]],
            "supernet_top3": better(standalone[i] for i in order[:3]),
            "supernet_path_epochs": supernets[way].path_epochs_, "supernet_s": supernet_s[way],
            "inherited": scores})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=["digits", "german_credit", "abalone"])
    parser.add_argument("--paths", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=None, help="default: the defaults' epoch budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sampling", nargs="+", choices=list(SAMPLING), default=["sandwich", "single"])
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    results = [row for name in args.datasets for row in run(name, args)]
    print("\n| dataset | sampling | metric | paths | epochs each | tau inherited | tau inherited vs last epoch | "
          "tau after fine-tuning | tau seed vs seed | best standalone | supernet's top-1 | "
          "best of its top-3 | epochs: supernet + top-3 | epochs: all standalone | supernet s | "
          "standalone s |")
    print("|---" * 16 + "|")
    for r in results:
        print(f"| {r['dataset']} | {r['sampling']} | {r['metric']} | {r['paths']} | {r['epochs']} | {r['tau']:.2f} | "
              f"{r['tau_final']:.2f} | {r['tau_tuned']:.2f} ({r['tune_epochs']} ep.) | {r['tau_seeds']:.2f} | "
              f"{r['best_standalone']:.4f} | {r['supernet_top1']:.4f} | {r['supernet_top3']:.4f} | "
              f"{r['supernet_path_epochs']} + {r['retrain_top3_epochs']} | {r['standalone_epochs']} | "
              f"{r['supernet_s']:.0f} | {r['standalone_s']:.0f} |")
    print(f"\nload average {os.getloadavg()[0]:.2f}")
    write_records(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
