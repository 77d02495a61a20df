"""Insight benchmark (issue 4): SHAP time, fairness-report time, and the fairness-aware search.

On adult (../shared/datasets, the 75/25 split of ../shared/bench/README.md, seed 0):

1. SHAP for 1,000 test rows: on the model a normal search chooses, and on one model of each
   family with default sampling; cold (the first call in the process) and warm times, the
   path taken and the rows explained. Goals: <= 2 s on the chosen tree model, <= 30 s on
   any other model.
2. The fairness report on the test part (sex; race x sex): <= 1 s.
3. A search for accuracy, then the same search with fairness={"sensitive_features": ["sex"]}:
   test accuracy and demographic parity difference of both chosen models, and the Pareto
   front. Goal: DPD <= 0.05 with accuracy within 0.03 of the unconstrained model.

Measures; asserts nothing. Runs one thing at a time; the machine load is printed (other work on
the 2 cores inflates every time). Results and the figures go to benchmarks/results/insight-*/.

    .venv/bin/python benchmarks/bench_insight.py                       # everything, ~8-12 min
    .venv/bin/python benchmarks/bench_insight.py --skip-search         # SHAP and report, ~4 min
    .venv/bin/python benchmarks/bench_insight.py --families gradient_boosting linear --skip-search
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _protocol import DEFAULT_DATASETS_DIR, load_split  # noqa: E402

FAMILIES = ["gradient_boosting", "random_forest", "extra_trees", "linear", "neural", "knn", "svm"]
TREES = ("HistGradientBoosting", "RandomForest", "ExtraTrees")


def load() -> str:
    a, b, c = os.getloadavg()
    return f"load average {a:.2f} {b:.2f} {c:.2f} on {os.cpu_count()} cores"


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def model_name(automl) -> str:
    model = automl.best_pipeline_
    if hasattr(model, "estimators_") and hasattr(model, "weights_"):
        return "ensemble of " + ", ".join(type(m.steps[-1][1]).__name__ for m in model.estimators_)
    inner = getattr(model, "estimator_", model)
    return type(inner.steps[-1][1]).__name__ if hasattr(inner, "steps") else type(inner).__name__


def shap_row(label, automl, rows, out_dir, figures=False) -> dict:
    result, cold = timed(automl.explain, rows)
    again, warm = timed(automl.explain, rows)
    row = {"model": label, "estimator": model_name(automl), "method": result.method,
           "rows_explained": len(result.values), "rows_asked": len(rows),
           "cold_s": round(cold, 3), "warm_s": round(warm, 3),
           "notes": " | ".join(result.notes)}
    if figures:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 2, figsize=(15, 11))
        result.plot_bar(ax=axes[0, 0])
        result.plot_beeswarm(ax=axes[0, 1])
        result.plot_dependence("age", ax=axes[1, 0], color="hours-per-week")
        result.plot_waterfall(0, ax=axes[1, 1])
        fig.tight_layout()
        fig.savefig(out_dir / f"shap_{label}.png", dpi=80)
        plt.close(fig)
    print(f"  {label:22s} {row['estimator'][:40]:40s} {row['method']:26s} "
          f"rows {row['rows_explained']:>5}/{len(rows)}  cold {cold:6.2f} s  warm {warm:6.2f} s", flush=True)
    return row


def fit(X, y, **kwargs):
    from jupyter_automl import AutoML

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl = AutoML(storage="memory", seed=0, check_leakage=False, **kwargs)
        return timed(automl.fit, X, y)


def bench_shap(split, args, out_dir) -> list[dict]:
    rows = split.X_test.iloc[:args.rows]
    print(f"\n1. SHAP for {len(rows):,} rows of adult ({load()})", flush=True)
    rows_out = []
    chosen, t = fit(split.X_train, split.y_train, time_budget=args.budget)
    print(f"  (search for the chosen model: {t:.0f} s, {model_name(chosen)})", flush=True)
    rows_out.append(shap_row("chosen", chosen, rows, out_dir, figures=True))
    for family in args.families:
        automl, t = fit(split.X_train, split.y_train, time_budget=None, n_trials=1,
                        families=[family], ensemble=False)
        rows_out.append(shap_row(family, automl, rows, out_dir) | {"fit_s": round(t, 1)})
    return rows_out


def bench_report(split, args, out_dir) -> list[dict]:
    import matplotlib.pyplot as plt

    print(f"\n2. Fairness report on the {len(split.X_test):,} test rows ({load()})", flush=True)
    automl, _ = fit(split.X_train, split.y_train, time_budget=None, n_trials=1,
                    families=["gradient_boosting"], ensemble=False)
    out = []
    for sensitive in (["sex"], ["race", "sex"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result, cold = timed(automl.fairness, split.X_test, split.y_test, sensitive_features=sensitive)
            _, warm = timed(automl.fairness, split.X_test, split.y_test, sensitive_features=sensitive)
            pred, predict = timed(automl.predict, split.X_test)
        label = " x ".join(sensitive)
        out.append({"sensitive": label, "groups": len(result.by_group), "cold_s": round(cold, 3),
                    "warm_s": round(warm, 3), "of_which_predict_s": round(predict, 3),
                    "dpd": round(result.disparities["demographic_parity_difference"], 4),
                    "eod": round(result.disparities["equalized_odds_difference"], 4)})
        print(f"  {label:12s} {len(result.by_group):>2} groups  cold {cold:.3f} s  warm {warm:.3f} s "
              f"(predict {predict:.3f} s)  DPD {out[-1]['dpd']:.3f}  EOD {out[-1]['eod']:.3f}", flush=True)
        fig, axes = plt.subplots(1, 3, figsize=(20, 6))
        result.plot(ax=axes[0])
        result.plot_by_group(ax=axes[1])
        result.plot_disparities(ax=axes[2])
        fig.tight_layout()
        fig.savefig(out_dir / f"fairness_{'_'.join(sensitive)}.png", dpi=75)
        plt.close(fig)
    return out


def test_scores(automl, split) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = automl.fairness(split.X_test, split.y_test, sensitive_features="sex")
    return {"test_accuracy": round(float(result.overall["accuracy"]), 4),
            "test_dpd": round(float(result.disparities["demographic_parity_difference"]), 4),
            "test_eod": round(float(result.disparities["equalized_odds_difference"]), 4)}


def bench_search(split, args, out_dir) -> dict:
    import matplotlib.pyplot as plt

    from jupyter_automl.insight import plot_pareto

    print(f"\n3. Fairness-aware search on adult, sex ({load()})", flush=True)
    plain, t_plain = fit(split.X_train, split.y_train, time_budget=args.budget, metric="accuracy")
    base = test_scores(plain, split) | {"fit_s": round(t_plain, 1), "model": model_name(plain),
                                        "cv_accuracy": round(plain.cv_score_, 4)}
    print(f"  unconstrained: {base}", flush=True)
    fair, t_fair = fit(split.X_train, split.y_train, time_budget=args.fair_budget, metric="accuracy",
                       fairness={"sensitive_features": ["sex"], "constraint": "demographic_parity"})
    chosen = test_scores(fair, split) | {"fit_s": round(t_fair, 1), "model": model_name(fair),
                                         "cv_accuracy": round(fair.cv_score_, 4),
                                         "trial": fair.best_trial_}
    print(f"  fairness-aware, chosen: {chosen}", flush=True)
    front = fair.pareto_front()
    board = fair.leaderboard()
    front_rows = []
    for _, r in front.iterrows():  # each point of the front, refit and scored on the test part
        fair.select_trial(int(r["trial"]))
        front_rows.append({"trial": int(r["trial"]), "family": r["family"], "mitigation": r["mitigation"],
                           "cv_accuracy": round(r["score"], 4),
                           "cv_dpd": round(r["demographic_parity_difference"], 4)}
                          | test_scores(fair, split))
    fair.select_trial(chosen["trial"])
    ax = plot_pareto(fair)
    ax.figure.savefig(out_dir / "pareto.png", dpi=90)
    plt.close(ax.figure)
    front_table = pd.DataFrame(front_rows)
    print("  Pareto front (cv = out of fold on the training part; test = the 25% test part):")
    print(front_table.to_string(index=False))
    n_trials = int((board["status"] == "finished").sum())
    print("  all trials of the fairness-aware search:")
    print(board[["trial", "family", "score", "status", "demographic_parity_difference", "fit_time",
                 "reason"]].to_string(index=False, max_colwidth=70))
    print(f"  the search ended: {fair.search_.reason}")
    goal = chosen["test_dpd"] <= 0.05 and chosen["test_accuracy"] >= base["test_accuracy"] - 0.03
    print(f"  {n_trials} finished trials. Goal (DPD <= 0.05 and accuracy >= "
          f"{base['test_accuracy'] - 0.03:.4f}): {'met' if goal else 'NOT met'} by the chosen model",
          flush=True)
    return {"unconstrained": base, "chosen": chosen, "front": front_rows, "n_trials": n_trials,
            "goal_met": bool(goal)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds for each normal search")
    parser.add_argument("--fair-budget", type=float, default=None,
                        help="seconds for the fairness-aware search (default: --budget)")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--families", nargs="*", default=FAMILIES)
    parser.add_argument("--skip-shap", action="store_true")
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    args.fair_budget = args.fair_budget or args.budget
    import matplotlib

    matplotlib.use("Agg")
    out_dir = args.out or HERE / "results" / f"insight-{datetime.now():%Y%m%d-%H%M%S}"
    out_dir.mkdir(parents=True, exist_ok=True)
    split = load_split("adult", args.seed, args.datasets_dir)
    print(f"adult: {len(split.X_train):,} training rows, {len(split.X_test):,} test rows; {load()}")
    results: dict = {"budget": args.budget, "fair_budget": args.fair_budget, "seed": args.seed,
                     "load_at_start": os.getloadavg()}
    if not args.skip_shap:
        results["shap"] = bench_shap(split, args, out_dir)
    if not args.skip_report:
        results["fairness_report"] = bench_report(split, args, out_dir)
    if not args.skip_search:
        results["search"] = bench_search(split, args, out_dir)
    results["load_at_end"] = os.getloadavg()
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, default=str))
    if "shap" in results:
        print("\nSHAP summary:")
        print(pd.DataFrame(results["shap"]).drop(columns=["notes"]).to_string(index=False))
    print(f"\nResults and figures in {out_dir.relative_to(HERE.parent) if out_dir.is_relative_to(HERE.parent) else out_dir}")


if __name__ == "__main__":
    main()
