"""The meta-model, in two forms, both trained on (dataset, configuration, normalised score) rows.

``DirectModel`` predicts a configuration's normalised score on a dataset from the dataset's
meta-features and the configuration's encoding. ``PairwiseModel`` predicts how much better
configuration B is than configuration A on the same dataset (the difference of their normalised
scores) from the meta-features, both encodings and their difference; a candidate's score is then
its mean predicted advantage over the other candidates. The pairwise target does not carry how
hard a dataset is, only which configuration wins there, which is what a ranking needs.

Both are gradient-boosted trees (scikit-learn's histogram boosting), fitted on the shipped
meta-data and stored as plain arrays (``_trees``): a search without history of the user's starts
with no fit at all; with the user's studies the model is refit from the meta-data (about a
second) before the search.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from ._trees import TreeEnsemble, export

FORMS = ("direct", "pairwise")
PAIRS_PER_DATASET = 80  # pairs sampled per training dataset for the pairwise form


def _booster(seed: int, max_iter: int) -> HistGradientBoostingRegressor:
    # small trees, strong shrinkage: a few thousand rows from ~100 datasets overfit easily;
    # 48 bins: encodings and meta-features need no finer splits, and binning ~200 columns
    # dominated the pairwise fit
    return HistGradientBoostingRegressor(learning_rate=0.08, max_iter=max_iter, max_leaf_nodes=15,
                                         min_samples_leaf=20, l2_regularization=1.0,
                                         max_bins=48, early_stopping=False, random_state=seed)


def _dataset_weights(groups: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Each dataset weighs the same in total, however many rows it has (a user's study with
    300 trials must not drown 100 reference datasets), times an optional per-dataset weight."""
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]
    if weights is not None:
        w = w * weights
    return w * len(w) / w.sum()


class DirectModel:
    """Predicts a configuration's normalised score on a dataset.

    Parameters
    ----------
    seed : int, default=0
    max_iter : int, default=150
        Boosting rounds.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> F = rng.normal(size=(100, 2)); C = np.eye(3)
    >>> d, c = np.repeat(np.arange(100), 3), np.tile(np.arange(3), 100)
    >>> y = np.where(F[d, 0] > 0, C[c, 0], C[c, 1])   # config 0 wins when feature 0 > 0
    >>> m = DirectModel(max_iter=50).fit(F, C, d, c, y)
    >>> int(m.rank(np.array([2.0, 0.0]), C)[0]), int(m.rank(np.array([-2.0, 0.0]), C)[0])
    (0, 1)
    """

    form = "direct"

    def __init__(self, seed: int = 0, max_iter: int = 150):
        self.seed = seed
        self.max_iter = max_iter

    def fit(self, F: np.ndarray, C: np.ndarray, dataset: np.ndarray, config: np.ndarray,
            y: np.ndarray, weights: np.ndarray | None = None) -> DirectModel:
        """Fit on rows ``(F[dataset[i]], C[config[i]]) -> y[i]``.

        ``F`` holds one row of meta-features per dataset, ``C`` one encoded configuration per
        row, ``weights`` one weight per dataset (optional).
        """
        X = np.hstack([F[dataset], C[config]])
        w = _dataset_weights(dataset, None if weights is None else weights[dataset])
        with threadpool_limits(1):  # fits run before a search; never spin threads on a busy box
            self.trees_ = TreeEnsemble(export(_booster(self.seed, self.max_iter).fit(X, y, sample_weight=w)))
        return self

    def predict(self, f: np.ndarray, C: np.ndarray) -> np.ndarray:
        """Predicted normalised score of each configuration (rows of ``C``) on dataset ``f``."""
        return self.trees_.predict(np.hstack([np.repeat(f[None, :], len(C), axis=0), C]))

    def rank(self, f: np.ndarray, C: np.ndarray) -> np.ndarray:
        """Row indices of ``C``, best predicted first (ties: the lower index)."""
        return np.argsort(-self.predict(f, C), kind="stable")


