"""Named shims for the older versions of our dependencies that we support.

The lower bounds in pyproject.toml reach back to what data-science environments of 2024-2025
hold (scikit-learn 1.5, pandas 2.2, numpy 1.26, Optuna 4.0; tests/oldest-constraints.txt pins
them). Each shim here keeps one newer API working on those versions, names the version that
made it unnecessary, and behaves exactly like the newer API on the newest versions.
"""

from __future__ import annotations

import re

import optuna
import sklearn


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


SKLEARN_VERSION = _version(sklearn.__version__)


def target_encoder(cv):
    """``TargetEncoder(cv=cv)`` for a seeded ``KFold``/``StratifiedKFold`` ``cv``.

    scikit-learn 1.9 takes the splitter itself (and deprecates ``shuffle``/``random_state``);
    before 1.9 ``cv`` had to be a number of folds, and TargetEncoder built the same splitter
    from ``shuffle`` and ``random_state`` (StratifiedKFold for class targets, KFold otherwise).
    """
    from sklearn.preprocessing import TargetEncoder

    if SKLEARN_VERSION >= (1, 9):
        return TargetEncoder(cv=cv)
    return TargetEncoder(cv=cv.get_n_splits(), shuffle=cv.shuffle, random_state=cv.random_state)


def mlp_early_stopping_handles(classes) -> bool:
    """Whether ``MLPClassifier(early_stopping=True)`` can fit a target with these classes.

    scikit-learn 1.6 to 1.8 raise a TypeError when the class labels are not numbers (the
    validation score checks the predicted labels with ``np.isnan``; scikit-learn#33760, fixed in
    1.9 by #33774): there, such targets are fitted without early stopping.
    """
    import numpy as np

    return SKLEARN_VERSION >= (1, 9) or np.asarray(classes).dtype.kind in "biuf"


def knn_algorithm(p: int, classification: bool) -> str:
    """``KNeighborsClassifier(algorithm=...)`` for Minkowski ``p``.

    scikit-learn before 1.9 fails to predict string class labels with brute force and ``p=1``
    (scikit-learn#33034, fixed by #33048): there such a classifier searches a KD tree instead
    (the same neighbours; the search's k-NN inputs are always dense). "auto" otherwise.
    """
    if classification and p == 1 and SKLEARN_VERSION < (1, 9):
        return "kd_tree"
    return "auto"


# Optuna raises this when a finished trial is written again; older versions (4.0) raised a
# plain RuntimeError (which the newer error still is)
UPDATE_FINISHED_TRIAL_ERROR = getattr(optuna.exceptions, "UpdateFinishedTrialError", RuntimeError)


def cluster_totals(info: dict) -> tuple[int, int, float]:
    """(workers, threads, memory in bytes) of a Dask ``scheduler_info()``: distributed 2025 sums
    them up (``n_workers``, ``total_threads``, ``total_memory``); before, only the workers are
    listed (and ``scheduler_info`` takes no ``n_workers``, which newer versions need to list them)."""
    workers = (info.get("workers") or {}).values()
    return (int(info.get("n_workers", len(workers))),
            int(info.get("total_threads", sum(int(w.get("nthreads", 0)) for w in workers))),
            float(info.get("total_memory", sum(float(w.get("memory_limit") or 0) for w in workers))))
