"""Where studies live: a runs folder with one SQLite file per study by default, or any Optuna storage.

The study records every trial (params, fold scores, status, reason) and, in its user attrs, the
problem it was made for, so a later ``fit`` with the same ``study_name`` resumes it, and
optuna-dashboard can open it (``optuna-dashboard sqlite:///automl_runs/<name>/study.db``).
Out-of-fold predictions, which the ensemble needs, are kept as .npy files next to it. Files are
written to a temporary name and renamed, so an interrupted write never leaves a broken file.
On a database server (PostgreSQL, MySQL) every call is retried while the server is unreachable
(``_retry``) and running trials are kept alive by heartbeats (``_heartbeat``), so that several
processes can search one study and a dead one's trials are found. On every database (the SQLite
file too) this process's running trials are written behind, in batches (``_write_behind``,
``_batch_writes``): 2.5 times the trials a second on the default SQLite file, 3 times on
PostgreSQL, with no-op units (``benchmarks/bench_coordinator.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.storages import BaseStorage, InMemoryStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from .._logging import get_logger
from .._optional import import_optional
from ..exceptions import InputError
from ._batch_writes import BatchWriter
from ._heartbeat import Heartbeats, fail_interrupted, heartbeat_rdb
from ._retry import RetryingStorage
from ._snapshot import SnapshotStorage
from ._write_behind import WriteBehindStorage

_log = get_logger(__name__)
ATTR = "jupyter_automl"  # study user attr holding the problem summary
INTERRUPTED = "interrupted: the process running it stopped before it finished"
MSG_STORAGE_TYPE = ("The 'storage' parameter of AutoML must be None (a file in the runs folder), "
                    "'memory', an Optuna storage URL or a path to a journal file. Got {got!r} instead.")
MSG_STORAGE_OPEN = ("Could not open the study storage {url}: {reason}. Check the URL (e.g. "
                    "sqlite:///path/study.db or postgresql://user:password@host:5432/db) and that "
                    "the database server is running.")
MSG_STUDY_MISMATCH = ("The study {name!r} in {url} was made for {field}={old!r}, but this fit has "
                      "{field}={new!r}. Resume it with the same data and settings, or pass a new "
                      "study_name to start a fresh study.")
MSG_VALIDATION_MISMATCH = ("The study {name!r} in {url} scored its trials on {old}, but this fit would "
                           "score them on {new}: their scores could not be compared. Pass "
                           "cv={cv} to resume it, or a new study_name to start a fresh study.")


def default_study_name() -> str:
    return f"automl-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def data_fingerprint(X: pd.DataFrame, y: pd.Series) -> str:
    """A short hash of the training data, to refuse resuming a study on different data."""
    h = hashlib.sha256()
    h.update(",".join(map(str, X.columns)).encode())
    h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    h.update(pd.util.hash_pandas_object(y, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def make_storage(storage: object, run_dir: Path) -> tuple[BaseStorage, str]:
    """Turn the ``storage`` argument into an Optuna storage and a URL to show to people."""
    if isinstance(storage, BaseStorage):
        return storage, type(storage).__name__
    if storage == "memory":
        return InMemoryStorage(), "memory"
    if storage is None:
        run_dir.mkdir(parents=True, exist_ok=True)
        storage = f"sqlite:///{run_dir / 'study.db'}"
    if not isinstance(storage, str):
        raise InputError(MSG_STORAGE_TYPE.format(got=storage))
    if storage.endswith((".log", ".journal", ".jsonl")):
        Path(storage).parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(storage)), storage
    storage = _postgres_driver(storage)
    shown = _hide_password(storage)
    try:
        if storage.startswith("sqlite"):
            # SQLite waits for a lock instead of failing when a reader (the dashboard) holds it
            return _create_tables_once(lambda: RDBStorage(
                storage, engine_kwargs={"connect_args": {"timeout": 30}})), shown
        # a database server: shared by several processes, restarted now and then (see _retry,
        # _heartbeat); pre-ping replaces the connections a restart closed
        rdb = _create_tables_once(lambda: heartbeat_rdb(storage, pool_pre_ping=True))
        heartbeats = Heartbeats(rdb, BatchWriter.for_storage(rdb, shown))
        return RetryingStorage(optuna.storages.get_storage(rdb), shown, heartbeats), shown
    except Exception as exc:  # bad URL, unknown driver, server down, wrong password...
        reason = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
        raise InputError(MSG_STORAGE_OPEN.format(url=shown, reason=reason)) from exc


def _create_tables_once(open_storage: Callable[[], RDBStorage]) -> RDBStorage:
    """Open a database's storage; processes starting together on an empty database (several
    coordinators, or a dashboard opening a study as its search creates it) both create Optuna's
    tables, and one of them fails on the other's rows or tables ("already exists", or Optuna 4.0's
    "UNIQUE constraint failed: alembic_version"): it opens it again."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    for attempt in range(3):
        try:
            return open_storage()
        except (IntegrityError, OperationalError, ProgrammingError) as exc:
            raced = isinstance(exc, IntegrityError) or "already exists" in str(exc)
            if attempt == 2 or not raced:
                raise
            time.sleep(0.5 + secrets.randbelow(500) / 1000)
    raise AssertionError("unreachable")


