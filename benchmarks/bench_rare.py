"""Rare positives (issue 13): F1 at the tuned threshold against 0.5, on held-out rows.

    .venv/bin/python benchmarks/bench_rare.py                       # 2 tables x 3 seeds, 30 s each
    .venv/bin/python benchmarks/bench_rare.py --budget 60 --seeds 0 1 2 3 4

Two real tables whose positive class is rare:
- ``adult_2pct``: adult (public suite) with the positives (income >50K) subsampled to 2 % of the
  rows, every negative kept (real columns, a rare class made by sampling);
- ``abalone_old``: abalone with "Rings >= 19" as the positive class (2.3 % of the rows, rare by
  nature).

For each seed: a stratified 75/25 split; ``AutoML(metric="f1", time_budget=B, seed)``; the
held-out F1 of its model (at the threshold it tuned out of fold) and of the same fitted model at
0.5; and, as the baseline measured in the same run, scikit-learn's default
``HistGradientBoostingClassifier`` at 0.5. Also the held-out average precision of a default
search (``metric="auto"``, which picks average precision for rare positives). Medians over seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _protocol import DEFAULT_DATASETS_DIR, load_module
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import train_test_split

POSITIVE_SHARE = 0.02


def rare_tables(datasets_dir: Path) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
    loader = load_module(datasets_dir)
    X, y, _ = loader.load("adult")
    positive = y.astype(str).str.contains(">50K")
    rng = np.random.default_rng(0)
    n_pos = int(POSITIVE_SHARE / (1 - POSITIVE_SHARE) * (~positive).sum())
    keep = np.flatnonzero(~positive.to_numpy()).tolist() + rng.choice(
        np.flatnonzero(positive.to_numpy()), n_pos, replace=False).tolist()
    keep = np.sort(keep)
    adult = (X.iloc[keep].reset_index(drop=True),
             pd.Series(np.where(positive.to_numpy()[keep], "high", "low"), name="income"))
    Xa, ya, _ = loader.load("abalone")
    abalone = (Xa, pd.Series(np.where(ya >= 19, "old", "young"), name="age"))
    return {"adult_2pct": adult, "abalone_old": abalone}


def positive_proba(model, X, positive) -> np.ndarray:
    classes = list(model.classes_)
    return model.predict_proba(X)[:, classes.index(positive)]


def run_one(name: str, X: pd.DataFrame, y: pd.Series, seed: int, budget: float) -> dict:
    from jupyter_automl import AutoML

    positive = "high" if name == "adult_2pct" else "old"
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    truth = (y_te == positive).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tuned = AutoML(metric="f1", positive_class=positive, time_budget=budget, seed=seed,
                       storage="memory").fit(X_tr, y_tr)
        auto = AutoML(time_budget=budget, seed=seed, storage="memory",
                      positive_class=positive).fit(X_tr, y_tr)
    p = positive_proba(tuned, X_te, positive)
    threshold = tuned.search_.threshold
    f1_tuned = f1_score(truth, tuned.predict(X_te) == positive)
    f1_half = f1_score(truth, p >= 0.5)
    X_num = X_tr.copy()
    cats = [c for c in X_num.columns if not pd.api.types.is_numeric_dtype(X_num[c])]
    hgb = HistGradientBoostingClassifier(random_state=seed, categorical_features="from_dtype")
    to_cat = lambda frame: frame.astype({c: "category" for c in cats})  # noqa: E731
    hgb.fit(to_cat(X_tr), y_tr == positive)
    f1_hgb = f1_score(truth, hgb.predict_proba(to_cat(X_te))[:, 1] >= 0.5)
    ap = average_precision_score(truth, positive_proba(auto, X_te, positive))
    return {"dataset": name, "seed": seed, "positives": float(truth.mean()),
            "threshold": threshold, "f1_tuned": f1_tuned, "f1_same_model_at_0.5": f1_half,
            "f1_hgb_default_0.5": f1_hgb, "auto_metric": auto.problem_.metric.name,
            "ap_auto_search": ap}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=float, default=30.0)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    args = p.parse_args()
    rows = []
    for name, (X, y) in rare_tables(args.datasets_dir).items():
        for seed in args.seeds:
            row = run_one(name, X, y, seed, args.budget)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"\nmedians over seeds {args.seeds}, {args.budget:g} s per search\n")
    print("| table | positives | tuned threshold | F1 tuned | F1 same model at 0.5 | "
          "F1 default HGB at 0.5 | auto metric | AP (auto search) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in dict.fromkeys(r["dataset"] for r in rows):
        rs = [r for r in rows if r["dataset"] == name]
        med = {k: statistics.median(r[k] for r in rs if r[k] is not None)
               for k in ("positives", "threshold", "f1_tuned", "f1_same_model_at_0.5",
                         "f1_hgb_default_0.5", "ap_auto_search")}
        print(f"| {name} | {med['positives']:.1%} | {med['threshold']:.3f} | {med['f1_tuned']:.3f} | "
              f"{med['f1_same_model_at_0.5']:.3f} | {med['f1_hgb_default_0.5']:.3f} | "
              f"{rs[0]['auto_metric']} | {med['ap_auto_search']:.3f} |")


if __name__ == "__main__":
    sys.exit(main())
