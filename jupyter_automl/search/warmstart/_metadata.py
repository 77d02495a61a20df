"""The meta-data the meta-model learns from: datasets (meta-features), configurations and the
normalised score of each evaluated (dataset, configuration) pair, in long form so that the
user's studies, each with its own configurations, join the reference corpus as they are.

It is stored as ``knowledge.json`` (configurations, names, portfolio, settings) plus
``knowledge.npz`` (the numbers): no pickle anywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

JSON_FILE = "knowledge.json"
NPZ_FILE = "knowledge.npz"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class MetaData:
    """Datasets x configurations -> normalised score, plus the datasets' meta-features.

    ``task_kinds`` are "classification" or "regression"; ``sources`` say "corpus" or "history"
    (a study of the user's); ``weights`` weigh each dataset in the meta-model's fit; ``seconds``
    is each pair's mean time of one fold, fit and predictions (NaN where unknown), what the warm
    start prices configurations by (``_cost.py``).
    """

    datasets: tuple[str, ...]
    task_kinds: tuple[str, ...]
    sources: tuple[str, ...]
    features: np.ndarray  # (n_datasets, n_metafeatures)
    configs: tuple[dict[str, Any], ...]  # {"id", "task_kind", "params"}
    dataset_idx: np.ndarray  # long form: one entry per evaluated pair
    config_idx: np.ndarray
    score: np.ndarray
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self):
        if len(self.weights) != len(self.datasets):
            object.__setattr__(self, "weights", np.ones(len(self.datasets)))
        if len(self.seconds) != len(self.score):
            object.__setattr__(self, "seconds", np.full(len(self.score), np.nan))

    @property
    def n_datasets(self) -> int:
        return len(self.datasets)

    def count(self, source: str) -> int:
        return sum(s == source for s in self.sources)

    def without(self, dataset_ids: object) -> MetaData:
        """The same meta-data with these datasets (and their rows) left out."""
        drop = set(dataset_ids)
        keep = np.array([d not in drop for d in self.datasets], dtype=bool)
        return self.select(keep)

    def select(self, keep: np.ndarray) -> MetaData:
        """Only the datasets where ``keep`` is True."""
        new_index = np.cumsum(keep) - 1
        rows = keep[self.dataset_idx]
        return replace(self, datasets=tuple(np.array(self.datasets, dtype=object)[keep]),
                       task_kinds=tuple(np.array(self.task_kinds, dtype=object)[keep]),
                       sources=tuple(np.array(self.sources, dtype=object)[keep]),
                       features=self.features[keep], weights=self.weights[keep],
                       dataset_idx=new_index[self.dataset_idx[rows]],
                       config_idx=self.config_idx[rows], score=self.score[rows],
                       seconds=self.seconds[rows])

    def matrix(self, task_kind: str) -> tuple[np.ndarray, list[int], list[int]]:
        """Dense scores of the corpus configurations of ``task_kind`` on its datasets.

        Returns ``(ns, dataset_indices, config_indices)``; NaN where a pair was not evaluated.
        """
        ds = [i for i, k in enumerate(self.task_kinds) if k == task_kind]
        cs = [i for i, c in enumerate(self.configs) if c["task_kind"] == task_kind
              and c.get("source", "corpus") != "history"]
        ns = np.full((len(ds), len(cs)), np.nan)
        row = {d: r for r, d in enumerate(ds)}
        col = {c: k for k, c in enumerate(cs)}
        for d, c, s in zip(self.dataset_idx, self.config_idx, self.score, strict=True):
            if d in row and c in col:
                ns[row[d], col[c]] = s
        return ns, ds, cs

    def merged(self, other: MetaData) -> MetaData:
        """This meta-data followed by ``other``'s datasets and configurations."""
        n_d, n_c = self.n_datasets, len(self.configs)
        return MetaData(
            datasets=self.datasets + other.datasets, task_kinds=self.task_kinds + other.task_kinds,
            sources=self.sources + other.sources,
            features=np.vstack([self.features, other.features]) if other.n_datasets else self.features,
            configs=self.configs + other.configs,
            dataset_idx=np.concatenate([self.dataset_idx, other.dataset_idx + n_d]).astype(int),
            config_idx=np.concatenate([self.config_idx, other.config_idx + n_c]).astype(int),
            score=np.concatenate([self.score, other.score]),
            weights=np.concatenate([self.weights, other.weights]),
            seconds=np.concatenate([self.seconds, other.seconds]))


MODEL_PREFIX = "model."


def save(meta: MetaData, folder: Path, extra: dict[str, Any],
         model: dict[str, np.ndarray] | None = None) -> None:
    """Write ``knowledge.json`` (with ``extra``: names, portfolio, settings) and ``knowledge.npz``
    (with the fitted meta-model's arrays, ``model``, when given)."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"format_version": FORMAT_VERSION, **extra, "datasets": list(meta.datasets),
           "task_kinds": list(meta.task_kinds), "configs": list(meta.configs)}
    (folder / JSON_FILE).write_text(json.dumps(doc, separators=(",", ":"), default=_plain))
    np.savez_compressed(folder / NPZ_FILE, features=meta.features.astype(np.float32),
                        dataset_idx=meta.dataset_idx.astype(np.int32),
                        config_idx=meta.config_idx.astype(np.int32),
                        score=np.round(meta.score, 4).astype(np.float32),
                        seconds=meta.seconds.astype(np.float32),
                        **{MODEL_PREFIX + k: v for k, v in (model or {}).items()})


def load(folder: Path) -> tuple[MetaData, dict[str, Any]]:
    """Read what ``save`` wrote; returns the meta-data and the rest of the JSON document, where
    ``"model_arrays"`` holds the fitted meta-model's arrays (empty if none were saved)."""
    doc = json.loads((Path(folder) / JSON_FILE).read_text())
    if doc.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{folder / JSON_FILE} has format {doc.get('format_version')!r}; this "
                         f"version of jupyter_automl reads format {FORMAT_VERSION}.")
    with np.load(Path(folder) / NPZ_FILE, allow_pickle=False) as arrays:
        meta = MetaData(datasets=tuple(doc.pop("datasets")), task_kinds=tuple(doc.pop("task_kinds")),
                        sources=("corpus",) * len(arrays["features"]),
                        features=arrays["features"].astype(float), configs=tuple(doc.pop("configs")),
                        dataset_idx=arrays["dataset_idx"].astype(int),
                        config_idx=arrays["config_idx"].astype(int),
                        score=arrays["score"].astype(float),
                        seconds=arrays["seconds"].astype(float) if "seconds" in arrays.files else np.zeros(0))
        doc["model_arrays"] = {k[len(MODEL_PREFIX):]: arrays[k] for k in arrays.files
                               if k.startswith(MODEL_PREFIX)}
    return meta, doc


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else str(v)
