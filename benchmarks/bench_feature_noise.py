"""Does the search defend itself against irrelevant columns? (issue 15, the noise measurement)

    .venv/bin/python benchmarks/bench_feature_noise.py                       # pima_diabetes, 40 s, seeds 0 1 2
    .venv/bin/python benchmarks/bench_feature_noise.py --datasets ionosphere --budget 20 --seeds 0
    .venv/bin/python benchmarks/bench_feature_noise.py --screen-only --datasets glass --noise 50

For each dataset and seed, four runs, each in a fresh process on the 75/25 split of ``_protocol``:
``AutoML(task, matched metric, time_budget=B, seed, storage="memory", feature_search=S)`` with
S = "off" (every model sees every column: the search as it was before feature selection was a
search choice) and S = "joint" (selection searched with the model), on the clean table and on the
table with ``--noise`` added columns: half Gaussian, half shuffled copies of real numeric columns
(the same values, no link to the target). The noise is drawn once per seed over all rows, so
train and test get the same columns. Reported: the test score (ROC AUC for binary), fit seconds,
finished trials, and how many noise columns the final model still reads. Medians over seeds.
Results: ``--out``/results.jsonl (appended) and results.md. ``--screen-only`` runs no search:
it prints what the noise screen (``find_noise``, before any search) keeps of the noise columns
and drops of the real ones, per dataset and seed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _anchors import read_anchors
from _child import median_ok, run_one_child
from _protocol import (
    DEFAULT_ANCHORS,
    DEFAULT_DATASETS_DIR,
    GREATER_IS_BETTER,
    PRIMARY,
    TEST_SIZE,
    Split,
    load_module,
    score,
)
from sklearn.model_selection import train_test_split

HERE = Path(__file__).resolve().parent
STRATEGIES = ("off", "joint")
NOISE_PREFIXES = ("noise_gauss_", "noise_shuffled_")


def is_noise(column) -> bool:
    """Whether ``column`` is one of the columns ``add_noise`` appended."""
    return str(column).startswith(NOISE_PREFIXES)


def add_noise(X: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``X`` with ``n`` irrelevant columns appended: Gaussian, and shuffled copies of numeric columns."""
    rng = np.random.default_rng(1000 + seed)
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])] or list(X.columns)
    half = n // 2
    noise = {f"{NOISE_PREFIXES[0]}{i}": rng.normal(size=len(X)) for i in range(half)}
    for i in range(n - half):
        source = X[numeric[i % len(numeric)]].to_numpy()
        noise[f"{NOISE_PREFIXES[1]}{i}"] = rng.permutation(source)
    return pd.concat([X, pd.DataFrame(noise, index=X.index)], axis=1)


def load_noisy_split(name: str, seed: int, n_noise: int, datasets_dir: Path) -> Split:
    X, y, meta = load_module(datasets_dir).load(name)
    if n_noise:
        X = add_noise(X, n_noise, seed)
    classification = meta["task"] != "regression"
    train, test = train_test_split(np.arange(len(y)), test_size=TEST_SIZE, random_state=seed,
                                   stratify=y if classification else None)
    labels = sorted(pd.unique(y).tolist()) if classification else []
    return Split(X.iloc[train], X.iloc[test], y.iloc[train], y.iloc[test], meta, labels)


def run_one(args: argparse.Namespace) -> dict:
    """One run, in this (fresh) process."""
    from jupyter_automl import AutoML

    split = load_noisy_split(args.dataset, args.seed, args.noise, args.datasets_dir)
    kwargs = {"positive_class": split.meta["positive_class"]} if split.task == "binary" else {}
    automl = AutoML(task=split.task, metric=PRIMARY[split.task], time_budget=args.budget,
                    seed=args.seed, storage="memory", feature_search=args.strategy, **kwargs)
    t0 = time.monotonic()
    automl.fit(split.X_train, split.y_train)
    fit_s = time.monotonic() - t0
    pred = automl.predict(split.X_test)
    proba = automl.predict_proba(split.X_test) if split.task != "regression" else None
    kept = automl.selected_features_  # after the noise screen and the searched selection
    board = automl.leaderboard()
    columns = list(split.X_train.columns)
    n_noise_kept = sum(map(is_noise, kept))
    return score(split, proba, pred, getattr(automl, "classes_", None)) | {
        "fit_s": round(fit_s, 2), "n_finished": int((board["status"] == "finished").sum()),
        "n_columns": len(columns), "n_kept": len(kept), "n_noise_kept": n_noise_kept,
        "model": automl.search_.description}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["pima_diabetes"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--budget", type=float, default=40.0)
    parser.add_argument("--noise", type=int, default=40)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "feature-noise")
    parser.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS,
                        help="the anchors' table: constant and best score per dataset, to normalise the loss")
    parser.add_argument("--report-only", action="store_true", help="reprint the tables of --out")
    parser.add_argument("--screen-only", action="store_true",
                        help="no search: what the noise screen keeps and drops on the noisy tables")
    # one run in this process (how the parent starts each run)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--strategy", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.screen_only:
        for dataset in args.datasets:
            for seed in args.seeds:
                print(screen_only(dataset, seed, args), flush=True)
        return 0
    if args.one:
        args.result.write_text(json.dumps(run_one(args)))
        return 0

    args.out.mkdir(parents=True, exist_ok=True)
    jsonl = args.out / "results.jsonl"
    if args.report_only:
        rows = [json.loads(line) for line in jsonl.read_text().splitlines() if line.strip()]
        print(render(rows, args))
        return 0
    rows = []
    for seed in args.seeds:
        for dataset in args.datasets:
            for strategy in args.strategies:
                for noise in (0, args.noise):
                    rows.append(_spawn(args, dataset, seed, strategy, noise))
                    with jsonl.open("a") as f:
                        f.write(json.dumps(rows[-1]) + "\n")
                    print(json.dumps(rows[-1]), flush=True)
    table = render(rows, args)
    (args.out / "results.md").write_text(table)
    print(table)
    return 0


