"""A prototype of NAS mode, to size the engine's integration: Optuna over the architecture space
with epoch-level Hyperband pruning, in a wall-time budget, on the protocol's split.

Not the engine's search (that is the lead's integration). The default architectures are
enqueued first, then TPE samples ``architecture_space(per_block=False)``; every trial reports its
validation score after each epoch and a HyperbandPruner stops weak ones; two trials run at a time
in threads (one torch thread each). Validation: ``--folds K`` (default 3) trains a trial's K fold
networks in lockstep and reports the mean over folds; the final model is the best trial's fold
networks at the best epoch, averaged (no refit). ``--folds 1`` uses one 80/20 holdout and refits
the best (trial, epoch) on the whole training split (the schedule as long as in the search).
Scored on the test split; the normalised score uses the anchors' constant and best system.

    python benchmarks/bench_nas_prototype.py --datasets digits --budget 60
    python benchmarks/bench_nas_prototype.py                   # every dataset, 60 s each
    python benchmarks/bench_nas_prototype.py --no-prune        # the same without pruning
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import warnings
from pathlib import Path

import _nn_setup  # noqa: F401  (first: it sets the thread variables before numpy loads)
import numpy as np
import optuna
from _anchors import read_anchors
from _nn_inputs import NetworkInputs, fold_score, normalised
from _protocol import DEFAULT_ANCHORS, DEFAULT_DATASETS_DIR, dataset_names, load_split
from _records import write_records
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from jupyter_automl.nn import (
    Architecture,
    default_max_epochs,
    make_network,
    suggest_architecture,
    warm_up,
)
from jupyter_automl.nn._defaults import DEFAULT_ARCHITECTURES

REFIT_SHARE = 0.2  # of the budget kept for the refit after a holdout search (trials stop at the rest)
BAG_SHARE = 0.05  # with --folds: the fold networks are the model (no refit), little is kept


def _splits(y, folds: int, seed: int, classification: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    if folds == 1:
        return [tuple(train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed,
                                       stratify=y if classification else None))]
    cls = StratifiedKFold if classification else KFold
    return list(cls(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def search(split, args, anchors) -> dict:
    t_start = time.perf_counter()
    task, positive = split.task, split.meta.get("positive_class")
    classification = task != "regression"
    X, y = split.X_train, split.y_train.to_numpy()
    inputs = NetworkInputs.fit(X, split.meta.get("categorical_columns", []))
    cards = inputs.cat_cardinalities
    Xall = inputs.transform(X)
    folds = _splits(y, args.folds, args.seed, classification)
    E = default_max_epochs(len(folds[0][0]), 128)
    higher = task == "binary"
    better = (lambda a, b: a > b) if higher else (lambda a, b: a < b)
    pruner = (optuna.pruners.HyperbandPruner(min_resource=max(2, E // 20), max_resource=E, reduction_factor=3)
              if args.prune else optuna.pruners.NopPruner())
    study = optuna.create_study(direction="maximize" if higher else "minimize", pruner=pruner,
                                sampler=optuna.samplers.TPESampler(seed=args.seed, n_startup_trials=8))
    space = {"per_block": False, "classification": classification, "has_categorical": bool(cards)}
    for arch in DEFAULT_ARCHITECTURES.values():
        if not classification:
            arch = arch.replace(training={"label_smoothing": 0.0})
        study.enqueue_trial(arch.to_params(per_block=False))
    stop_at = t_start + args.budget * (1 - (REFIT_SHARE if args.folds == 1 else BAG_SHARE))
    log: list[dict] = []
    lock = threading.Lock()
    best: dict = {"score": None}  # the best (trial, epoch) so far, with its fold networks' states

    def worker() -> None:
        while time.perf_counter() < stop_at:
            trial = study.ask()
            arch: Architecture = suggest_architecture(trial, **space)
            nets = [make_network(arch.to_dict(), classification=classification, cat_cardinalities=cards,
                                 max_epochs=E, random_state=args.seed, n_threads=1) for _ in folds]
            # the folds advance in lockstep, so each epoch's score is the mean over folds
            loops = [net.iter_epochs(Xall[tr], y[tr], Xall[va]) for net, (tr, va) in zip(nets, folds, strict=True)]
            mine, mine_epoch, state, t0 = None, 0, "complete", time.perf_counter()
            try:
                for epoch in range(1, E + 1):
                    scores = [fold_score(task, y[va], next(loop)[1], getattr(net, "classes_", None), positive)
                              for loop, net, (_, va) in zip(loops, nets, folds, strict=True)]
                    score = float(np.mean(scores))
                    if mine is None or better(score, mine):
                        mine, mine_epoch = score, epoch
                        with lock:
                            if args.folds > 1 and (best["score"] is None or better(score, best["score"])):
                                best.update(score=score, states=[n.get_state() for n in nets],
                                            arch=arch.to_dict(), epoch=epoch, trial=trial.number)
                    trial.report(score, epoch)
                    if trial.should_prune():
                        state = "pruned"
                        break
                    if time.perf_counter() > stop_at:
                        state = "cut"
                        break
            except (FloatingPointError, MemoryError, ValueError) as exc:
                state, mine = f"failed: {exc}", None
            trial.set_user_attr("best_epoch", mine_epoch)
            trial.set_user_attr("arch", arch.to_dict())
            if mine is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            elif state == "pruned":
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial, mine)
            with lock:
                log.append({"number": trial.number, "state": state, "best": mine, "epoch": mine_epoch,
                            "epochs_run": nets[0].__dict__.get("n_epochs_", 0), "s": time.perf_counter() - t0})

    warm_up()
    threads = [threading.Thread(target=worker) for _ in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    search_s = time.perf_counter() - t_start
    # the best (architecture, epoch): a pruned trial's intermediate scores count too, since its
    # network at that epoch is a real candidate
    candidates = [t for t in study.trials if t.user_attrs.get("best_epoch")
                  and t.state != optuna.trial.TrialState.FAIL]
    pick = max if higher else min
    best_trial = pick(candidates, key=lambda t: pick(t.intermediate_values.values()))
    arch, epoch = best_trial.user_attrs["arch"], best_trial.user_attrs["best_epoch"]
    Xte, yte = inputs.transform(split.X_test), split.y_test.to_numpy()
    if args.folds == 1:  # refit on every training row, retracing the search's schedule
        model = make_network(arch, classification=classification, cat_cardinalities=cards,
                             max_epochs=epoch, schedule_epochs=E, random_state=args.seed,
                             n_threads=2).fit(Xall, y)
        pred = model.predict_proba(Xte) if classification else model.predict(Xte)
        classes = getattr(model, "classes_", None)
    else:  # the fold networks at the best epoch, averaged (cross-validation bagging, no refit)
        models = [make_network(best["arch"], classification=classification, cat_cardinalities=cards,
                               max_epochs=E, n_threads=2).set_state(s) for s in best["states"]]
        preds = [m.predict_proba(Xte) if classification else m.predict(Xte) for m in models]
        pred, classes = np.mean(preds, axis=0), getattr(models[0], "classes_", None)
    fit_s = time.perf_counter() - t_start
    score = fold_score(task, yte, pred, classes, positive)
    name = split.meta["name"]
    best_anchor = (max if higher else min)(v for v in anchors.scores[name].values() if v is not None)
    result = {"dataset": name, "metric": split.metric, "test": score,
              "norm": normalised(score, anchors.score(name, "constant"), best_anchor),
              "fit_s": fit_s, "search_s": search_s, "epochs_budget": E, "best_epoch": epoch,
              "best_trial": best_trial.number, "trials": log,
              "val_best": best_trial.intermediate_values[epoch],
              "val_best_default": _best_of(study, range(len(DEFAULT_ARCHITECTURES)), higher),
              "arch": arch}
    if classification:
        result["accuracy"] = float(np.mean(np.asarray(classes)[np.argmax(pred, axis=1)] == yte))
    states = [t["state"].split(":")[0] for t in log]
    print(f"{name}: test {split.metric} {score:.4f} (norm {result['norm']:.3f})"
          + (f" accuracy {result['accuracy']:.4f}" if classification else "")
          + f", fit {fit_s:.1f}s, {len(log)} trials ({states.count('complete')} complete, "
          f"{states.count('pruned')} pruned, {states.count('cut')} cut, {states.count('failed')} failed), "
          f"best trial {best_trial.number} at epoch {epoch}/{E}; validation {result['val_best']:.4f} "
          f"(best default {result['val_best_default']:.4f})", flush=True)
    return result


def _best_of(study, numbers, higher: bool) -> float:
    values = [v for t in study.trials if t.number in numbers for v in t.intermediate_values.values()]
    return (max if higher else min)(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--folds", type=int, default=3,
                        help="1: an 80/20 holdout and a refit; K > 1: K folds in lockstep, the "
                             "best trial's fold networks averaged (no refit)")
    parser.add_argument("--no-prune", dest="prune", action="store_false")
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    anchors = read_anchors(args.anchors)
    results = []
    for name in args.datasets or dataset_names(args.datasets_dir):
        split = load_split(name, args.seed, args.datasets_dir)
        split.meta["name"] = name
        results.append(search(split, args, anchors))
    print("\n| dataset | metric | test score | normalised | accuracy | fit s | trials | best epoch |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['dataset']} | {r['metric']} | {r['test']:.4f} | {r['norm']:.3f} | "
              f"{r.get('accuracy', float('nan')):.4f} | {r['fit_s']:.1f} | {len(r['trials'])} | "
              f"{r['best_epoch']}/{r['epochs_budget']} |")
    print(f"| **mean** | | | **{np.mean([r['norm'] for r in results]):.3f}** | | "
          f"max {max(r['fit_s'] for r in results):.1f} | | |")
    print(f"\nbudget {args.budget:.0f} s, {args.workers} workers, {args.folds} fold(s), "
          f"pruning {'on' if args.prune else 'off'}, "
          f"seed {args.seed}; load average {os.getloadavg()[0]:.2f}")
    write_records(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
