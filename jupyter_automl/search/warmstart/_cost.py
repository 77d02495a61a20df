"""What a configuration should cost on the table at hand, from what it cost on the reference corpus.

The corpus stores each configuration's mean time of one fold (fit and validation predictions:
k-NN's cost is all in predicting) on each reference table (3-fold cross-validation on at most
1,500 rows, run niced on a shared 2-core machine: the absolute times are pessimistic, their
ratios are what counts). A configuration's fold time here is the similarity-weighted geometric
mean of its times on the reference tables of the task kind, each scaled by the training rows
here against there (above, to its family's power in ``ROWS_POWER``; below, to the power 0.5: a
fit's fixed cost does not shrink with the rows) and, for gradient boosting, by its trees per
round (one per class beyond two classes: glass's 6 classes cost 6 times a binary table's). A
configuration matches a stored one when it has the stored parameters' values (the space has
grown parameters since the corpus was built, such as ``class_weight``, which the query then has
at their defaults). One the corpus never ran (one of the user's trials, a newer default) gets
its family's weighted median.

Why it matters: with a 5 s budget a search finishes three or four trials, and one configuration
that the meta-model ranks first but costs 15 times a forest (a 200-round boosting model on a
6-class table) takes most of the budget and scores worst (glass, 2026-12-05).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._metadata import MetaData
from ._metafeatures import METAFEATURE_NAMES, metafeature_vector
from ._portfolio import similarity_weights

CORPUS_TRAIN_SHARE = 2 / 3  # of a reference table's rows, in each of its 3 folds
# a corpus fold time over what a search measures for the same configuration and table: 1.5 to 8
# on the public tables (2026-12-05; 2.5 on glass, 4 to 8 on adult)
CORPUS_TIME_SCALE = 3.0
# a search's measured fold times over their corpus prices, as a first guess for the next family
# may use them (see ``WarmPlan.first_fold_guess``): never past 20 times faster or 2 times slower
SPEED_RANGE = (0.05, 2.0)
# how a fold's time grows with the training rows above the reference table's: measured on adult
# from 1,000 to 24,420 rows (2026-12-05), a fold took 6 times as long for the linear default, 5-6
# times for boosting (early stopping), 12-13 for a forest and an SVM, 22-27 for k-NN (predicting)
# and extra trees
ROWS_POWER = {"linear": 0.55, "gradient_boosting": 0.55, "random_forest": 0.8, "svm": 0.8,
              "knn": 1.0, "extra_trees": 1.0}
DEFAULT_ROWS_POWER = 0.75
PER_CLASS_FAMILIES = ("gradient_boosting",)  # one tree per class and round on 3+ classes
_LOG_ROWS = METAFEATURE_NAMES.index("log_rows")
_LOG_CLASSES = METAFEATURE_NAMES.index("log_classes")


def _trees_per_round(log2_classes: np.ndarray) -> np.ndarray:
    classes = np.rint(2.0 ** np.asarray(log2_classes, dtype=float))
    return np.where(classes > 2, classes, 1.0)


def fold_seconds(meta: MetaData, kind: str, metafeatures: dict[str, float],
                 params: list[dict[str, Any]], train_rows: int) -> np.ndarray:
    """Expected seconds of one fold (fit and predictions) of each configuration (corpus scale,
    see the module), on a table with these meta-features whose folds train on ``train_rows``
    rows; NaN when the corpus holds no time for the configuration's family."""
    return Pricer(meta, kind, metafeatures, train_rows)(params)


class Pricer:
    """``fold_seconds`` for one table, its per-pair times scaled once (a search asks again for
    each family's first trial)."""

    def __init__(self, meta: MetaData, kind: str, metafeatures: dict[str, float], train_rows: int):
        self.stored = meta.configs
        # per configuration and per family: (log seconds scaled to this table, weight) of each pair
        self.by_config: dict[int, list[tuple[float, float]]] = {}
        self.by_family: dict[str, list[tuple[float, float]]] = {}
        known = np.isfinite(meta.seconds) & (meta.seconds > 0)
        refs = [d for d, (k, s) in enumerate(zip(meta.task_kinds, meta.sources, strict=True))
                if k == kind and s == "corpus"]
        if refs and known.any():
            self._scale_pairs(meta, known, refs, metafeatures, train_rows)

    def _scale_pairs(self, meta, known, refs, metafeatures, train_rows) -> None:
        scale = np.nanstd(meta.features[refs], axis=0) + 1e-9
        weight = dict(zip(refs, similarity_weights(meta.features[refs],
                                                   metafeature_vector(metafeatures), scale),
                          strict=True))
        rows_there = CORPUS_TRAIN_SHARE * 10.0 ** meta.features[:, _LOG_ROWS]
        ratio = max(train_rows, 1) / np.maximum(rows_there, 1.0)
        more_trees = _trees_per_round(metafeatures.get("log_classes", 0.0)) \
            / _trees_per_round(meta.features[:, _LOG_CLASSES])
        for i in np.flatnonzero(known):
            d, c = int(meta.dataset_idx[i]), int(meta.config_idx[i])
            if d not in weight:
                continue
            family = meta.configs[c]["params"].get("family", "")
            power = ROWS_POWER.get(family, DEFAULT_ROWS_POWER) if ratio[d] >= 1 else 0.5
            scale = ratio[d] ** power * (more_trees[d] if family in PER_CLASS_FAMILIES else 1.0)
            pair = (float(np.log(meta.seconds[i] * scale)), weight[d])
            self.by_config.setdefault(c, []).append(pair)
            self.by_family.setdefault(family, []).append(pair)

    def __call__(self, params: list[dict[str, Any]]) -> np.ndarray:
        out = np.full(len(params), np.nan)
        for j, p in enumerate(params):
            match = next((c for c in self.by_config if _has(p, self.stored[c]["params"])), None)
            if match is not None:
                logs, w = np.array(self.by_config[match]).T
                out[j] = float(np.exp(np.sum(logs * w) / max(np.sum(w), 1e-12)))
            elif p.get("family") in self.by_family:
                out[j] = float(np.exp(_weighted_median(*np.array(self.by_family[p["family"]]).T)))
        return out


def _has(params: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether ``params`` holds every value of ``stored``."""
    return all(k in params and params[k] == v for k, v in stored.items())


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
