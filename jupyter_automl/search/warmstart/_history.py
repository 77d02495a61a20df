"""Learning from the user's own searches: finished studies in the runs folder join the meta-data.

At the start of a search the engine stores, in the study's user attrs under ``METAFEATURES_ATTR``,
what ``metafeatures_attr`` returns: the problem's meta-features and the constant predictor's
cross-validated score (the zero of the normalised scale). Later searches read every such study
back with Optuna's SQLite storage: each becomes one more "dataset" whose configurations are the
study's trials, scored on the same 0-1 scale as the reference corpus, relative to the best trial
of that study: ``(score - constant) / (best - constant)``, clipped to [0, 1]; a failed trial
counts 0; a pruned one is left out (its score is partial).

``reset_history`` forgets what was learned without touching the studies: it writes the time of
the reset to ``<runs_dir>/warmstart.json``, and studies created before it are ignored.
"""

from __future__ import annotations

import json
import math
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from ..._logging import get_logger
from .._runs import STUDY_FILE
from .._storage import ATTR
from ._metadata import MetaData
from ._metafeatures import METAFEATURE_NAMES, compute_metafeatures, metafeature_vector

_log = get_logger(__name__)

METAFEATURES_ATTR = "metafeatures"
"""The study user attr that holds ``metafeatures_attr(...)``; set it when a search starts."""
ATTR_VERSION = 1
RESET_FILE = "warmstart.json"
MIN_TRIALS = 3  # a study with fewer finished trials says too little about its configurations
SQLITE_TIMEOUT = 5


def constant_fold_scores(problem: Any, y: object) -> list[float]:
    """The score on each of the problem's folds of the constant predictor: the training part's
    class shares (classification) or mean (regression)."""
    y = np.asarray(y)
    scores = []
    for train, valid in problem.splits.folds:
        if problem.is_classification:
            prior = np.array([np.mean(y[train] == c) for c in problem.classes])
            pred = np.tile(prior, (len(valid), 1))
        else:
            pred = np.full(len(valid), float(np.mean(y[train].astype(float))))
        scores.append(float(problem.metric.score(y[valid], pred)))
    return scores


def constant_score(problem: Any, y: object) -> float:
    """The mean of ``constant_fold_scores``: the zero of the normalised scale.

    Examples
    --------
    >>> import pandas as pd
    >>> from jupyter_automl.problem import analyze
    >>> problem, X, y = analyze(pd.DataFrame({"a": range(20)}) % 3, pd.Series([0, 1] * 10),
    ...                         cv=2, check_leakage=False)
    >>> constant_score(problem, y)
    0.5
    """
    return float(np.mean(constant_fold_scores(problem, y)))


def metafeatures_attr(problem: Any, X: Any, y: object, *, seed: int = 0,
                      features: dict[str, float] | None = None) -> dict[str, Any]:
    """What to store under ``METAFEATURES_ATTR`` when a search starts (JSON-able).

    ``features`` are reused when already computed (the warm start computes them too).
    """
    if features is None:
        features = compute_metafeatures(X, y, problem, seed=seed)
    return {"version": ATTR_VERSION, "features": {k: float(v) for k, v in features.items()},
            "constant_score": constant_score(problem, y), "metric": problem.metric.name,
            "greater_is_better": bool(problem.metric.greater_is_better),
            "task_kind": "regression" if problem.task == "regression" else "classification"}


def reset_history(runs_dir: str | os.PathLike = "automl_runs") -> None:
    """Forget the studies in ``runs_dir`` created until now (they are kept, just not learned from)."""
    root = Path(runs_dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / RESET_FILE).write_text(json.dumps({"ignore_before": datetime.now().isoformat()}))


def _ignore_before(root: Path) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads((root / RESET_FILE).read_text())["ignore_before"])
    except (OSError, ValueError, KeyError):
        return None


