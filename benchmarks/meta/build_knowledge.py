"""Build the shipped warm-start knowledge from the corpus.

    .venv/bin/python benchmarks/meta/build_knowledge.py [--form direct|pairwise] [--portfolio-size 12]

Writes ``jupyter_automl/search/warmstart/data/knowledge.json`` (configurations, encoding spec,
meta-feature names, the greedy portfolio of each task kind, the meta-model's form and settings)
and ``knowledge.npz`` (the datasets' meta-features, the normalised scores and the fitted
meta-model's trees as arrays). Plain data, loadable without pickle; the meta-data is shipped too
so that ``Knowledge`` can refit the meta-model with the user's studies or without a dataset. ``--form`` defaults to the form with the lower top-1 regret in the grouped
protocol of ``evaluation.json`` (written by ``evaluate_metamodels.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from _corpus import CORPUS, encoding_settings, load_corpus  # noqa: E402

from jupyter_automl.search.warmstart._knowledge import DATA_DIR, Knowledge  # noqa: E402
from jupyter_automl.search.warmstart._metadata import load, save  # noqa: E402
from jupyter_automl.search.warmstart._metafeatures import METAFEATURE_NAMES  # noqa: E402
from jupyter_automl.search.warmstart._metamodel import model_arrays  # noqa: E402

PORTFOLIO_SIZE = 12


def chosen_form(evaluation: Path) -> str:
    if not evaluation.exists():
        return "direct"
    grouped = json.loads(evaluation.read_text())["grouped"]["rank"]
    return min(("direct", "pairwise"), key=lambda f: grouped[f]["top1_regret"])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--form", choices=("direct", "pairwise"), default=None)
    p.add_argument("--portfolio-size", type=int, default=PORTFOLIO_SIZE)
    p.add_argument("--out", type=Path, default=DATA_DIR)
    args = p.parse_args(argv)
    meta, manifest, _ = load_corpus(args.corpus)
    configs = [{"id": c["id"], "task_kind": c["task_kind"], "params": c["params"]} for c in meta.configs]
    form = args.form or chosen_form(HERE / "evaluation.json")
    settings = encoding_settings(configs) | {
        "form": form, "portfolio_size": args.portfolio_size,
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