class PairwiseModel:
    """Predicts the normalised-score difference of configuration B over A on one dataset.

    Parameters
    ----------
    seed : int, default=0
        Seeds the sampling of training pairs and the booster.
    max_iter : int, default=150
    pairs_per_dataset : int, default=80

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> F = rng.normal(size=(100, 2)); C = np.eye(3)
    >>> d, c = np.repeat(np.arange(100), 3), np.tile(np.arange(3), 100)
    >>> y = np.where(F[d, 0] > 0, C[c, 0], C[c, 1])
    >>> m = PairwiseModel(max_iter=50).fit(F, C, d, c, y)
    >>> int(m.rank(np.array([2.0, 0.0]), C)[0]), int(m.rank(np.array([-2.0, 0.0]), C)[0])
    (0, 1)
    """

    form = "pairwise"

    def __init__(self, seed: int = 0, max_iter: int = 150, pairs_per_dataset: int = PAIRS_PER_DATASET):
        self.seed = seed
        self.max_iter = max_iter
        self.pairs_per_dataset = pairs_per_dataset

    @staticmethod
    def pair_features(f: np.ndarray, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """Rows ``[meta-features, A, B, B - A]`` (``f`` one row per pair, or one for all)."""
        if f.ndim == 1:
            f = np.repeat(f[None, :], len(A), axis=0)
        return np.hstack([f, A, B, B - A])

    def fit(self, F: np.ndarray, C: np.ndarray, dataset: np.ndarray, config: np.ndarray,
            y: np.ndarray, weights: np.ndarray | None = None) -> PairwiseModel:
        """Fit on pairs of rows of the same dataset (arguments as ``DirectModel.fit``)."""
        rng = np.random.default_rng(self.seed)
        first, second = [], []
        for d in np.unique(dataset):
            rows = np.flatnonzero(dataset == d)
            if len(rows) < 2:
                continue
            n_pairs = min(self.pairs_per_dataset, len(rows) * (len(rows) - 1))
            a = rng.choice(rows, n_pairs)
            b = rng.choice(rows, n_pairs)
            keep = a != b
            first.append(a[keep])
            second.append(b[keep])
        a, b = np.concatenate(first), np.concatenate(second)
        X = self.pair_features(F[dataset[a]], C[config[a]], C[config[b]])
        w = _dataset_weights(dataset[a], None if weights is None else weights[dataset[a]])
        with threadpool_limits(1):
            booster = _booster(self.seed, self.max_iter).fit(X, y[b] - y[a], sample_weight=w)
        self.trees_ = TreeEnsemble(export(booster))
        return self

    def predict(self, f: np.ndarray, C: np.ndarray) -> np.ndarray:
        """Each candidate's mean predicted advantage over the other candidates (rows of ``C``).

        The model is asked both ways round (B over A and A over B) and the two answers are
        averaged, so the scores are antisymmetric by construction.
        """
        n = len(C)
        if n < 2:
            return np.zeros(n)
        i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        i, j = i.ravel(), j.ravel()
        gain = self.trees_.predict(self.pair_features(f, C[i], C[j])).reshape(n, n)
        advantage = (gain - gain.T) / 2.0  # [i, j]: how much j beats i
        np.fill_diagonal(advantage, 0.0)
        return advantage.sum(axis=0) / (n - 1)

    def rank(self, f: np.ndarray, C: np.ndarray) -> np.ndarray:
        """Row indices of ``C``, best predicted first (ties: the lower index)."""
        return np.argsort(-self.predict(f, C), kind="stable")


def make_model(form: str, seed: int = 0) -> DirectModel | PairwiseModel:
    """A fresh meta-model of ``form`` ("direct" or "pairwise")."""
    if form == "direct":
        return DirectModel(seed)
    if form == "pairwise":
        return PairwiseModel(seed)
    raise ValueError(f"The meta-model form must be one of {FORMS}. Got {form!r} instead.")


def model_arrays(model: DirectModel | PairwiseModel) -> dict[str, np.ndarray]:
    """A fitted meta-model's trees as arrays (for ``knowledge.npz``)."""
    return dict(model.trees_.arrays)


def model_from_arrays(form: str, arrays: dict[str, np.ndarray]) -> DirectModel | PairwiseModel:
    """A fitted meta-model of ``form`` from ``model_arrays``' output, without fitting."""
    model = make_model(form)
    model.trees_ = TreeEnsemble(arrays)
    return model
