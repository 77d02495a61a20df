"""Does searched feature engineering beat the fixed engineering? (issue 15, deliverable 2)

    .venv/bin/python benchmarks/bench_feature_engineering.py                    # generated table + adult, 45 s, seeds 0 1 2
    .venv/bin/python benchmarks/bench_feature_engineering.py --datasets generated --budget 30 --seeds 0

For each dataset and seed, two runs in fresh processes on the same 75/25 split of ``_protocol``:
``AutoML(task, matched metric, time_budget=B, seed, storage="memory", feature_engineering=E)``
with E = "fixed" (each family's fixed date, text and high-cardinality encodings: the search as it
was) and E = "search" (those encodings, and splines and interactions for linear models, are
searched with the model). Same budget, same seeds, measured in the same run.

``generated`` is a table whose signal needs the engineering: the target depends on the hour and
weekday of a timestamp (cyclically), on rare words and a negation ("not good") in a review, on a
300-level city's own effect, and on a bent number, plus noise columns. ``adult`` (from the shared
datasets) has no dates or text; its high-cardinality column (native-country) and the linear
models' splines and interactions are what the search can change there.
Results: ``--out``/results.jsonl (appended) and results.md; medians over seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _child import median_ok, run_one_child
from _protocol import DEFAULT_DATASETS_DIR, PRIMARY, TEST_SIZE, Split, load_module, score
from sklearn.model_selection import train_test_split

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ARMS = ("fixed", "search")
GENERATED_ROWS = 6000


def generated_table(n: int = GENERATED_ROWS, seed: int = 12345) -> tuple[pd.DataFrame, pd.Series]:
    """A binary table whose signal sits in a timestamp's cycles, rare words, a category's levels."""
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 24 * 60 * 730, n), unit="min")
    hour = when.hour + when.minute / 60
    filler = [f"w{i:03d}" for i in range(300)]  # frequent words: the top-200 vocabulary is theirs
    signal_words = {"superb": 1.5, "awful": -1.5, "refund": -1.0, "delightful": 1.0}
    reviews, text_effect = [], np.zeros(n)
    for i in range(n):
        words = list(rng.choice(filler, 12))
        for word, effect in signal_words.items():
            if rng.random() < 0.06:  # rare: outside a 200-term vocabulary of the frequent words
                words.insert(int(rng.integers(0, len(words))), word)
                text_effect[i] += effect
        if rng.random() < 0.25:
            negated = rng.random() < 0.5
            words += ["not", "good"] if negated else ["good"]
            text_effect[i] += -1.0 if negated else 1.0
        reviews.append(" ".join(words))
    levels = 300
    city_effect = rng.normal(scale=1.0, size=levels)
    city = rng.integers(0, levels, n)
    x = rng.uniform(-2, 2, n)
    logit = (1.2 * np.cos(2 * np.pi * (hour - 3) / 24) + 0.8 * np.sin(2 * np.pi * when.dayofweek / 7)
             + text_effect + city_effect[city] + 0.8 * (x ** 2 - 1.3))
    X = pd.DataFrame({"when": when.astype(str), "review": reviews,
                      "city": [f"city_{c:03d}" for c in city], "x": x,
                      "noise_1": rng.normal(size=n), "noise_2": rng.choice(["a", "b", "c"], n)})
    y = pd.Series(np.where(logit + rng.logistic(size=n) > 0, "yes", "no"), name="label")
    return X, y


def load_split(name: str, seed: int, datasets_dir: Path) -> Split:
    if name == "generated":
        X, y = generated_table()
        meta = {"name": "generated", "task": "binary", "positive_class": "yes", "target": "label"}
    else:
        X, y, meta = load_module(datasets_dir).load(name)
    classification = meta["task"] != "regression"
    train, test = train_test_split(np.arange(len(y)), test_size=TEST_SIZE, random_state=seed,
                                   stratify=y if classification else None)
    labels = sorted(pd.unique(y).tolist()) if classification else []
    return Split(X.iloc[train], X.iloc[test], y.iloc[train], y.iloc[test], meta, labels)


ENGINEERING_KEYS = ("datetime", "text", "text_vocabulary", "text_ngrams", "high_cardinality",
                    "onehot_min_frequency", "splines", "interactions")


def run_one(args: argparse.Namespace) -> dict:
    """One run, in this (fresh) process."""
    from jupyter_automl import AutoML

    split = load_split(args.dataset, args.seed, args.datasets_dir)
    kwargs = {"positive_class": split.meta["positive_class"]} if split.task == "binary" else {}
    automl = AutoML(task=split.task, metric=PRIMARY[split.task], time_budget=args.budget,
                    seed=args.seed, storage="memory", feature_engineering=args.arm, **kwargs)
    t0 = time.monotonic()
    automl.fit(split.X_train, split.y_train)
    fit_s = time.monotonic() - t0
    pred = automl.predict(split.X_test)
    proba = automl.predict_proba(split.X_test) if split.task != "regression" else None
    board = automl.leaderboard()
    best = board.loc[board["trial"] == automl.search_.best_trial, "params"]
    params = best.iloc[0] if len(best) and isinstance(best.iloc[0], dict) else {}
    chosen = {k.split(".", 1)[1]: v for k, v in params.items()
              if "." in k and k.split(".", 1)[1] in ENGINEERING_KEYS}
    return score(split, proba, pred, getattr(automl, "classes_", None)) | {
        "fit_s": round(fit_s, 2), "n_finished": int((board["status"] == "finished").sum()),
        "model": automl.search_.description, "engineering": chosen}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["generated", "adult"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--budget", type=float, default=45.0)
    parser.add_argument("--arms", nargs="+", default=list(ARMS))
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "feature-engineering")
    # one run in this process (how the parent starts each run)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--arm", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        args.result.write_text(json.dumps(run_one(args), default=str))
        return 0

    args.out.mkdir(parents=True, exist_ok=True)
    jsonl = args.out / "results.jsonl"
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            for arm in args.arms:
                rows.append(_spawn(args, dataset, seed, arm))
                with jsonl.open("a") as f:
                    f.write(json.dumps(rows[-1], default=str) + "\n")
                print(json.dumps(rows[-1], default=str), flush=True)
    table = render(rows, args)
    (args.out / "results.md").write_text(table)
    print(table)
    return 0


def _spawn(args, dataset: str, seed: int, arm: str) -> dict:
    result = args.out / f"one-{dataset}-{seed}-{arm}.json"
    argv = ["--dataset", dataset, "--seed", str(seed), "--arm", arm, "--budget", str(args.budget),
            "--datasets-dir", str(args.datasets_dir)]
    row = {"dataset": dataset, "seed": seed, "arm": arm, "budget": args.budget}
    return run_one_child(__file__, argv, result, row, timeout=3 * args.budget + 300)


def render(rows: list[dict], args) -> str:
    lines = [f"Budget {args.budget:g} s, seeds {args.seeds} (medians; per seed: fixed -> search).", "",
             "| dataset | metric | fixed | search | search - fixed | per seed | fit s fixed / search | "
             "trials fixed / search |", "|---|---|---|---|---|---|---|---|"]
    for dataset in args.datasets:
        mine = [r for r in rows if r["dataset"] == dataset]
        metric = PRIMARY["binary"] if dataset == "generated" else PRIMARY[
            load_module(args.datasets_dir).load(dataset)[2]["task"]]
        by_arm = {arm: [r for r in mine if r["arm"] == arm] for arm in ARMS}
        med = {arm: median_ok(by_arm[arm], "primary") for arm in ARMS}
        pairs = []
        for seed in args.seeds:
            s = [next((r.get("primary") for r in by_arm[arm] if r["seed"] == seed and r.get("status") == "ok"),
                      None) for arm in ARMS]
            pairs.append("/".join("fail" if v is None else f"{v:.4f}" for v in s))
        diff = (f"{med['search'] - med['fixed']:+.4f}" if None not in med.values() else "n/a")
        fmt = {a: ("fail" if med[a] is None else f"{med[a]:.4f}") for a in ARMS}
        fits = " / ".join(f"{median_ok(by_arm[a], 'fit_s') or 0:.0f}" for a in ARMS)
        trials = " / ".join(f"{median_ok(by_arm[a], 'n_finished') or 0:.0f}" for a in ARMS)
        lines.append(f"| {dataset} | {metric} | {fmt['fixed']} | {fmt['search']} | {diff} | "
                     f"{'; '.join(pairs)} | {fits} | {trials} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