def _postgres_driver(url: str) -> str:
    """Name the PostgreSQL driver that is installed.

    SQLAlchemy 2.1 made psycopg (3) the default driver of ``postgresql://`` URLs; the ``postgres``
    extra installs psycopg2, so a bare URL failed with "No module named 'psycopg'".
    """
    scheme, sep, rest = url.partition("://")
    if scheme == "postgresql" and sep:
        try:
            importlib.import_module("psycopg")
            return url
        except ImportError:
            pass
        import_optional("psycopg2")  # else SQLAlchemy's bare ModuleNotFoundError, with no pip line
        return f"postgresql+psycopg2://{rest}"
    if scheme == "postgresql+psycopg2":
        import_optional("psycopg2")
    return url


def _hide_password(url: str) -> str:
    """The URL as shown in messages and the UI: ``postgresql://user:***@host/db``."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: the open below reports it
        return url


@dataclass
class StudyStore:
    """An opened study plus the folder for its out-of-fold predictions."""

    study: optuna.Study
    url: str
    run_dir: Path | None  # None: nothing is written to disk (storage="memory")
    resumed: bool
    shared: bool = False  # a database server that other processes may search the study on too
    heartbeats: Heartbeats | None = None  # keeps this process's running trials alive (shared)
    storage: SnapshotStorage | None = None  # the study's storage (see ``snapshot``)
    behind: WriteBehindStorage | None = None  # on a database server: this process's trials (see ``sync``)

    @property
    def name(self) -> str:
        return self.study.study_name

    def snapshot(self) -> contextlib.AbstractContextManager:
        """A window in which the study's trials are read once (see ``_snapshot``)."""
        return self.storage.snapshot() if self.storage is not None else contextlib.nullcontext()

    def sync(self) -> None:
        """Every write of this process is in the database, and the next read of the trial list
        comes from it (other processes' trials included; see ``_write_behind``)."""
        if self.behind is not None:
            self.behind.flush()
            self.behind.stale()

    def close(self) -> None:
        """The search ended: this process's writes are stored and it stops keeping its trials
        alive (see ``_heartbeat``)."""
        try:
            if self.behind is not None:
                self.behind.flush()
        except Exception as exc:  # already raised to the search by the call that waited for it
            _log.warning("the last writes to %s were not stored: %s", self.url, exc)
        finally:
            if self.heartbeats is not None:
                self.heartbeats.stop()

    def save_oof(self, number: int, oof: np.ndarray) -> None:
        if self.run_dir is None:
            return
        path = self.run_dir / "oof" / f"trial_{number}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            np.save(f, oof)
        os.replace(tmp, path)

    def load_oof(self, number: int) -> np.ndarray | None:
        if self.run_dir is None:
            return None
        path = self.run_dir / "oof" / f"trial_{number}.npy"
        try:
            return np.load(path)
        except (OSError, ValueError):
            return None


