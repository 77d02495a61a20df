"""Who ran a trial: the coordinator that asked for it and, on Dask, the worker of each fold.

Several coordinators can search one study (a PostgreSQL server, same ``study_name``); their
trials look alike in the leaderboard and in optuna-dashboard unless each says where it came from.
The coordinator's id is stored as a trial user attr when the trial is created, so a trial whose
coordinator died still names it. The id is ``hostname:pid``, or the ``JUPYTER_AUTOML_COORDINATOR``
environment variable when set (e.g. "laptop" or "gpu-node-3", to read the leaderboard by name).
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import optuna

    from ._trials import TrialRecord

COORDINATOR_ENV = "JUPYTER_AUTOML_COORDINATOR"
COORDINATOR_ATTR = "coordinator"
WORKERS_ATTR = "workers"


def coordinator_id() -> str:
    """This process's id: ``$JUPYTER_AUTOML_COORDINATOR``, else ``hostname:pid``."""
    name = os.environ.get(COORDINATOR_ENV, "").strip()
    return name or f"{socket.gethostname()}:{os.getpid()}"


def ask_as_coordinator(study: optuna.Study) -> optuna.Trial:
    """``study.ask()``, the new trial marked with this coordinator's id."""
    trial = study.ask()
    trial.set_user_attr(COORDINATOR_ATTR, coordinator_id())
    return trial


def store_fold_attrs(trial: optuna.Trial, rec: TrialRecord) -> None:
    """The ended trial's folds as user attrs: scores, fit seconds and, when known (Dask), the
    worker that ran each scored fold."""
    trial.set_user_attr("fold_scores", rec.fold_scores)
    trial.set_user_attr("fit_time", round(rec.fit_time, 4))
    if rec.workers:
        trial.set_user_attr(WORKERS_ATTR, rec.workers)
