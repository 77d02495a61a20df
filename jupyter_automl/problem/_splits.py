"""Cross-validation schemes. Folds are fixed once per problem so every trial sees the same ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from ..exceptions import InputError, TargetError

MSG_CV = ("The 'cv' parameter of AutoML must be 'auto', 'holdout' or an int of at least 2. "
          "Got {got!r} instead.")

MSG_COMPLEX = ("Complex data not supported: the target holds complex numbers. Give it as real "
               "numbers (regression) or as labels (classification).")

SMALL_ROWS = 10_000  # up to this, "auto" is 5-fold cross-validation; then 3-fold
# above this, "auto" validates on one holdout, with row rungs: 10,000 validation rows make a
# steady score, and a trial then costs fits on a third and on all of 40,000+ rows instead of three
# fits on two thirds (the first trial at 100,000 rows: 2.7 s instead of 4.3 s)
LARGE_ROWS = 50_000
# between SMALL_ROWS and LARGE_ROWS, "auto" validates on one holdout when the time budget is short
# for the table's cells (rows x columns): a 3-fold cross-validation of the linear baseline takes
# about 2 us a cell on 2 cores (adult, 36,631 rows x 14 columns: 1.1 s), and a holdout is chosen
# when that would exceed a tenth of the budget (adult: below about 13 s). At 5 s, 3 folds left
# adult its linear baseline only: boosting and the refit did not fit in the rest
HOLDOUT_CELLS_PER_SECOND = 40_000
MIN_RUNG_ROWS = 10_000  # the smallest training subsample of a rung
RUNG_FACTOR = 3  # each rung trains on 3 times the rows of the one before
MAX_RUNGS = 3
# a trial trains on at most this many rows (its last rung); the final model learns from all of
# them when its refit has the time (see search/_final_model._refit_rows). At 1M rows a trial ended with a fit on 800,000 rows: a minute for the first one
MAX_RUNG_ROWS = 300_000


@dataclass(frozen=True)
class Splits:
    """The validation scheme: ``folds`` is a tuple of (train_idx, valid_idx) index arrays.

    ``kind`` "rows" (large tables) is one holdout split seen at growing sizes: the "folds" are
    rungs whose training rows (and validation rows) are nested subsamples, a third, then all of
    them (at most ``MAX_RUNG_ROWS``). A trial is pruned between rungs like between CV folds, so weak configurations stop on a
    subsample (successive halving on rows); its score is the last rung's, on all the rows.
    """

    kind: str  # "kfold", "holdout" or "rows"
    folds: tuple[tuple[np.ndarray, np.ndarray], ...]
    reason: str

    @property
    def n_folds(self) -> int:
        return len(self.folds)

    @property
    def scored_folds(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """The folds whose scores make a trial's score: all of them, or the last rung."""
        return self.folds[-1:] if self.kind == "rows" else self.folds

    def trial_scores(self, fold_scores: list[float]) -> list[float]:
        """The fold scores that judge a finished trial (see ``scored_folds``)."""
        return fold_scores[-1:] if self.kind == "rows" else fold_scores

    @property
    def label(self) -> str:
        """The scheme in a few words, for reports and summaries."""
        if self.kind == "kfold":
            return f"{self.n_folds}-fold cross-validation"
        if self.kind == "rows":
            return f"a holdout, trials pruned at {self.n_folds} row sizes"
        return "a holdout"

    def train_rows(self, fold: int) -> int:
        return len(self.folds[fold][0])

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


def auto_n_folds(n_rows: int, n_columns: int = 1,
                 time_budget: float | None = None) -> tuple[int | str, str]:
    """Default scheme by data size: more folds when data is small, a holdout when it is large, or
    when a short time budget would go to the folds of a few trials (``HOLDOUT_CELLS_PER_SECOND``)."""
    if n_rows <= SMALL_ROWS:
        return 5, f"5-fold cross-validation: {n_rows} rows is small enough to use every row for validation"
    if n_rows <= LARGE_ROWS:
        if time_budget is not None and n_rows * n_columns > HOLDOUT_CELLS_PER_SECOND * time_budget:
            return "holdout", (f"a 20% holdout: {n_rows} rows x {n_columns} columns is large for a "
                               f"{time_budget:g} s budget; cross-validation would leave it time "
                               "for few trials")
        return 3, f"3-fold cross-validation: {n_rows} rows, fewer folds keep trials fast"
    return "holdout", f"a 20% holdout: {n_rows} rows is large enough for one validation split"


