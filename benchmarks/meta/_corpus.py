"""Read the corpus folder (manifest, results, meta-features, configurations) into ``MetaData``.

Shared by ``evaluate_metamodels.py`` and ``build_knowledge.py``. A configuration's score on a
dataset is its mean over the 3 folds; a configuration that failed on any fold is failed
(normalised score 0). One that was killed at the per-fit time limit is left out (not evaluated):
the build runs niced on a shared machine, and most kills were a busy machine, not a bad
configuration (a dataset built while others ran browser tests lost 24 of 81 fits that way). Datasets whose best configuration does not beat the constant
predictor are left out (they say nothing about which configuration is better).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from jupyter_automl.search.warmstart._metadata import MetaData
from jupyter_automl.search.warmstart._metafeatures import METAFEATURE_NAMES
from jupyter_automl.search.warmstart._portfolio import normalised_scores

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
GREATER = {"roc_auc": True, "log_loss": False, "rmse": False}


def load_configs(path: Path = HERE / "configs.json") -> list[dict]:
    return json.loads(Path(path).read_text())["configs"]


def load_corpus(folder: Path = CORPUS, configs_path: Path = HERE / "configs.json"):
    """Returns ``(meta, manifest, raw)``: the MetaData, the manifest frame (usable datasets only)
    and the per-(dataset, config) mean raw scores with fit seconds."""
    configs = load_configs(configs_path)
    ids = [c["id"] for c in configs]
    manifest = pd.read_csv(folder / "manifest.csv")
    manifest = manifest[manifest.status == "ok"]
    features = pd.read_csv(folder / "metafeatures.csv").drop_duplicates("dataset").set_index("dataset")
    manifest = manifest[manifest.id.isin(features.index)]
    results = pd.read_csv(folder / "results.csv.gz")
    results = results[results.dataset.isin(manifest.id)]
    ok = results.groupby(["dataset", "config"]).agg(
        ok=("status", lambda s: bool((s == "ok").all())),
        killed=("status", lambda s: bool((s == "timeout").any())), score=("score", "mean"),
        fit_s=("fit_s", "sum"), predict_s=("predict_s", "sum"), n=("fold", "count")).reset_index()
    ok.loc[~ok.ok, "score"] = np.nan
    wide = ok.pivot(index="dataset", columns="config", values="score")
    killed = set(zip(ok.dataset[ok.killed], ok.config[ok.killed], strict=True))
    # a fold's fit and validation predictions (k-NN's cost is all in predicting)
    fold_s = {(d, c): (f + p) / n for d, c, f, p, n in
              zip(ok.dataset, ok.config, ok.fit_s, ok.predict_s, ok.n, strict=True)}
    rows, kinds, keep = [], [], []
    m = manifest.set_index("id")
    for dataset in manifest.id:
        kind = "regression" if m.loc[dataset, "task"] == "regression" else "classification"
        cols = [c["id"] for c in configs if c["task_kind"] == kind]
        raw = wide.loc[dataset].reindex(cols).to_numpy(dtype=float)
        const = float(wide.loc[dataset, "constant"])
        ns = normalised_scores(raw[None, :], np.array([const]),
                               np.array([GREATER[m.loc[dataset, "metric"]]]))[0]
        if np.all(np.isnan(ns)):
            continue
        keep.append(dataset)
        kinds.append(kind)
        rows.append((dataset, cols, ns))
    index = {cid: i for i, cid in enumerate(ids)}
    d_idx, c_idx, score, seconds = [], [], [], []
    for d, (dataset, cols, ns) in enumerate(rows):
        for cid, s in zip(cols, ns, strict=True):
            if (dataset, cid) in killed:
                continue
            d_idx.append(d)
            c_idx.append(index[cid])
            score.append(s)
            seconds.append(fold_s.get((dataset, cid), np.nan))
    meta = MetaData(datasets=tuple(keep), task_kinds=tuple(kinds), sources=("corpus",) * len(keep),
                    features=features.loc[keep, list(METAFEATURE_NAMES)].to_numpy(dtype=float),
                    configs=tuple({"id": c["id"], "task_kind": c["task_kind"], "params": c["params"]}
                                  for c in configs),
                    dataset_idx=np.array(d_idx), config_idx=np.array(c_idx), score=np.array(score),
                    seconds=np.array(seconds, dtype=float))
    return meta, manifest[manifest.id.isin(keep)].reset_index(drop=True), ok


def reference_problems():
    """A small classification and a small regression Problem (the spaces depend on the task)."""
    from make_configs import reference_problem

    return {"classification": reference_problem("binary", 300),
            "regression": reference_problem("regression", 300)}


def encoding_settings(configs: list[dict]) -> dict:
    """The families and encoding spec of the configurations (written into knowledge.json)."""
    from jupyter_automl.search.warmstart._encoding import space_spec

    families = list(dict.fromkeys(c["params"]["family"] for c in configs))
    return {"families": families, "spec": space_spec(list(reference_problems().values()), families)}


def default_order(configs: list[dict], kind: str) -> list[int]:
    """Indices of the configurations the engine enqueues first today (``default_configs`` of a
    small table, neural left out), in its order."""
    from jupyter_automl.search.space import SearchSpace

    problem = reference_problems()[kind]
    families = list(dict.fromkeys(c["params"]["family"] for c in configs if c["task_kind"] == kind))
    order = []
    for params in SearchSpace(problem, families).default_configs():
        match = [i for i, c in enumerate(configs) if c["task_kind"] == kind and c["params"] == params]
        order += match[:1]
    return order
