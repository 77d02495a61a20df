"""Offline evaluation of the warm-start knowledge on the corpus: does it pick good first trials
for a dataset it never saw?

    .venv/bin/python benchmarks/meta/evaluate_metamodels.py       # writes benchmarks/meta/evaluation.md

Two protocols, both leave the evaluated dataset out of everything (portfolio, meta-model):

- grouped 10-fold over every corpus dataset (each dataset held out once);
- leave-one-dataset-out over the 11 public datasets (``public/*``).

For a held-out dataset, the candidates are the corpus configurations of its task kind, whose true
normalised scores are known from the corpus. Reported, averaged over held-out datasets:

- ranking quality of each ranker over all candidates: Kendall tau between predicted and true
  scores, and the regret (1 - normalised score) of its top pick. Rankers: the direct and the
  pairwise meta-model, the portfolio order (greedy order, then the rest by mean score), and the
  mean normalised score of each configuration over the training datasets;
- "simulated anytime": the best normalised score among the first k configurations tried, k = 1,
  3, 5, 10, for: the portfolio ordered by each meta-model, the portfolio and today's defaults
  together ordered by each meta-model (what ``Knowledge.warm_start`` ranks), the portfolio in
  greedy order, today's fixed defaults order (then random), all candidates ranked by each
  meta-model, and a random order (expected value over 200 orders).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from _corpus import CORPUS, default_order, encoding_settings, load_corpus  # noqa: E402

from jupyter_automl.search.warmstart._encoding import ConfigEncoder  # noqa: E402
from jupyter_automl.search.warmstart._metamodel import make_model  # noqa: E402
from jupyter_automl.search.warmstart._portfolio import (  # noqa: E402
    greedy_portfolio,
    ordered_portfolio,
    similarity_weights,
)

KS = (1, 3, 5, 10)
PORTFOLIO_SIZE = 12
N_RANDOM = 200


def best_of_first(ns: np.ndarray, order: list[int] | np.ndarray) -> dict[int, float]:
    """Best normalised score among the first k of ``order`` (a shorter order keeps its best)."""
    order = list(order)
    return {k: float(np.max(ns[order[:k]])) if order else 0.0 for k in KS}


def evaluate_dataset(d, train, meta, C, models, configs, rng) -> dict:
    """Every ranker and ordering on held-out dataset ``d`` (an index into ``meta``)."""
    kind = meta.task_kinds[d]
    rows = np.flatnonzero(meta.dataset_idx == d)
    cand = meta.config_idx[rows]
    true = meta.score[rows]
    f = meta.features[d]
    # training statistics for the baselines, on datasets of the same kind
    ns_train, _, cols = train.matrix(kind)
    col_of = {c: k for k, c in enumerate(cols)}
    mean_ns = np.nanmean(np.nan_to_num(ns_train, nan=0.0), axis=0)
    picks, _ = greedy_portfolio(ns_train, PORTFOLIO_SIZE)
    portfolio = [cols[p] for p in picks]
    pos = {c: i for i, c in enumerate(cand)}
    scores = {
        "direct": models["direct"].predict(f, C[cand]),
        "pairwise": models["pairwise"].predict(f, C[cand]),
        "mean score": np.array([mean_ns[col_of[c]] for c in cand]),
    }
    in_portfolio = {c: PORTFOLIO_SIZE - i for i, c in enumerate(portfolio)}
    scores["portfolio order"] = np.array([in_portfolio.get(c, 0) + mean_ns[col_of[c]] / 10 for c in cand])
    out: dict = {"dataset": meta.datasets[d], "kind": kind, "rank": {}, "anytime": {}}
    for name, s in scores.items():
        order = np.argsort(-s, kind="stable")
        tau = kendalltau(s, true).statistic
        out["rank"][name] = {"tau": 0.0 if np.isnan(tau) else float(tau),
                             "top1_regret": float(1.0 - true[order[0]])}
    port_local = [pos[c] for c in portfolio if c in pos]
    defaults = [pos[c] for c in default_order(configs, kind) if c in pos]
    union = port_local + [i for i in defaults if i not in port_local]
    for name in ("direct", "pairwise"):
        s = scores[name]
        out["anytime"][f"portfolio + {name}"] = best_of_first(true, sorted(port_local, key=lambda i: -s[i]))
        out["anytime"][f"portfolio & defaults + {name}"] = best_of_first(true, sorted(union, key=lambda i: -s[i]))
        out["anytime"][f"all ranked by {name}"] = best_of_first(true, np.argsort(-s, kind="stable"))
    out["anytime"]["portfolio (greedy order)"] = best_of_first(true, port_local)
    # the similarity-weighted greedy with the meta-model's predictions as one more dataset
    tr_rows, _, tr_cols = train.matrix(kind)
    keep_rows = ~np.all(np.isnan(tr_rows), axis=1)
    tr_feat = train.features[[i for i, k in enumerate(train.task_kinds) if k == kind]][keep_rows]
    scale = np.nanstd(train.features, axis=0) + 1e-9
    w = similarity_weights(tr_feat, f, scale)
    col_idx = [tr_cols.index(c) for c in cand]
    ns_c = tr_rows[keep_rows][:, col_idx]
    for mw in (0.5, 1.0, 2.0):
        for label, members in (("portfolio & defaults", union), ("all", list(range(len(cand))))):
            sub = ordered_portfolio(ns_c[:, members], w, scores["direct"][members], mw, 10)
            out["anytime"][f"{label}, weighted greedy + direct (w={mw})"] = best_of_first(
                true, [members[i] for i in sub])
    rest = [i for i in range(len(cand)) if i not in defaults]
    random_tail = [best_of_first(true, defaults + list(rng.permutation(rest))) for _ in range(N_RANDOM // 4)]
    out["anytime"]["defaults, then random"] = {k: float(np.mean([r[k] for r in random_tail])) for k in KS}
    rand = [best_of_first(true, rng.permutation(len(cand))) for _ in range(N_RANDOM)]
    out["anytime"]["random"] = {k: float(np.mean([r[k] for r in rand])) for k in KS}
    return out


def run_protocol(meta, C, configs, held_out_groups, label, log) -> list[dict]:
    results = []
    rng = np.random.default_rng(0)
    for g, held in enumerate(held_out_groups):
        keep = np.ones(meta.n_datasets, dtype=bool)
        keep[held] = False
        train = meta.select(keep)
        t0 = time.perf_counter()
        models = {form: make_model(form).fit(train.features, C, train.dataset_idx, train.config_idx,
                                             train.score) for form in ("direct", "pairwise")}
        log(f"{label} {g + 1}/{len(held_out_groups)}: fitted both forms in {time.perf_counter() - t0:.1f} s")
        for d in held:
            results.append(evaluate_dataset(d, train, meta, C, models, configs, rng))
    return results


def summarise(results: list[dict]) -> dict:
    rank = {name: {m: float(np.mean([r["rank"][name][m] for r in results])) for m in ("tau", "top1_regret")}
            for name in results[0]["rank"]}
    anytime = {name: {k: float(np.mean([r["anytime"][name][k] for r in results])) for k in KS}
               for name in results[0]["anytime"]}
    return {"n": len(results), "rank": rank, "anytime": anytime}


def markdown(title: str, s: dict) -> str:
    lines = [f"### {title} ({s['n']} held-out datasets)", "",
             "| ranker | Kendall tau (mean) | top-1 regret (mean) |", "|---|---:|---:|"]
    for name, v in s["rank"].items():
        lines.append(f"| {name} | {v['tau']:.3f} | {v['top1_regret']:.3f} |")
    lines += ["", "Simulated anytime: mean best normalised score after the first k configurations",
              "", "| order | " + " | ".join(f"k={k}" for k in KS) + " |",
              "|---|" + "---:|" * len(KS)]
    for name, v in s["anytime"].items():
        lines.append(f"| {name} | " + " | ".join(f"{v[k]:.3f}" for k in KS) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--folds", type=int, default=10)
    p.add_argument("--out", type=Path, default=HERE / "evaluation.md")
    args = p.parse_args(argv)
    meta, manifest, _ = load_corpus(args.corpus)
    configs = [{"id": c["id"], "task_kind": c["task_kind"], "params": c["params"]} for c in meta.configs]
    settings = encoding_settings(configs)
    C = ConfigEncoder(settings["families"], settings["spec"]).encode_many([c["params"] for c in configs])
    print(f"{meta.n_datasets} datasets, {len(configs)} configurations, {len(meta.score)} scores")
    rng = np.random.default_rng(0)
    order = rng.permutation(meta.n_datasets)
    groups = [list(order[i::args.folds]) for i in range(args.folds)]
    public = [[d] for d, name in enumerate(meta.datasets) if name.startswith("public/")]
    summary = {
        "grouped": summarise(run_protocol(meta, C, configs, groups, "grouped", print)),
        "public": summarise(pub := run_protocol(meta, C, configs, public, "public LOO", print)),
        "public_per_dataset": pub,
        "corpus": {"datasets": meta.n_datasets,
                   "by_source_task": {f"{s}/{t}": int(n) for (s, t), n in
                                      manifest.groupby(["source", "task"]).size().items()}},
    }
    text = ["# Warm-start knowledge: offline evaluation on the corpus", "",
            f"Corpus: {meta.n_datasets} datasets, {len(configs)} configurations "
            f"(generated by `benchmarks/meta/evaluate_metamodels.py`).", "",
            markdown(f"Grouped {args.folds}-fold over all corpus datasets", summary["grouped"]),
            markdown("Leave-one-dataset-out on the 11 public datasets", summary["public"])]
    args.out.write_text("\n".join(text))
    args.out.with_suffix(".json").write_text(json.dumps(
        summary, indent=1, default=lambda v: v.item() if hasattr(v, "item") else str(v)))
    print("\n".join(text))
    return summary


if __name__ == "__main__":
    main()