def class_codes(y: object) -> np.ndarray:
    """The classes of ``y`` as integer codes in sorted order: what scikit-learn's splitters number
    them by, without sorting a million strings (stratified splits and samples use them)."""
    return pd.factorize(np.asarray(y), sort=True)[0]


def row_rungs(train: np.ndarray, valid: np.ndarray, seed: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Nested random subsamples of one split, each ``RUNG_FACTOR`` times the one before; the
    last is the whole split, or ``MAX_RUNG_ROWS`` of its training rows (and as large a share of
    its validation rows) when it has more. A single rung when the training part is too small to
    divide."""
    top = min(1.0, MAX_RUNG_ROWS / len(train))  # the last rung's share
    n_rungs = 1
    while n_rungs < MAX_RUNGS and top * len(train) / RUNG_FACTOR ** n_rungs >= MIN_RUNG_ROWS:
        n_rungs += 1
    rng = np.random.default_rng(seed)
    train, valid = rng.permutation(train), rng.permutation(valid)
    rungs = []
    for k in range(n_rungs):
        share = top / RUNG_FACTOR ** (n_rungs - 1 - k)
        rungs.append((np.sort(train[: int(np.ceil(share * len(train)))]),
                      np.sort(valid[: int(np.ceil(share * len(valid)))])))
    return tuple(rungs)


def _rungs_reason(n_rows: int, rungs: tuple[tuple[np.ndarray, np.ndarray], ...]) -> str:
    sizes = ", then ".join(f"{len(tr):,}" for tr, _ in rungs)
    return (f"a 20% holdout: {n_rows:,} rows is large enough for one validation split; trials "
            f"train on {sizes} rows, and those in the worst part at a size stop there "
            "(the final model learns from all rows, or from as many as the time left allows)")


def make_splits(y: np.ndarray, task: str, cv: object, seed: int, *, n_columns: int = 1,
                time_budget: float | None = None) -> Splits:
    """Build the folds for ``cv`` ('auto', 'holdout' or a number of folds), stratified when
    classifying. ``n_columns`` and ``time_budget`` inform 'auto' (see ``auto_n_folds``)."""
    n = len(y)
    reason = "chosen by you"
    if cv == "auto":
        cv, reason = auto_n_folds(n, n_columns, time_budget)
    if np.iscomplexobj(y):  # scikit-learn's splitters refused it before the labels became codes
        raise TargetError(MSG_COMPLEX)
    stratify = task != "regression"
    if stratify:
        y = class_codes(y)  # the same folds as the labels themselves
    if cv == "holdout":
        idx = np.arange(n)
        train, valid = train_test_split(idx, test_size=0.2, random_state=seed,
                                        stratify=y if stratify else None)
        if n > LARGE_ROWS and reason != "chosen by you":
            rungs = row_rungs(train, valid, seed)
            if len(rungs) > 1:
                return Splits("rows", rungs, _rungs_reason(n, rungs))
        return Splits("holdout", ((np.sort(train), np.sort(valid)),), reason)
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or cv < 2:
        raise InputError(MSG_CV.format(got=cv))
    k = int(cv)
    if stratify:
        smallest = int(np.bincount(y).min())
        if smallest < k:
            k = max(2, smallest)
            reason += f"; folds reduced to {k} because the rarest class has only {smallest} rows"
        splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    else:
        splitter = KFold(k, shuffle=True, random_state=seed)
    folds = tuple((tr, va) for tr, va in splitter.split(np.zeros(n), y if stratify else None))
    return Splits("kfold", folds, reason)
