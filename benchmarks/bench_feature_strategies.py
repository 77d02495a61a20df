"""Sequential vs joint vs pseudo-joint feature/model optimisation at an equal budget (issue 15).

    .venv/bin/python benchmarks/bench_feature_strategies.py
    .venv/bin/python benchmarks/bench_feature_strategies.py --datasets pima_diabetes --seeds 0 1 \
        --evaluations 30 --noise 20
    .venv/bin/python benchmarks/bench_feature_strategies.py --engine automl --budget 40

For each dataset and seed, the 75/25 split of ``_protocol`` (with ``--noise`` irrelevant columns
added as in ``bench_feature_noise.py``: Gaussian and shuffled copies), then
``jupyter_automl.search.run_feature_strategy`` for each procedure with the same budget of
``--evaluations`` cross-validated evaluations (see that module for the three procedures).
Reported: test score of the refit best model, CV score, wall seconds (the cost: the budget is
equal in evaluations, not in time), evaluations needed to reach 99 % of the final CV score, the
columns the final model reads and how many of them are noise. Medians over seeds.

``--engine automl`` runs the same comparison through ``AutoML(feature_search=S,
time_budget=--budget)`` instead (all default families, threads): equal in wall time, not in
evaluations; "evals" is then the number of trials, "evals to 99 %" is not measured.
Every strategy after the first is also compared with the first, seed by seed on the same split:
the median of the paired test-score differences in normalised units (over best anchor - constant
of ``--anchors``; positive: better than the first) and on how many seeds it was better.
Results: ``--out``/results.jsonl (appended) and results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
from _anchors import read_anchors
from _protocol import DEFAULT_ANCHORS, DEFAULT_DATASETS_DIR, PRIMARY, score
from bench_feature_noise import is_noise, load_noisy_split, normalised_loss

HERE = Path(__file__).resolve().parent
STRATEGIES = ("sequential", "joint", "pseudo_joint")


def run_one(dataset: str, seed: int, strategy: str, args) -> dict:
    from jupyter_automl.search import run_feature_strategy

    split = load_noisy_split(dataset, seed, args.noise, args.datasets_dir)
    options = {"metric": PRIMARY[split.task], "task": split.task, "cv": args.cv}
    if split.task == "binary":
        options["positive_class"] = split.meta["positive_class"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_feature_strategy(split.X_train, split.y_train, strategy, n_evaluations=args.evaluations,
                                 families=args.families, seed=seed, **options)
        out = r.predict_scores(split.X_test)
    if split.task == "regression":
        test = score(split, None, out)
    else:
        classes = np.asarray(r.problem.classes)
        test = score(split, out, classes[np.argmax(out, axis=1)], classes)
    return test | {"metric": PRIMARY[split.task], "cv_score": r.cv_score, "seconds": r.seconds, "n_evaluations": r.n_evaluations,
                   "to_99": r.evaluations_to_reach(0.99), "n_columns": split.X_train.shape[1],
                   "n_kept": len(r.columns), "n_noise_kept": sum(map(is_noise, r.columns)),
                   "family": r.params.get("family"), "notes": r.notes}


def run_automl(dataset: str, seed: int, strategy: str, args) -> dict:
    """One strategy as a search mode of ``AutoML.fit`` within ``args.budget`` seconds."""
    import time

    from jupyter_automl import AutoML

    split = load_noisy_split(dataset, seed, args.noise, args.datasets_dir)
    kwargs = {"positive_class": split.meta["positive_class"]} if split.task == "binary" else {}
    automl = AutoML(task=split.task, metric=PRIMARY[split.task], time_budget=args.budget, seed=seed,
                    storage="memory", cv=args.cv, families=args.families, feature_search=strategy,
                    **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.monotonic()
        automl.fit(split.X_train, split.y_train)
        seconds = time.monotonic() - t0
        pred = automl.predict(split.X_test)
        proba = automl.predict_proba(split.X_test) if split.task != "regression" else None
    test = score(split, proba, pred, getattr(automl, "classes_", None))
    read = automl.selected_features_
    phase = automl.search_.feature_phase or {}
    return test | {"metric": PRIMARY[split.task], "cv_score": automl.cv_score_, "seconds": round(seconds, 1),
                   "n_evaluations": len(automl.leaderboard()), "to_99": None,
                   "n_columns": split.X_train.shape[1], "n_kept": len(read),
                   "n_noise_kept": sum(map(is_noise, read)),
                   "n_phase_steps": len(phase.get("steps", [])), "model": automl.search_.description,
                   "phase_steps": [{k: s.get(k) for k in ("n_columns", "score", "before", "after")}
                                   for s in phase.get("steps", [])]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["pima_diabetes", "german_credit",
                                                          "diabetes_sklearn"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--evaluations", type=int, default=30)
    parser.add_argument("--noise", type=int, default=20)
    parser.add_argument("--cv", type=_cv, default=5, help="folds, or 'auto' (AutoML's own choice)")
    parser.add_argument("--families", nargs="+", default=None)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES),
                        help="also 'off' with --engine automl")
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "feature-strategies")
    parser.add_argument("--engine", choices=("procedure", "automl"), default="procedure",
                        help="run_feature_strategy at an equal number of evaluations, or AutoML.fit "
                        "at an equal time budget")
    parser.add_argument("--budget", type=float, default=40.0, help="seconds per fit (--engine automl)")
    parser.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS,
                        help="the anchors' table, to normalise the paired differences")
    parser.add_argument("--report-only", action="store_true", help="reprint the table of --out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    if args.report_only:
        rows = [json.loads(line) for line in (args.out / "results.jsonl").read_text().splitlines()]
        args.seeds = sorted({r["seed"] for r in rows})
    for seed in [] if args.report_only else args.seeds:
        for dataset in args.datasets:
            for strategy in args.strategies:
                row = {"dataset": dataset, "seed": seed, "strategy": strategy, "noise": args.noise,
                       "engine": args.engine, "evaluations": args.evaluations, "budget": args.budget,
                       "load_at_start": round(os.getloadavg()[0], 2)}
                run = run_automl if args.engine == "automl" else run_one
                try:
                    row |= {"status": "ok"} | run(dataset, seed, strategy, args)
                except Exception as exc:  # a failed run is a row of the table
                    row |= {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                rows.append(row)
                with (args.out / "results.jsonl").open("a") as f:
                    f.write(json.dumps(row, default=str) + "\n")
                print(json.dumps(row, default=str), flush=True)
    table = render(rows, args)
    (args.out / "results.md").write_text(table)
    print(table)
    return 0


def render(rows: list[dict], args) -> str:
    def med(sel, key):
        values = [r[key] for r in sel if r.get("status") == "ok" and r.get(key) is not None]
        return statistics.median(values) if values else None

    def fmt(v, d=4):
        return "-" if v is None else f"{v:.{d}f}"

    cost = (f"AutoML.fit, {args.budget:g} s each" if args.engine == "automl"
            else f"{args.evaluations} evaluations each")
    lines = [f"{cost}, {args.noise} noise columns, cv={args.cv}, seeds {args.seeds} (medians).", "",
             "| dataset | metric | strategy | test score | CV score | seconds | evals | evals to 99 % | "
             "cols kept / total | noise kept |", "|---|---|---|---|---|---|---|---|---|---|"]
    for dataset in args.datasets:
        for strategy in args.strategies:
            sel = [r for r in rows if (r["dataset"], r["strategy"]) == (dataset, strategy)]
            metric = next((r.get("metric") for r in sel if r.get("metric")), None) or "primary"
            lines.append(f"| {dataset} | {metric} | {strategy} | {fmt(med(sel, 'primary'))} | "
                         f"{fmt(med(sel, 'cv_score'))} | {fmt(med(sel, 'seconds'), 1)} | "
                         f"{fmt(med(sel, 'n_evaluations'), 0)} | "
                         f"{fmt(med(sel, 'to_99'), 0)} | {fmt(med(sel, 'n_kept'), 0)} / "
                         f"{fmt(med(sel, 'n_columns'), 0)} | {fmt(med(sel, 'n_noise_kept'), 0)} |")
    lines += _paired(rows, args)
    failed = [r for r in rows if r.get("status") != "ok"]
    if failed:
        lines += ["", "Failed runs:"] + [f"- {r['dataset']} {r['seed']} {r['strategy']}: {r['error']}"
                                         for r in failed]
    return "\n".join(lines) + "\n"


def _cv(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _paired(rows: list[dict], args) -> list[str]:
    """Each later strategy against the first, seed by seed (same split): normalised differences."""
    anchors = read_anchors(args.anchors) if args.anchors.exists() else None
    first, *others = args.strategies
    if anchors is None or not others:
        return []
    ok = {(r["dataset"], r["seed"], r["strategy"]): r["primary"] for r in rows if r.get("status") == "ok"}
    lines = ["", f"Against {first}, paired by seed (normalised test-score difference, positive: "
             "better; median, then per seed):", "",
             "| dataset | strategy | median | per seed | better on |", "|---|---|---|---|---|"]
    for dataset in args.datasets:
        for strategy in others:
            diffs = []
            for seed in args.seeds:
                a, b = ok.get((dataset, seed, first)), ok.get((dataset, seed, strategy))
                loss = normalised_loss(dataset, a, b, anchors)
                if loss is not None:
                    diffs.append(-loss)
            if diffs:
                lines.append(f"| {dataset} | {strategy} | {statistics.median(diffs):+.4f} | "
                             f"{' / '.join(f'{d:+.4f}' for d in diffs)} | "
                             f"{sum(d > 0 for d in diffs)} of {len(diffs)} |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
