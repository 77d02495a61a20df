"""Out-of-fold predictions of finished trials: assembled from the folds, kept for the best
trials in memory, and on disk (in the study's folder) for the others."""

from __future__ import annotations

import numpy as np

from ..problem import Problem
from ._storage import StudyStore
from ._trials import TrialRecord

MAX_OOF_IN_MEMORY = 40


class OofCache:
    """Where the final-model step finds each trial's out-of-fold predictions."""

    def __init__(self, problem: Problem, store: StudyStore):
        self.problem = problem
        self.store = store

    def assemble(self, rec: TrialRecord) -> np.ndarray:
        """The trial's validation predictions in row order (NaN where no fold covers a row);
        stored on disk and kept on the record. The folds' copies are released."""
        first = rec.fold_preds[0]
        oof = np.full((self.problem.n_rows,) + first.shape[1:], np.nan, dtype=np.float32)
        for k, (_, valid) in enumerate(self.problem.splits.folds):
            oof[valid] = rec.fold_preds[k]
        rec.fold_preds.clear()
        rec.oof = oof
        self.store.save_oof(rec.number, oof)
        return oof

    def get(self, rec: TrialRecord) -> np.ndarray | None:
        if rec.oof is None:
            rec.oof = self.store.load_oof(rec.number)
        return rec.oof

    def trim(self, ranked: list[TrialRecord]) -> None:
        """Keep the predictions of the best ``MAX_OOF_IN_MEMORY`` trials in memory only."""
        in_memory = [r for r in ranked if r.oof is not None]
        for r in in_memory[MAX_OOF_IN_MEMORY:]:
            r.oof = None  # still on disk