def screen_only(dataset: str, seed: int, args) -> str:
    """One line: the noise columns the screen keeps and the real columns it drops."""
    from jupyter_automl.problem._detect import profile
    from jupyter_automl.problem._noise import find_noise

    split = load_noisy_split(dataset, seed, args.noise, args.datasets_dir)
    X = split.X_train
    start = time.perf_counter()
    dropped = find_noise(X, split.y_train, split.meta["task"], profile(X), seed, time_budget=args.budget)
    seconds = time.perf_counter() - start
    n_noise = sum(map(is_noise, X.columns))
    kept = sum(is_noise(c) and c not in dropped for c in X.columns)
    lost = [c for c in X.columns if not is_noise(c) and c in dropped]
    return (f"{dataset} seed {seed}: noise columns kept {kept} / {n_noise}, real columns dropped "
            f"{len(lost)} / {len(X.columns) - n_noise} {lost}, {seconds:.1f} s")


def _spawn(args, dataset: str, seed: int, strategy: str, noise: int) -> dict:
    result = args.out / f"one-{dataset}-{seed}-{strategy}-{noise}.json"
    argv = ["--dataset", dataset, "--seed", str(seed), "--strategy", strategy, "--noise", str(noise),
            "--budget", str(args.budget), "--datasets-dir", str(args.datasets_dir)]
    row = {"dataset": dataset, "seed": seed, "strategy": strategy, "noise": noise, "budget": args.budget}
    return run_one_child(__file__, argv, result, row, timeout=3 * args.budget + 300)


def normalised_loss(dataset: str, clean: float | None, noisy: float | None, anchors) -> float | None:
    """How much worse the noisy score is, in normalised-score units: (clean - noisy) over (best
    anchor system - constant predictor) on the anchors' split, the metric's direction handled."""
    if clean is None or noisy is None or anchors is None or dataset not in anchors.datasets:
        return None
    metric = anchors.datasets[dataset]["metric"]
    seen = [v for v in anchors.scores[dataset].values() if v is not None]
    best = max(seen) if GREATER_IS_BETTER[metric] else min(seen)
    span = best - anchors.score(dataset, "constant")
    return (clean - noisy) / span


def render(rows: list[dict], args) -> str:
    anchors = read_anchors(args.anchors) if args.anchors.exists() else None
    lines = [f"Budget {args.budget:g} s, {args.noise} noise columns, seeds {args.seeds} (medians; "
             "normalised loss: of the medians, in units of best anchor - constant).", "",
             "| dataset | feature_search | clean score | noisy score | loss | normalised loss | "
             "noisy fit s | noise cols kept | cols kept / total | trials clean / noisy |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for dataset in args.datasets:
        for strategy in args.strategies:
            clean = [r for r in rows if (r["dataset"], r["strategy"], r["noise"]) == (dataset, strategy, 0)]
            noisy = [r for r in rows if (r["dataset"], r["strategy"], r["noise"]) == (dataset, strategy,
                                                                                       args.noise)]
            c, n = median_ok(clean, "primary"), median_ok(noisy, "primary")
            higher = anchors is None or GREATER_IS_BETTER[anchors.datasets.get(dataset, {}).get("metric", "roc_auc")]
            loss = None if c is None or n is None else (c - n if higher else n - c)  # > 0: noise hurt
            fmt = lambda v, d=4: "-" if v is None else f"{v:.{d}f}"  # noqa: E731
            norm = normalised_loss(dataset, c, n, anchors)
            lines.append(f"| {dataset} | {strategy} | {fmt(c)} | {fmt(n)} | {fmt(loss)} | {fmt(norm, 3)} | "
                         f"{fmt(median_ok(noisy, 'fit_s'), 1)} | {fmt(median_ok(noisy, 'n_noise_kept'), 1)} | "
                         f"{fmt(median_ok(noisy, 'n_kept'), 1)} / {fmt(median_ok(noisy, 'n_columns'), 0)} | "
                         f"{fmt(median_ok(clean, 'n_finished'), 0)} / {fmt(median_ok(noisy, 'n_finished'), 0)} |")
    per_seed = ["", "Per seed (score clean -> noisy, noise columns kept):", ""]
    for r in rows:
        if r["noise"]:
            per_seed.append(f"- {r['dataset']} seed {r['seed']} {r['strategy']}: "
                            f"{r.get('primary', 'failed')} ({r.get('n_noise_kept', '-')} noise kept, "
                            f"{r.get('model', r.get('error', ''))[:80]})")
    return "\n".join(lines + per_seed) + "\n"


if __name__ == "__main__":
    sys.exit(main())
