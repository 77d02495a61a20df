"""Build the shipped warm-start knowledge from the corpus.

    .venv/bin/python benchmarks/meta/build_knowledge.py [--form direct|pairwise] [--portfolio-size 12] [--first 46]

Writes ``jupyter_automl/search/warmstart/data/knowledge.json`` (configurations, encoding spec,
meta-feature names, the greedy portfolio of each task kind, the meta-model's form and settings)
and ``knowledge.npz`` (the datasets' meta-features, the normalised scores and the fitted
meta-model's trees as arrays). Plain data, loadable without pickle; the meta-data is shipped too
so that ``Knowledge`` can refit the meta-model with the user's studies or without a dataset. The meta-model's form and how the
candidates are ordered (by the model alone, or the similarity-weighted greedy with the model's
predictions as one more dataset) are those that did best in the grouped protocol of
``evaluation.json`` (written by ``evaluate_metamodels.py``); ``--form`` forces a form, ordered
by the model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from _corpus import CORPUS, encoding_settings, load_corpus  # noqa: E402

from jupyter_automl.search.warmstart._knowledge import DATA_DIR, Knowledge  # noqa: E402
from jupyter_automl.search.warmstart._metadata import load, save  # noqa: E402
from jupyter_automl.search.warmstart._metafeatures import METAFEATURE_NAMES  # noqa: E402
from jupyter_automl.search.warmstart._metamodel import model_arrays  # noqa: E402

PORTFOLIO_SIZE = 12


def chosen_settings(evaluation: Path) -> dict:
    """The form, order and model weight whose warm start ("portfolio & defaults", the candidate
    set ``Knowledge`` ranks) reached the best mean normalised score over k = 1, 3, 5 in the
    grouped protocol of ``evaluation.json``; the direct form by default."""
    if not evaluation.exists():
        return {"form": "direct", "order": "model", "model_weight": 1.0}
    anytime = json.loads(evaluation.read_text())["grouped"]["anytime"]
    options = {"portfolio & defaults + direct": {"form": "direct", "order": "model"},
               "portfolio & defaults + pairwise": {"form": "pairwise", "order": "model"}}
    for name in anytime:
        if name.startswith("portfolio & defaults, weighted greedy + direct (w="):
            weight = float(name.split("w=")[1].rstrip(")"))
            options[name] = {"form": "direct", "order": "weighted_greedy", "model_weight": weight}
    best = max(options, key=lambda n: sum(anytime[n][str(k)] if str(k) in anytime[n] else anytime[n][k]
                                          for k in (1, 3, 5)))
    print(f"chosen from evaluation.json: {best}")
    return {"model_weight": 1.0} | options[best]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--form", choices=("direct", "pairwise"), default=None)
    p.add_argument("--portfolio-size", type=int, default=PORTFOLIO_SIZE)
    p.add_argument("--out", type=Path, default=DATA_DIR)
    p.add_argument("--first", type=int, default=None,
                   help="only the first N usable tables of the manifest (the corpus grows at its end)")
    args = p.parse_args(argv)
    meta, manifest, _ = load_corpus(args.corpus)
    if args.first is not None:
        meta = meta.select(np.arange(meta.n_datasets) < args.first)
        manifest = manifest[manifest.id.isin(meta.datasets)]
    configs = [{"id": c["id"], "task_kind": c["task_kind"], "params": c["params"]} for c in meta.configs]
    chosen = chosen_settings(HERE / "evaluation.json")
    if args.form:
        chosen = {"form": args.form, "order": "model", "model_weight": 1.0}
    form = chosen["form"]
    settings = encoding_settings(configs) | chosen | {
        "portfolio_size": args.portfolio_size,
        "metafeature_names": list(METAFEATURE_NAMES), "seed": 0,
        "corpus": {f"{s}/{t}": int(n) for (s, t), n in manifest.groupby(["source", "task"]).size().items()}}
    knowledge = Knowledge(meta, settings)
    settings["portfolio"] = {k: [meta.configs[i]["id"] for i in knowledge.portfolio(k)]
                             for k in ("classification", "regression")}
    # saved once, read back, and the model fitted on what was read: the shipped model is then
    # exactly what Knowledge.refit() fits from the shipped (rounded, float32) numbers
    save(meta, args.out, settings)
    shipped, _ = load(args.out)
    save(shipped, args.out, settings, model=model_arrays(Knowledge(shipped, settings).model))
    sizes = {f.name: f.stat().st_size for f in args.out.iterdir() if f.is_file()}
    print(f"{meta.n_datasets} datasets, form {form}, portfolio {settings['portfolio']}")
    print(f"files: {sizes} (total {sum(sizes.values()) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