def read_history(runs_dir: str | os.PathLike = "automl_runs", exclude: tuple[str, ...] = ()) -> MetaData:
    """Every usable study in ``runs_dir`` as meta-data (``sources`` are "history").

    Studies without ``METAFEATURES_ATTR``, with fewer than 3 finished trials, whose best trial
    does not beat the constant predictor, created before a ``reset_history``, or named in
    ``exclude`` (the running search's own study) are skipped. A file that cannot be read is
    logged and skipped.
    """
    root = Path(runs_dir)
    parts: list[tuple[str, str, np.ndarray, list[dict], np.ndarray]] = []
    cutoff = _ignore_before(root)
    for path in sorted(root.glob(f"*/{STUDY_FILE}")) if root.is_dir() else []:
        try:
            parts.extend(p for p in _read_cached(path.resolve(), cutoff)
                         if p[0].removeprefix("history/") not in exclude)
        except Exception as exc:  # a broken or foreign file must not stop the search
            _log.info("warm start skips %s: %s", path, exc)
    return _as_metadata(parts)


# What each study file held, while it is unchanged: opening one costs ~0.05-0.1 s, and every
# search start (and the wizard's list of first configurations) reads them all
_READ: dict[Path, tuple[tuple, datetime | None, list]] = {}
_READ_LOCK = threading.Lock()


def _read_cached(path: Path, cutoff: datetime | None) -> list:
    stamp = tuple((st.st_mtime_ns, st.st_size) if (st := _stat(f)) else None
                  for f in (path, path.with_name(path.name + "-wal")))  # -wal: writes not yet merged
    with _READ_LOCK:
        known = _READ.get(path)
    if known is None or known[:2] != (stamp, cutoff):
        known = (stamp, cutoff, _read_file(path, cutoff))
        with _READ_LOCK:
            _READ[path] = known
    return known[2]


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _read_file(path: Path, cutoff: datetime | None):
    storage = RDBStorage(f"sqlite:///{path}", skip_table_creation=True,
                         engine_kwargs={"connect_args": {"timeout": SQLITE_TIMEOUT}})
    try:
        found = []
        for summary in optuna.get_all_study_summaries(storage, include_best_trial=False):
            attr = summary.user_attrs.get(METAFEATURES_ATTR)
            if not isinstance(attr, dict) \
                    or attr.get("version") != ATTR_VERSION or ATTR not in summary.user_attrs:
                continue
            if cutoff is not None and summary.datetime_start is not None \
                    and summary.datetime_start < cutoff:
                continue
            study = optuna.load_study(study_name=summary.study_name, storage=storage)
            item = _study_rows(summary.study_name, attr, study.get_trials(deepcopy=False))
            if item is not None:
                found.append(item)
        return found
    finally:
        storage.engine.dispose()


def _study_rows(name: str, attr: dict, trials: list) -> tuple | None:
    const, greater = float(attr["constant_score"]), bool(attr["greater_is_better"])
    configs, scores = [], []
    for t in trials:
        if t.state == TrialState.COMPLETE and t.values and math.isfinite(t.values[0]):
            scores.append(float(t.values[0]))
        elif t.state == TrialState.FAIL and t.params:
            scores.append(math.nan)
        else:
            continue
        configs.append(dict(t.params))
    finished = [s for s in scores if not math.isnan(s)]
    if len(finished) < MIN_TRIALS:
        return None
    sign = 1.0 if greater else -1.0
    best = max(s * sign for s in finished)
    span = best - const * sign
    if span <= 0:
        return None
    ns = np.array([0.0 if math.isnan(s) else min(1.0, max(0.0, (s * sign - const * sign) / span))
                   for s in scores])
    features = metafeature_vector(attr.get("features", {}))
    return f"history/{name}", attr.get("task_kind", "classification"), features, configs, ns


def _as_metadata(parts) -> MetaData:
    configs: list[dict] = []
    d_idx, c_idx, score, features = [], [], [], []
    for d, (dataset, kind, f, trial_params, ns) in enumerate(parts):
        features.append(f)
        for k, (params, s) in enumerate(zip(trial_params, ns, strict=True)):
            d_idx.append(d)
            c_idx.append(len(configs))
            configs.append({"id": f"{dataset}/{k}", "task_kind": kind, "params": params,
                            "source": "history"})
            score.append(s)
    return MetaData(datasets=tuple(p[0] for p in parts), task_kinds=tuple(p[1] for p in parts),
                    sources=("history",) * len(parts),
                    features=np.vstack(features) if features else np.zeros((0, len(METAFEATURE_NAMES))),
                    configs=tuple(configs), dataset_idx=np.array(d_idx, dtype=int),
                    config_idx=np.array(c_idx, dtype=int), score=np.array(score, dtype=float))
