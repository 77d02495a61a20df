"""Cross-validation schemes. Folds are fixed once per problem so every trial sees the same ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from ..exceptions import InputError

MSG_CV = ("The 'cv' parameter of AutoML must be 'auto', 'holdout' or an int of at least 2. "
          "Got {got!r} instead.")


@dataclass(frozen=True)
class Splits:
    """The validation scheme: ``folds`` is a tuple of (train_idx, valid_idx) index arrays."""

    kind: str  # "kfold" or "holdout"
    folds: tuple[tuple[np.ndarray, np.ndarray], ...]
    reason: str

    @property
    def n_folds(self) -> int:
        return len(self.folds)

    @property
    def min_train_rows(self) -> int:
        """Rows in the smallest training part (what a model is fit on during the search)."""
        return min(len(train) for train, _ in self.folds)

    def covered(self, n_rows: int) -> np.ndarray:
        """Boolean mask of the rows that are in some validation part."""
        mask = np.zeros(n_rows, dtype=bool)
        for _, valid in self.folds:
            mask[valid] = True
        return mask


def auto_n_folds(n_rows: int) -> tuple[int | str, str]:
    """Default scheme by data size: more folds when data is small, a holdout when it is large."""
    if n_rows <= 10_000:
        return 5, f"5-fold cross-validation: {n_rows} rows is small enough to use every row for validation"
    if n_rows <= 100_000:
        return 3, f"3-fold cross-validation: {n_rows} rows, fewer folds keep trials fast"
    return "holdout", f"a 20% holdout: {n_rows} rows is large enough for one validation split"


def make_splits(y: np.ndarray, task: str, cv: object, seed: int) -> Splits:
    """Build the folds for ``cv`` ('auto', 'holdout' or a number of folds), stratified when classifying."""
    n = len(y)
    reason = "chosen by you"
    if cv == "auto":
        cv, reason = auto_n_folds(n)
    stratify = task != "regression"
    if cv == "holdout":
        idx = np.arange(n)
        train, valid = train_test_split(idx, test_size=0.2, random_state=seed,
                                        stratify=y if stratify else None)
        return Splits("holdout", ((np.sort(train), np.sort(valid)),), reason)
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or cv < 2:
        raise InputError(MSG_CV.format(got=cv))
    k = int(cv)
    if stratify:
        smallest = int(np.unique(y, return_counts=True)[1].min())
        if smallest < k:
            k = max(2, smallest)
            reason += f"; folds reduced to {k} because the rarest class has only {smallest} rows"
        splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    else:
        splitter = KFold(k, shuffle=True, random_state=seed)
    folds = tuple((tr, va) for tr, va in splitter.split(np.zeros(n), y if stratify else None))
    return Splits("kfold", folds, reason)
