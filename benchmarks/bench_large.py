"""Large tables (issue 13): time to the first finished trial, fit time against the budget, and
peak memory, at 100k, 300k and 1M rows of generated data (50 columns: 40 numeric, 10 categorical).

    .venv/bin/python benchmarks/bench_large.py                          # 100k, 300k, 1M at 60 s
    .venv/bin/python benchmarks/bench_large.py --rows 1000000 --budget 300

Each size runs with ``cv="holdout"`` (one split, every trial on all its rows: the baseline)
and ``cv="auto"`` (the same holdout with successive halving on rows), in the same run.

Each size runs in a fresh process (peak memory is that process's maximum resident set, data
generation included, reported separately). The data: ``make_classification`` (binary, 40
numeric columns of which 10 informative) plus 10 categorical columns of 5-50 levels, 2 of them
carrying signal; 10 % of the cells of 5 columns missing. The chosen model is scored on
``TEST_ROWS`` more rows of the same generator, never seen by the search ("test score"): the
search's own score of a trial cut short is on a smaller rung, so not comparable across runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

N_NUMERIC, N_CATEGORICAL = 40, 10
TEST_ROWS = 100_000


def generate(n_rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n_rows, n_features=N_NUMERIC, n_informative=10,
                               n_redundant=5, random_state=seed)
    frame = pd.DataFrame(X.astype(np.float64), columns=[f"x{i}" for i in range(N_NUMERIC)])
    rng = np.random.default_rng(seed)
    for j in range(N_CATEGORICAL):
        levels = 5 + 5 * j
        codes = rng.integers(0, levels, n_rows)
        if j < 2:  # two categorical columns carry signal
            codes = np.where(rng.random(n_rows) < 0.3, y * (levels - 1), codes)
        frame[f"c{j}"] = pd.Categorical.from_codes(codes, [f"v{k}" for k in range(levels)])
    for col in ("x0", "x7", "x21", "c3", "c8"):
        frame.loc[rng.random(n_rows) < 0.1, col] = np.nan
    return frame, pd.Series(np.where(y == 1, "yes", "no"), name="target")


def child(n_rows: int, budget: float, seed: int, cv: str) -> None:
    from jupyter_automl import AutoML

    t0 = time.perf_counter()
    X, y = generate(n_rows + TEST_ROWS, seed)
    X_test, y_test = X.iloc[n_rows:], y.iloc[n_rows:]
    X, y = X.iloc[:n_rows].copy(), y.iloc[:n_rows].copy()
    gen_s = time.perf_counter() - t0
    rss_after_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    automl = AutoML(time_budget=budget, seed=seed, storage="memory", cv=cv)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        handle = automl.fit_async(X, y)
        handle.wait()
    fit_s = time.perf_counter() - t0
    events = handle.events()
    finished = [e.t for e in events if e.kind == "trial_finished"]
    scored = [e.t for e in events if e.kind == "fold_scored"]
    print(json.dumps({
        "rows": n_rows, "cv": cv, "budget": budget, "seed": seed, "generate_s": round(gen_s, 1),
        "first_score_s": round(min(scored), 1) if scored else None,
        "first_trial_s": round(min(finished), 1) if finished else None,
        "n_finished": len(finished), "n_pruned": sum(e.kind == "trial_pruned" for e in events),
        "score": None if automl.cv_score_ is None else round(float(automl.cv_score_), 4),
        "test_score": round(float(automl.score(X_test, y_test)), 4), "fit_s": round(fit_s, 1), "fit_over_budget": round(fit_s / budget, 3),
        "peak_rss_mb_after_data": round(rss_after_data),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "model": automl.best_trial_, "end": automl.search_.reason,
    }), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    p.add_argument("--budget", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cv", nargs="+", default=["holdout", "auto"])
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.rows[0], args.budget, args.seed, args.cv[0])
        return
    rows = []
    for n in args.rows:
        for cv in args.cv:
            out = subprocess.run([sys.executable, __file__, "--child", "--rows", str(n), "--budget",
                                  str(args.budget), "--seed", str(args.seed), "--cv", cv],
                                 capture_output=True, text=True, check=False)
            line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
            if line is None:
                print(f"{n} rows, cv={cv} failed:\n{out.stderr[-2000:]}", flush=True)
                continue
            rows.append(json.loads(line))
            print(line, flush=True)
    print(f"\n| rows | cv | first fold score (s) | first finished trial (s) | finished | pruned | "
          f"holdout score | test score | fit (s) at {args.budget:g} s | fit / budget | peak memory (MB) | of which the data |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['rows']:,} | {r['cv']} | {r['first_score_s']} | {r['first_trial_s']} | {r['n_finished']} | "
              f"{r['n_pruned']} | {r['score']} | {r['test_score']} | {r['fit_s']} | {r['fit_over_budget']} | "
              f"{r['peak_rss_mb']:,} | {r['peak_rss_mb_after_data']:,} |")


if __name__ == "__main__":
    main()
