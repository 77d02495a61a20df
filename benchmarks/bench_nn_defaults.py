"""The default network architectures against scikit-learn's default MLP and HistGradientBoosting.

Cross-validation on the training split of the protocol's 75/25 cut only (the test split is never
looked at unless --holdout asks for a report after the choice). Per dataset and system: the
primary metric (ROC AUC, log loss or RMSE) averaged over folds, and the fit seconds per fold.
Everything runs on one thread (torch and BLAS), as one unit of work of the search does.

    python benchmarks/bench_nn_defaults.py                       # every dataset, 3 folds
    python benchmarks/bench_nn_defaults.py --datasets wine glass --folds 5
    python benchmarks/bench_nn_defaults.py --candidates all      # also the variants below
    python benchmarks/bench_nn_defaults.py --holdout             # + test-split report
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import _nn_setup  # noqa: F401  (first: it sets the thread variables before numpy loads)
import numpy as np
from _nn_inputs import NetworkInputs, constant_prediction, fold_score, normalised
from _protocol import DEFAULT_ANCHORS, DEFAULT_DATASETS_DIR, dataset_names, load_split
from _records import write_records
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from jupyter_automl.nn import (
    Architecture,
    Block,
    InputStage,
    Training,
    default_max_epochs,
    make_network,
)
from jupyter_automl.nn._defaults import DEFAULT_ARCHITECTURES

# Variants measured while choosing the defaults (--candidates all); kept so the choice can be re-run.
VARIANTS: dict[str, Architecture] = {
    "mlp_plain": Architecture(blocks=(Block(256, "relu", dropout=0.15),) * 3),
    "mlp_small": Architecture(blocks=(Block(128, "relu", dropout=0.1),) * 2),
    "mlp_ls": Architecture(blocks=(Block(256, "relu", dropout=0.15),) * 3,
                           training=Training(label_smoothing=0.1)),
    "heads8_plain": Architecture(blocks=(Block(256, "relu", dropout=0.15),) * 3, n_heads=8),
    "tabm_small": Architecture(blocks=(Block(128, "relu", dropout=0.1),) * 2, n_heads=8,
                               ensemble="tabm_mini", training=Training(lr=2e-3, weight_decay=3e-4)),
    "resnet_ln": Architecture(blocks=(Block(256, "relu", norm="layer", dropout=0.2, residual=True),) * 3),
    "ple_small": Architecture(inputs=InputStage(numeric="piecewise_linear", n_bins=16),
                              blocks=(Block(128, "relu", dropout=0.1),) * 2,
                              training=Training(label_smoothing=0.1)),
}


EPOCHS: dict[str, int] = {}  # default_max_epochs' own defaults unless the options say


def run_network(arch: Architecture, task: str, Xtr, ytr, Xva, yva, cards, seed, classes, positive,
                with_pred: bool = False):
    if task == "regression":
        arch = arch.replace(training={"label_smoothing": 0.0})
    arch = arch.to_dict()
    n = len(Xtr)
    epochs = default_max_epochs(n, arch["training"]["batch_size"], **EPOCHS)
    net = make_network(arch, classification=task != "regression", backend="torch",
                       cat_cardinalities=cards, max_epochs=epochs, random_state=seed, n_threads=1)
    curve = []
    for _, pred in net.iter_epochs(Xtr, ytr, Xva):
        curve.append(fold_score(task, yva, pred, getattr(net, "classes_", None), positive))
    best = int(np.argmax(curve) if task == "binary" else np.argmin(curve))
    extra = {"epochs": epochs, "best_epoch": best + 1, "best_score": curve[best], "curve": curve}
    if with_pred:
        extra["pred"] = pred
        extra["classes"] = getattr(net, "classes_", None)
    return curve[-1], extra


def run_sklearn(kind: str, task: str, Xtr, ytr, Xva, cards, seed):
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    k = len(cards)
    regression = task == "regression"
    if kind == "hgb":
        cls = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
        # codes 1..card, 0 (missing) -> NaN: the native categorical support
        X1, X2 = Xtr.copy(), Xva.copy()
        for X in (X1, X2):
            X[:, :k][X[:, :k] == 0] = np.nan
        model = cls(categorical_features=list(range(k)) or None, random_state=seed).fit(X1, ytr)
        Xva = X2
    else:
        prep = ColumnTransformer([
            ("cat", OneHotEncoder(handle_unknown="ignore"), list(range(k))),
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True,
                                                keep_empty_features=True), StandardScaler()),
             list(range(k, Xtr.shape[1])))])
        mlp = (TransformedTargetRegressor(MLPRegressor(random_state=seed), transformer=StandardScaler())
               if regression else MLPClassifier(random_state=seed))
        model = Pipeline([("prep", prep), ("mlp", mlp)]).fit(Xtr, ytr)
    return model.predict(Xva) if regression else model.predict_proba(Xva), getattr(model, "classes_", None)


def evaluate(name: str, split, args, candidates: dict[str, Architecture]) -> list[dict]:
    task, positive = split.task, split.meta.get("positive_class")
    X, y = split.X_train, split.y_train.to_numpy()
    if len(X) > args.max_rows:
        keep, _ = train_test_split(np.arange(len(X)), train_size=args.max_rows, random_state=args.seed,
                                   stratify=y if task != "regression" else None)
        X, y = X.iloc[keep], y[keep]
    splitter = (KFold(args.folds, shuffle=True, random_state=args.seed) if task == "regression"
                else StratifiedKFold(args.folds, shuffle=True, random_state=args.seed))
    cats = split.meta.get("categorical_columns", [])
    classes = sorted(np.unique(y).tolist()) if task != "regression" else None
    rows = []
    for fold, (tr, va) in enumerate(splitter.split(X, y)):
        inputs = NetworkInputs.fit(X.iloc[tr], cats)
        Xtr, Xva = inputs.transform(X.iloc[tr]), inputs.transform(X.iloc[va])
        cards = inputs.cat_cardinalities
        const = constant_prediction(task, y[tr], len(va), classes)
        rows.append({"dataset": name, "fold": fold, "system": "constant", "fit_s": 0.0,
                     "score": fold_score(task, y[va], const, classes, positive)})
        for system in ["sk_mlp", "hgb", *candidates]:
            t0 = time.perf_counter()
            extra = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if system in candidates:
                    score, extra = run_network(candidates[system], task, Xtr, y[tr], Xva, y[va], cards,
                                               args.seed, classes, positive)
                else:
                    pred, cls = run_sklearn(system, task, Xtr, y[tr], Xva, cards, args.seed)
                    score = fold_score(task, y[va], pred, cls, positive)
            rows.append({"dataset": name, "fold": fold, "system": system, "score": score,
                         "fit_s": time.perf_counter() - t0, **extra})
            print(f"  {name} fold {fold} {system:14s} {score:.4f} {rows[-1]['fit_s']:6.1f}s "
                  + (f"(best epoch {extra['best_epoch']}/{extra['epochs']}: {extra['best_score']:.4f})"
                     if extra else ""), flush=True)
    return rows


def common_epoch(rows: list[dict], higher: bool) -> tuple[int, float]:
    """The epoch whose score averaged over folds is best (what a refit at the CV-best epoch
    reproduces), and that mean score."""
    curve = np.mean([r["curve"] for r in rows], axis=0)
    best = int(np.argmax(curve) if higher else np.argmin(curve))
    return best + 1, float(curve[best])


def report(rows: list[dict], tasks: dict[str, str]) -> None:
    systems = list(dict.fromkeys(r["system"] for r in rows))
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    mean = {(d, s): np.mean([r["score"] for r in rows if r["dataset"] == d and r["system"] == s])
            for d in datasets for s in systems}
    for d in datasets:  # networks: also at the epoch that is best on average over the folds
        for s in systems:
            mine = [r for r in rows if r["dataset"] == d and r["system"] == s and "curve" in r]
            if mine:
                epoch, score = common_epoch(mine, tasks[d] == "binary")
                mean[(d, s + "@best")] = score
                mean[(d, s + "@epoch")] = epoch
    networks = [s for s in systems if (datasets[0], s + "@best") in mean]
    if networks:
        print("\n### Networks at the epoch best on average over folds (epoch / budget): what a "
              "refit at the CV-best epoch gives\n")
        print("| dataset | " + " | ".join(networks) + " |")
        print("|---" * (len(networks) + 1) + "|")
        for d in datasets:
            budget = next(r["epochs"] for r in rows if r["dataset"] == d and r["system"] == networks[0])
            print(f"| {d} | " + " | ".join(f"{mean[(d, s + '@best')]:.4f} ({mean[(d, s + '@epoch')]}/{budget})"
                                           for s in networks) + " |")
        systems = systems + [s + "@best" for s in networks]
    fit = {(d, s): np.mean([r["fit_s"] for r in rows if r["dataset"] == d and r["system"] == s.split("@")[0]])
           for d in datasets for s in systems}
    print("\n### CV primary metric (binary: ROC AUC higher, multiclass: log loss lower, regression: RMSE lower)\n")
    print("| dataset | " + " | ".join(systems) + " |")
    print("|---" * (len(systems) + 1) + "|")
    norm: dict[str, list[float]] = {s: [] for s in systems}
    for d in datasets:
        higher = tasks[d] == "binary"
        best = (max if higher else min)(mean[(d, s)] for s in systems)
        print(f"| {d} | " + " | ".join(f"{mean[(d, s)]:.4f}" for s in systems) + " |")
        for s in systems:
            norm[s].append(normalised(mean[(d, s)], mean[(d, "constant")], best))
    print("\n### Normalised within this run (1 = best system here, 0 = constant), and fit seconds per fold\n")
    print("| dataset | " + " | ".join(systems) + " |")
    print("|---" * (len(systems) + 1) + "|")
    for i, d in enumerate(datasets):
        print(f"| {d} | " + " | ".join(f"{norm[s][i]:.3f} ({fit[(d, s)]:.1f}s)" for s in systems) + " |")
    print("| **mean** | " + " | ".join(f"**{np.mean(norm[s]):.3f}**" for s in systems) + " |")


def holdout(names, args, candidates) -> None:
    """Fit on the whole training split, score the test split against the anchors (report only)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _anchors import read_anchors

    anchors = read_anchors(args.anchors)
    systems = ["sk_mlp", "hgb", *candidates]
    table = {}
    for name in names:
        split = load_split(name, args.seed, args.datasets_dir)
        task, positive = split.task, split.meta.get("positive_class")
        inputs = NetworkInputs.fit(split.X_train, split.meta.get("categorical_columns", []))
        Xtr, Xte = inputs.transform(split.X_train), inputs.transform(split.X_test)
        ytr, yte = split.y_train.to_numpy(), split.y_test.to_numpy()
        classes = sorted(np.unique(ytr).tolist()) if task != "regression" else None
        best = (max if task == "binary" else min)(v for v in anchors.scores[name].values() if v is not None)
        const = anchors.score(name, "constant")
        for system in systems:
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if system in candidates:
                    score, extra = run_network(candidates[system], task, Xtr, ytr, Xte, yte,
                                               inputs.cat_cardinalities, args.seed, classes, positive,
                                               with_pred=True)
                    pred, cls = extra["pred"], extra["classes"]
                else:
                    pred, cls = run_sklearn(system, task, Xtr, ytr, Xte, inputs.cat_cardinalities, args.seed)
                    score = fold_score(task, yte, pred, cls, positive)
            table[(name, system)] = (score, normalised(score, const, best), time.perf_counter() - t0)
            accuracy = "" if task == "regression" else \
                f" accuracy {np.mean(np.asarray(cls)[np.argmax(pred, axis=1)] == yte):.4f}"
            print(f"  test {name} {system:14s} {score:.4f} norm {table[(name, system)][1]:.3f}{accuracy} "
                  f"{table[(name, system)][2]:.1f}s", flush=True)
    print("\n### Test split (reported after the choice; normalised against the anchors' best system)\n")
    print("| dataset | " + " | ".join(systems) + " |")
    print("|---" * (len(systems) + 1) + "|")
    for name in names:
        print(f"| {name} | " + " | ".join(f"{table[(name, s)][0]:.4f} ({table[(name, s)][1]:.3f})"
                                          for s in systems) + " |")
    print("| **mean norm.** | " + " | ".join(
        f"**{np.mean([table[(n, s)][1] for n in names]):.3f}**" for s in systems) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--max-rows", type=int, default=8000,
                        help="subsample larger training splits (adult) to this many rows")
    parser.add_argument("--candidates", choices=("defaults", "all"), default="defaults")
    parser.add_argument("--only", nargs="*", default=None, help="network candidates to run")
    parser.add_argument("--holdout", action="store_true")
    parser.add_argument("--target-steps", type=int, default=None,
                        help="epoch budget: about this many optimiser steps ...")
    parser.add_argument("--max-epochs", type=int, default=None, help="... and at most this many epochs")
    parser.add_argument("--holdout-only", action="store_true", help="skip the cross-validation")
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS)
    parser.add_argument("--out", type=Path, default=None, help="write the fold rows as JSON")
    parser.add_argument("--report", type=Path, default=None, help="only reprint the tables of a --out file")
    args = parser.parse_args(argv)
    if args.report:
        rows = json.loads(args.report.read_text())
        tasks = {r["dataset"]: load_split(r["dataset"], args.seed, args.datasets_dir).task for r in rows}
        report(rows, tasks)
        return 0

    EPOCHS.update({k: v for k, v in (("target_steps", args.target_steps), ("high", args.max_epochs)) if v})
    candidates = dict(DEFAULT_ARCHITECTURES)
    if args.candidates == "all":
        candidates |= VARIANTS
    if args.only:
        candidates = {k: v for k, v in candidates.items() if k in args.only}
    names = args.datasets or dataset_names(args.datasets_dir)
    rows, tasks = [], {}
    t0 = time.perf_counter()
    for name in [] if args.holdout_only else names:
        split = load_split(name, args.seed, args.datasets_dir)
        tasks[name] = split.task
        rows += evaluate(name, split, args, candidates)
    if rows:
        report(rows, tasks)
        print(f"\n{time.perf_counter() - t0:.0f} s in all; load average {os.getloadavg()[0]:.2f}")
    write_records(args.out, rows)
    if args.holdout or args.holdout_only:
        holdout(names, args, candidates)
    return 0


if __name__ == "__main__":
    sys.exit(main())