def open_study(
    *,
    storage: object,
    study_name: str | None,
    runs_dir: str | os.PathLike,
    directions: list[str],
    sampler: Callable[[int], optuna.samplers.BaseSampler],
    pruner: optuna.pruners.BasePruner,
    summary: dict[str, Any],
) -> StudyStore:
    """Create the study, or load it by name and check it was made for the same problem.

    ``sampler(n)`` makes the sampler for a study that has ``n`` trials already: a resumed search
    seeds it differently so that it does not draw the first search's random configurations again.
    """
    if optuna.logging.get_verbosity() == optuna.logging.INFO:
        # Optuna's default logs a line per trial; here the events and the UI report progress
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = study_name or default_study_name()
    run_dir = Path(runs_dir) / name
    backend, url = make_storage(storage, run_dir)
    existing = [s.study_name for s in optuna.get_all_study_summaries(backend)] if study_name else []
    resumed = name in existing
    heartbeats = getattr(backend, "heartbeats", None)
    # a database: this process's trials are written behind, in batches (see _write_behind)
    if heartbeats is not None:
        behind = WriteBehindStorage(backend, writes=RetryingStorage(heartbeats.rdb, url),
                                    batches=heartbeats.batches)
    elif isinstance(backend, RDBStorage):  # reads through Optuna's cache, writes straight to the file
        behind = WriteBehindStorage(optuna.storages.get_storage(backend), writes=backend,
                                    batches=BatchWriter.for_storage(backend, url))
    else:
        behind = None
    # get_storage: the cache Optuna puts in front of an RDBStorage stays under the snapshots
    snapshots = SnapshotStorage(optuna.storages.get_storage(behind or backend))
    study = optuna.create_study(storage=snapshots, study_name=name, directions=directions,
                                sampler=sampler(0), pruner=pruner, load_if_exists=True)
    if resumed and [d.name.lower() for d in study.directions] != directions:
        raise InputError(MSG_STUDY_MISMATCH.format(
            name=name, url=url, field="directions",
            old=[d.name.lower() for d in study.directions], new=directions))
    if heartbeats is not None:  # other processes may be running trials of this study right now
        heartbeats.studies.add(name)
        fail_interrupted(name, heartbeats.rdb)
    if resumed:
        _check_same_problem(study, summary, url)
        if heartbeats is None:
            _close_orphans(study)
        study.sampler = sampler(len(study.get_trials(deepcopy=False)))
    else:
        study.set_user_attr(ATTR, summary)
    return StudyStore(study, url, None if storage == "memory" else run_dir, resumed,
                      shared=heartbeats is not None, heartbeats=heartbeats, storage=snapshots,
                      behind=behind)


def _check_same_problem(study: optuna.Study, summary: dict[str, Any], url: str) -> None:
    old = study.user_attrs.get(ATTR)
    if old is None:
        raise InputError(f"The study {study.study_name!r} in {url} was not made by jupyter_automl. "
                         "Pass a new study_name.")
    for field in ("target", "task", "metric", "fingerprint"):
        if old.get(field) != summary.get(field):
            raise InputError(MSG_STUDY_MISMATCH.format(name=study.study_name, url=url, field=field,
                                                       old=old.get(field), new=summary.get(field)))
    old_valid, new_valid = old.get("validation"), summary.get("validation")
    if old_valid and new_valid and _scheme(old_valid) != _scheme(new_valid):
        raise InputError(MSG_VALIDATION_MISMATCH.format(
            name=study.study_name, url=url, old=_describe_scheme(old_valid),
            new=_describe_scheme(new_valid), cv=_cv_for(old_valid)))


def _scheme(validation: dict[str, Any]) -> tuple[Any, Any]:
    return validation.get("kind"), validation.get("n_folds")


def _describe_scheme(validation: dict[str, Any]) -> str:
    kind, n_folds = _scheme(validation)
    if kind == "kfold":
        return f"{n_folds}-fold cross-validation"
    return "a holdout seen at growing row counts" if kind == "rows" else "a holdout"


def _cv_for(validation: dict[str, Any]) -> str:
    kind, n_folds = _scheme(validation)
    return {"kfold": str(n_folds), "holdout": "'holdout'"}.get(kind, "'auto'")


def _close_orphans(study: optuna.Study) -> None:
    """Trials left RUNNING by a process that died are marked failed (see ``INTERRUPTED``)."""
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(trial.number, state=TrialState.FAIL)
        _log.info("marked orphaned trial %d of %s as failed", trial.number, study.study_name)
