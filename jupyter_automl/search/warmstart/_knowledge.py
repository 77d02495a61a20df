"""Knowledge: the shipped meta-data plus the user's studies, and the warm start they give.

    knowledge = Knowledge.load(runs_dir="automl_runs")      # shipped corpus + your studies
    configs = knowledge.warm_start(problem, X, y, families=["linear", "gradient_boosting"], n=8)
    for c in configs: study.enqueue_trial(c.params)          # first trials of the search

The first trials are chosen among the portfolio's configurations, the space's default
configurations and the best trials of the user's most similar earlier studies, ordered for the
dataset at hand by the meta-model.
Loading reads two small files once per process; the meta-model is fitted lazily the first time
it is needed and cached for as long as the meta-data is the same.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..space import DEFAULT_FAMILIES, SearchSpace
from ._cost import Pricer
from ._encoding import ConfigEncoder, valid_for_space
from ._history import read_history, reset_history
from ._metadata import MetaData, load
from ._metafeatures import compute_metafeatures, metafeature_vector
from ._metamodel import make_model, model_from_arrays
from ._portfolio import greedy_portfolio, ordered_portfolio, similarity_weights

DATA_DIR = Path(__file__).resolve().parent / "data"
N_NEAREST_STUDIES = 3  # the user's studies most like this problem offer their best trials
PER_STUDY = 2
_MODEL_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_MODEL_CACHE_SIZE = 4
_LOCK = threading.Lock()


@dataclass(frozen=True)
class WarmStartConfig:
    """One configuration to evaluate first.

    ``params`` is a complete configuration of today's search space (``{"family": ...,
    "<family>.<param>": ...}``, ready for ``study.enqueue_trial``); ``predicted_score`` the
    meta-model's estimate of its normalised score (1: as good as the best reference
    configuration on similar data, 0: no better than the constant predictor; with the pairwise
    form, its mean predicted advantage over the other candidates instead); ``source`` is
    "portfolio" (the shipped reference configurations), "default" (one of the space's default
    configurations, which a search without warm start tries first) or "history" (one of your
    studies); ``config_id`` names it in the knowledge.
    """

    params: dict[str, Any]
    predicted_score: float
    source: str
    config_id: str


def _key(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


@functools.lru_cache(maxsize=4)
def _shipped(folder: str) -> tuple[MetaData, dict[str, Any]]:
    return load(Path(folder))


def task_kind(problem: Any) -> str:
    """"regression" or "classification" (binary and multiclass share configurations)."""
    return "regression" if problem.task == "regression" else "classification"


class Knowledge:
    """Meta-data, portfolio and meta-model behind the warm start.

    Build it with ``Knowledge.load``; ``fit_excluding`` makes one that never saw some datasets.

    Parameters
    ----------
    meta : MetaData
    settings : dict
        From the shipped ``knowledge.json``: ``families``, ``spec`` (the configuration
        encoding), ``form`` ("direct" or "pairwise"), ``portfolio_size``, ``portfolio``.
    """

    def __init__(self, meta: MetaData, settings: dict[str, Any], prefit: Any = None):
        self.meta = meta
        self.settings = settings
        self.encoder = ConfigEncoder(settings["families"], settings["spec"])
        self._encoded: np.ndarray | None = None
        self._prefit = prefit  # the shipped model, valid only for exactly the shipped meta-data

    @classmethod
    def load(cls, include_history: bool = True, runs_dir: str | os.PathLike = "automl_runs", *,
             exclude_studies: tuple[str, ...] = (), data_dir: str | os.PathLike | None = None) -> Knowledge:
        """The shipped knowledge, plus the finished studies of ``runs_dir`` when asked.

        Parameters
        ----------
        include_history : bool, default=True
            Learn from the studies in ``runs_dir`` too.
        runs_dir : str or path, default="automl_runs"
        exclude_studies : tuple of str
            Study names to leave out (the search that is starting, when it resumes a study).
        data_dir : str or path, optional
            Another folder holding ``knowledge.json`` and ``knowledge.npz``.

        Examples
        --------
        >>> k = Knowledge.load(include_history=False)
        >>> k.describe()["your_studies"]
        0
        """
        meta, settings = _shipped(str(Path(data_dir or DATA_DIR).resolve()))
        arrays = settings.get("model_arrays") or {}
        prefit = model_from_arrays(settings["form"], arrays) if arrays else None
        if include_history:
            history = read_history(runs_dir, exclude=tuple(exclude_studies))
            if history.n_datasets:
                meta, prefit = meta.merged(history), None  # refit with the user's studies
        return cls(meta, settings, prefit)

    def fit_excluding(self, dataset_ids: object) -> Knowledge:
        """Knowledge built without these datasets: their scores neither enter the portfolio nor
        the meta-model (for leave-one-dataset-out evaluation)."""
        return Knowledge(self.meta.without(dataset_ids), self.settings)

    # -- the parts ----------------------------------------------------------------------------

    @property
    def encoded(self) -> np.ndarray:
        """Every configuration of the meta-data, encoded (cached)."""
        if self._encoded is None:
            self._encoded = self.encoder.encode_many([c["params"] for c in self.meta.configs])
        return self._encoded

    def portfolio(self, kind: str) -> list[int]:
        """Indices (into ``meta.configs``) of the greedy portfolio of a task kind, in pick order.

        Built from the reference corpus only; the user's studies add candidates of their own.
        """
        corpus = self.meta.select(np.array([s == "corpus" for s in self.meta.sources], dtype=bool))
        ns, _, columns = corpus.matrix(kind)
        picks, _ = greedy_portfolio(ns, int(self.settings["portfolio_size"]))
        return [columns[p] for p in picks]

    @property
    def model(self) -> Any:
        """The meta-model fitted on all the meta-data: the shipped one when the meta-data is the
        shipped corpus, else fitted once per distinct meta-data (and cached)."""
        if self._prefit is not None:
            return self._prefit
        m = self.meta
        key = (self.settings["form"], m.datasets, len(m.score), float(np.sum(m.score)))
        with _LOCK:
            if key in _MODEL_CACHE:
                _MODEL_CACHE.move_to_end(key)
                return _MODEL_CACHE[key]
        model = make_model(self.settings["form"]).fit(m.features, self.encoded, m.dataset_idx,
                                                      m.config_idx, m.score, m.weights)
        with _LOCK:
            _MODEL_CACHE[key] = model
            while len(_MODEL_CACHE) > _MODEL_CACHE_SIZE:
                _MODEL_CACHE.popitem(last=False)
        return model

    def predict(self, features: dict[str, float], configs: list[dict[str, Any]]) -> np.ndarray:
        """The meta-model's score of each configuration on a dataset with these meta-features
        (a normalised score for the direct form, a mean advantage for the pairwise form)."""
        return self.model.predict(metafeature_vector(features), self.encoder.encode_many(configs))

    def fold_seconds(self, problem: Any, metafeatures: dict[str, float],
                     params: list[dict[str, Any]]) -> np.ndarray:
        """Expected seconds (fit and predictions) of one of the problem's folds for each
        configuration, on the corpus's (pessimistic) time scale: see ``_cost.py``."""
        return self.pricer(problem, metafeatures)(params)

    def pricer(self, problem: Any, metafeatures: dict[str, float]) -> Pricer:
        """``fold_seconds`` for one problem, its tables built once (``_cost.Pricer``)."""
        return Pricer(self.meta, task_kind(problem), metafeatures, problem.splits.train_rows(0))

    # -- the warm start -----------------------------------------------------------------------

    def warm_start(self, problem: Any, X: Any = None, y: object = None, families: object = None,
                   n: int = 8, *, metafeatures: dict[str, float] | None = None,
                   seed: int = 0) -> list[WarmStartConfig]:
        """The first ``n`` configurations to try on a problem, best predicted first.

        Parameters
        ----------
        problem : Problem
            From ``analyze``.
        X, y : DataFrame and array-like
            The clean training rows, for the meta-features (not needed with ``metafeatures``).
        families : list of str or None
            The families the search uses (None: the default ones); configurations of other
            families, and those whose parameters no longer fit today's space, are left out.
        n : int, default=8
        metafeatures : dict, optional
            Already computed ``compute_metafeatures(X, y, problem)``.
        seed : int, default=0
            For the meta-features' landmarkers.

        Returns
        -------
        list of WarmStartConfig
            At most ``n``; fewer when few stored configurations fit the families.
        """
        if metafeatures is None:
            metafeatures = compute_metafeatures(X, y, problem, seed=seed)
        names = list(DEFAULT_FAMILIES) if families is None else \
            [families] if isinstance(families, str) else list(families)
        kind = task_kind(problem)
        candidates = self._candidates(problem, kind, names, metafeatures, n)
        if not candidates:
            return []
        scores = self.predict(metafeatures, [c[1] for c in candidates])
        if self.settings.get("order") == "weighted_greedy" and self.settings["form"] == "direct":
            order = self._weighted_greedy(candidates, scores, kind, metafeatures, n)
        else:
            order = list(np.argsort(-scores, kind="stable")[:n])
        if self.settings["form"] == "direct":  # the trees' estimate can stray past the 0-1 scale
            scores = np.clip(scores, 0.0, 1.0)
        return [WarmStartConfig(params=candidates[i][1], predicted_score=round(float(scores[i]), 4),
                                source=candidates[i][2], config_id=candidates[i][0]) for i in order]

    def _candidates(self, problem, kind, families, metafeatures, n) -> list[tuple[str, dict, str]]:
        """(id, params, source) of the portfolio, today's default configurations (so the warm
        start can only reorder and add to what a cold start tries), the nearest studies' best
        trials and, when too few of those fit the families, the other reference
        configurations of the task kind."""
        m = self.meta
        found: list[tuple[str, dict, str]] = []

        def add_params(config_id: str, stored: dict, source: str) -> None:
            params = valid_for_space(stored, problem, families)
            if params is not None and all(params != f[1] for f in found):
                found.append((config_id, params, source))

        def add(index: int, source: str) -> None:
            add_params(m.configs[index]["id"], m.configs[index]["params"], source)

        for i in self.portfolio(kind):
            add(i, "portfolio")
        # only families the meta-model was trained on: it cannot rank the others' defaults
        known = [f for f in families if f in self.encoder.families]
        if known:
            # a default that is also a stored configuration keeps that id (and its scores)
            stored = {_key(c["params"]): c["id"] for c in m.configs
                      if c["task_kind"] == kind and c.get("source") != "history"}
            for k, params in enumerate(SearchSpace(problem, known).default_configs()):
                config_id = stored.get(_key(params), f"default/{params['family']}/{k}")
                add_params(config_id, params, "default")
        for i in self._from_nearest_studies(kind, metafeatures):
            add(i, "history")
        if len(found) < n:
            for i, c in enumerate(m.configs):
                if c["task_kind"] == kind and c.get("source") != "history":
                    add(i, "portfolio")
        return found

    def _weighted_greedy(self, candidates, scores, kind, metafeatures, n) -> list[int]:
        """``ordered_portfolio`` over the candidates: the reference datasets and studies of the
        task kind weighted by similarity, plus the meta-model's predictions as one more."""
        m = self.meta
        rows = [d for d, k in enumerate(m.task_kinds) if k == kind]
        row_of = {d: r for r, d in enumerate(rows)}
        index = {c["id"]: i for i, c in enumerate(m.configs)}
        # a candidate whose id is a stored configuration has scores on the datasets that ran it
        column = {index[cid]: j for j, (cid, _, _) in enumerate(candidates) if cid in index}
        ns = np.full((len(rows), len(candidates)), np.nan)
        for d, c, s in zip(m.dataset_idx, m.config_idx, m.score, strict=True):
            if d in row_of and c in column:
                ns[row_of[d], column[c]] = s
        keep = ~np.all(np.isnan(ns), axis=1)
        scale = np.nanstd(m.features, axis=0) + 1e-9
        target = metafeature_vector(metafeatures)
        weights = similarity_weights(m.features[rows][keep], target, scale) if keep.any() else np.zeros(0)
        model_weight = float(self.settings.get("model_weight", 1.0))
        return ordered_portfolio(ns[keep], weights, scores, model_weight, n)

    def _from_nearest_studies(self, kind: str, metafeatures: dict[str, float]) -> list[int]:
        m = self.meta
        studies = [d for d, (s, k) in enumerate(zip(m.sources, m.task_kinds, strict=True))
                   if s == "history" and k == kind]
        if not studies:
            return []
        scale = np.nanstd(m.features, axis=0) + 1e-9
        distance = np.nansum(((m.features[studies] - metafeature_vector(metafeatures)) / scale) ** 2, axis=1)
        picks = []
        for d in np.array(studies)[np.argsort(distance, kind="stable")[:N_NEAREST_STUDIES]]:
            rows = np.flatnonzero(m.dataset_idx == d)
            best = rows[np.argsort(-m.score[rows], kind="stable")[:PER_STUDY]]
            picks += [int(m.config_idx[r]) for r in best]
        return picks

    # -- inspection ---------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """What the warm start knows: counts, the meta-model's form and the portfolios.

        Keys: ``reference_datasets``, ``your_studies``, ``configurations``, ``form``,
        ``by_task_kind`` ({kind: {"reference_datasets", "your_studies"}}) and ``portfolio``
        ({kind: [config ids]}).
        """
        m = self.meta
        kinds = ("classification", "regression")
        return {
            "reference_datasets": m.count("corpus"), "your_studies": m.count("history"),
            "configurations": len(m.configs), "form": self.settings["form"],
            "by_task_kind": {k: {"reference_datasets": sum(s == "corpus" and t == k for s, t in
                                                           zip(m.sources, m.task_kinds, strict=True)),
                                 "your_studies": sum(s == "history" and t == k for s, t in
                                                     zip(m.sources, m.task_kinds, strict=True))}
                             for k in kinds},
            "portfolio": {k: [m.configs[i]["id"] for i in self.portfolio(k)] for k in kinds},
        }

    @staticmethod
    def reset_history(runs_dir: str | os.PathLike = "automl_runs") -> None:
        """Forget the studies of ``runs_dir`` so far (see ``reset_history``)."""
        reset_history(runs_dir)

    def with_form(self, form: str) -> Knowledge:
        """The same knowledge with the other meta-model form (for comparisons)."""
        return Knowledge(self.meta, self.settings | {"form": form})

    def refit(self) -> Knowledge:
        """The same knowledge with its meta-model fitted afresh (not the shipped arrays)."""
        return Knowledge(self.meta, self.settings)


