"""The study's trials that this coordinator did not run: a resumed study's, or another process's.

Several processes may search one study on a database server (same ``study_name``). Optuna's
sampler already reads every trial from the storage at each ask; this brings the other processes'
ended trials into this coordinator's records too, so that its leaderboard shows them and the
final model is chosen from all of them. They are read at the start, every ``SYNC_SECONDS`` while
the search runs (only on a storage other processes can share), and once more before the end.
"""

from __future__ import annotations

import time
from typing import Any

from ._trials import TrialRecord, records_of_study

SYNC_SECONDS = 5.0


class SharedStudy:
    """Adds the stored study's ended trials that ``records`` lacks to ``records``."""

    def __init__(self, study: Any, records: dict[int, TrialRecord], objective_names: tuple[str, ...],
                 shared: bool):
        self.study = study
        self.records = records
        self.names = objective_names
        self.shared = shared  # other processes can work on this storage (a database server)
        self._last = time.monotonic()

    def merge(self) -> list[TrialRecord]:
        """The records added (ended trials this process did not run), in trial order."""
        self._last = time.monotonic()
        new = [r for r in records_of_study(self.study, self.names) if r.number not in self.records]
        for rec in new:
            self.records[rec.number] = rec
        return new

    def merge_if_due(self) -> list[TrialRecord]:
        if not self.shared or time.monotonic() - self._last < SYNC_SECONDS:
            return []
        return self.merge()
