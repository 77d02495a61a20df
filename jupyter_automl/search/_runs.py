"""The studies in a runs folder, for "resume an earlier study" (the wizard, scripts, reports).

Each study written with the default storage is ``<runs_dir>/<study_name>/study.db`` (SQLite).
``list_studies`` reads their summaries without changing them: name, when it was created, how
many trials it holds, its best score, and the task, metric and target stored with it by
jupyter_automl (the study's user attr ``"jupyter_automl"``).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import RDBStorage

from .._logging import get_logger
from ._storage import ATTR

__all__ = ["StudySummary", "list_studies"]

_log = get_logger(__name__)
STUDY_FILE = "study.db"
SQLITE_TIMEOUT = 5  # seconds to wait for a study a running search is writing to


@dataclass(frozen=True)
class StudySummary:
    """One stored study, as ``list_studies`` reports it."""

    name: str
    created: datetime | None
    n_trials: int
    best_score: float | None
    task: str | None
    metric: str | None
    direction: str | None
    target: str | None
    n_rows: int | None
    storage: str  # the storage URL, for AutoML(storage=..., study_name=name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able (``created`` as ISO text)."""
        d = asdict(self)
        d["created"] = None if self.created is None else self.created.isoformat(timespec="seconds")
        return d


def list_studies(runs_dir: str | os.PathLike = "automl_runs") -> list[StudySummary]:
    """The studies stored in ``runs_dir`` by jupyter_automl, newest first.

    Parameters
    ----------
    runs_dir : str or path, default="automl_runs"
        The ``runs_dir`` given to ``AutoML``. A missing folder gives an empty list.

    Returns
    -------
    list of StudySummary
        A file that is not a readable Optuna study is skipped (and logged).

    Examples
    --------
    >>> import tempfile
    >>> from jupyter_automl import AutoML
    >>> from jupyter_automl.datasets import load_demo
    >>> X, y, _ = load_demo("breast_cancer")
    >>> runs = tempfile.mkdtemp()
    >>> _ = AutoML(time_budget=None, n_trials=2, families=["linear"], n_jobs=1, runs_dir=runs,
    ...            study_name="first").fit(X, y)
    >>> [(s.name, s.n_trials, s.task, s.metric) for s in list_studies(runs)]
    [('first', 2, 'binary', 'roc_auc')]
    """
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.glob(f"*/{STUDY_FILE}")):
        url = f"sqlite:///{path}"
        try:
            found.extend(_summaries(url))
        except Exception as exc:  # a broken or foreign file must not hide the others
            _log.info("skipping %s: %s", path, exc)
    return sorted(found, key=lambda s: (s.created or datetime.min, s.name), reverse=True)


def _summaries(url: str) -> list[StudySummary]:
    storage = RDBStorage(url, engine_kwargs={"connect_args": {"timeout": SQLITE_TIMEOUT}},
                         skip_table_creation=True)
    try:
        out = []
        for s in optuna.get_all_study_summaries(storage, include_best_trial=True):
            attrs = s.user_attrs.get(ATTR)
            if not isinstance(attrs, dict):
                continue  # not written by jupyter_automl
            best = None
            if s.best_trial is not None and s.best_trial.values:
                best = float(s.best_trial.values[0])
            out.append(StudySummary(
                name=s.study_name, created=s.datetime_start, n_trials=s.n_trials, best_score=best,
                task=attrs.get("task"), metric=attrs.get("metric"),
                direction=attrs.get("direction"), target=attrs.get("target"),
                n_rows=attrs.get("n_rows"), storage=url))
        return out
    finally:
        storage.engine.dispose()
