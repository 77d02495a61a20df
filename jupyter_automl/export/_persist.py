"""Save and load a fitted Any: skops (safe loading) by default, joblib on request.

The file holds the fitted model, the plain-data state (problem, search summary, leaderboard,
settings) and the versions that wrote it. Loading a skops file builds only types that are known
to be safe: skops' own list plus the scikit-learn internals and our estimators that our models
contain (``TRUSTED_TYPES``). Anything else is refused unless the caller says it trusts the file.
A joblib file is a pickle, which can run any code while loading, so it is always refused unless
the caller trusts it.
"""

from __future__ import annotations

import platform
import warnings
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._logging import get_logger
from ..exceptions import AutoMLWarning, InputError, NotFittedError, UntrustedTypesError
from ..insight import TRUSTED_TYPES as FAIR_TYPES
from ._plain import decode, encode

_log = get_logger(__name__)

FORMAT = "jupyter_automl.AutoML"
FORMAT_VERSION = 1
FORMATS = ("skops", "joblib")
JOBLIB_SUFFIXES = (".joblib", ".pkl", ".pickle")

# Types our models contain that skops does not trust by default. Every name here is either a
# class of jupyter_automl.estimators or a scikit-learn/numpy internal that holds plain data
# (tree arrays, calibrators, optimizer state, distance metrics) or a function our pipelines
# reference (the univariate tests of SelectPercentile, check_array inside FunctionTransformer).
# tests/unit/export/test_persist.py fits every model family and checks nothing else is needed.
TRUSTED_TYPES = (
    "functools.partial",
    "sklearn.model_selection._split.KFold",  # the seeded folds of TargetEncoder
    "sklearn.model_selection._split.StratifiedKFold",
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.compose._column_transformer._RemainderColsList",  # scikit-learn 1.6: a list of indices
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.feature_selection._univariate_selection.f_classif",
    "sklearn.feature_selection._univariate_selection.f_regression",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.tree._tree.Tree",
    "sklearn.utils.validation.check_array",
    # SplineTransformer's fitted splines (knots and coefficients) and the array function they keep
    "scipy.interpolate._bsplines.BSpline",
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
    "jupyter_automl.estimators.AsLabels",
    "jupyter_automl.estimators.DatetimeFeatures",
    "jupyter_automl.estimators.FastImputer",
    "jupyter_automl.estimators.FiniteNumbers",
    "jupyter_automl.estimators.FrequencyEncoder",
    "jupyter_automl.estimators.PairwiseInteractions",
    "jupyter_automl.estimators.SelectColumnGroups",
    "jupyter_automl.estimators.SelectFraction",
    "jupyter_automl.estimators.SubsampledEstimator",
    "jupyter_automl.estimators.TextColumn",
    "jupyter_automl.estimators.WeightedEnsembleClassifier",
    "jupyter_automl.estimators.WeightedEnsembleRegressor",
    # the "nas" family's networks: plain data, the torch weights as safetensors bytes
    "jupyter_automl.nn.network.TabularNetClassifier",
    "jupyter_automl.nn.network.TabularNetRegressor",
    "jupyter_automl.nn._sklearn_backend.SklearnNetClassifier",
    "jupyter_automl.nn._sklearn_backend.SklearnNetRegressor",
) + FAIR_TYPES  # the fairness-mitigated models hold only thresholds and fitted estimators

MSG_FORMAT = "The 'format' of save must be one of {formats} or None. Got {got!r} instead."
MSG_NO_FILE = "There is no file at {path}. Check the path (the working folder is {cwd})."
MSG_UNTRUSTED = (
    "{path} contains types that are not trusted for safe loading: {types}. Loading them could run "
    "code from the file. If you trust whoever wrote the file, load it with "
    "AutoML.load({path_arg!r}, trusted=True), or list just these types: trusted=[...]."
)
MSG_PICKLE = (
    "{path} is a joblib/pickle file; loading a pickle can run any code it contains. If you trust "
    "whoever wrote it, load it with AutoML.load({path_arg!r}, trusted=True). Files saved in the "
    "default format (skops) load safely without that."
)
MSG_NOT_AUTOML = ("{path} is not a saved AutoML (it holds {got}). Save one with automl.save(path); "
                  "for a plain model use skops.io.load or joblib.load.")
MSG_NEWER = ("{path} was written in format version {got}, newer than this jupyter_automl reads "
             "({ours}). Upgrade jupyter_automl: pip install -U jupyter_automl")
MSG_VERSIONS = ("{path} was saved with {name} {saved}; this environment has {now}. Predictions may "
                "differ or fail; install {name}=={saved} to be sure.")
MSG_SKOPS_CANNOT = (
    "The safe format (skops) cannot store this model ({model}): {error}. Save it as a pickle "
    "instead, automl.save({path!r}, format='joblib'), and load that with trusted=True."
)
MSG_RUNNING = "A search of this AutoML is still running. Call handle.stop() and handle.wait() before saving."

# settings that hold live objects are not saved; the loaded AutoML gets their defaults
_LIVE_PARAMS = ("dask_client",)


def _versions() -> dict[str, str]:
    import sklearn

    from .._version import __version__

    return {"jupyter_automl": __version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "python": platform.python_version()}


def _is_data(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int, float, np.generic)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_data(v) for k, v in value.items())
    return False


def _params(automl: Any) -> dict[str, Any]:
    out = {}
    for key, value in automl.get_params(deep=False).items():
        if key in _LIVE_PARAMS:
            continue
        value = getattr(value, "value", value)  # a setting wrapped in a descriptor (fairness)
        # an Optuna storage or executor object is not data: the loaded AutoML gets the default
        out[key] = (list(value) if isinstance(value, tuple) else value) if _is_data(value) else None
    return out


def _fitted_state(automl: Any) -> dict[str, Any]:
    """Public fitted attributes (``name_``) other than the model, which is stored on its own."""
    return {k: v for k, v in vars(automl).items()
            if k.endswith("_") and not k.startswith("_") and k != "best_pipeline_"}


def payload(automl: Any) -> dict[str, Any]:
    """Everything that is saved, as a dict of plain data plus the fitted model."""
    if not hasattr(automl, "best_pipeline_"):
        raise NotFittedError("This AutoML is not fitted yet, so there is nothing to save. "
                             "Call fit(X, y) first.")
    try:
        handle = automl.handle_
    except NotFittedError:  # a loaded AutoML has no search
        handle = None
    if handle is not None and not handle.done():
        raise InputError(MSG_RUNNING)
    model = automl.best_pipeline_
    refs = {id(model): "model"}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "params": _params(automl),
        "model": model,
        "fitted": encode(_fitted_state(automl), refs),
        "leaderboard": encode(automl.leaderboard()),
        "refit_blas_threads": getattr(automl.search_, "refit_blas_threads", None),
    }


def save(automl: Any, path: str | Path, format: str | None = None) -> Path:
    """Write ``automl`` to ``path``; see :meth:`jupyter_automl.AutoML.save`."""
    path = Path(path)
    if format is None:
        format = "joblib" if path.suffix.lower() in JOBLIB_SUFFIXES else "skops"
    if format not in FORMATS:
        raise InputError(MSG_FORMAT.format(formats=list(FORMATS), got=format))
    data = payload(automl)
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "skops":
        import skops.io

        try:
            skops.io.dump(data, path, compression=zipfile.ZIP_DEFLATED)
        except (TypeError, ValueError, AttributeError, NotImplementedError) as exc:
            path.unlink(missing_ok=True)
            raise InputError(MSG_SKOPS_CANNOT.format(model=type(automl.best_pipeline_).__name__,
                                                     error=exc, path=str(path))) from exc
    else:
        import joblib

        joblib.dump(data, path, compress=3)
    _log.info("saved AutoML to %s (%s)", path, format)
    return path


def untrusted_types(path: str | Path) -> list[str]:
    """Types in a skops file that neither skops nor jupyter_automl trusts by default."""
    import skops.io

    return [t for t in skops.io.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]


def read(path: str | Path, trusted: bool | list[str] = False) -> dict[str, Any]:
    """The saved payload, after the trust checks."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(MSG_NO_FILE.format(path=path, cwd=Path.cwd()))
    if zipfile.is_zipfile(path):
        import skops.io

        unknown = untrusted_types(path)
        extra = [] if trusted is False else list(trusted) if isinstance(trusted, (list, tuple)) else unknown
        refused = [t for t in unknown if t not in extra]
        if refused:
            raise UntrustedTypesError(MSG_UNTRUSTED.format(path=path, types=refused, path_arg=str(path)))
        data = skops.io.load(path, trusted=list(TRUSTED_TYPES) + extra)
    else:
        if trusted is not True:
            raise UntrustedTypesError(MSG_PICKLE.format(path=path, path_arg=str(path)))
        import joblib

        data = joblib.load(path)
    if not (isinstance(data, dict) and data.get("format") == FORMAT):
        raise InputError(MSG_NOT_AUTOML.format(path=path, got=type(data).__name__))
    if data["format_version"] > FORMAT_VERSION:
        raise InputError(MSG_NEWER.format(path=path, got=data["format_version"], ours=FORMAT_VERSION))
    return data


@dataclass(frozen=True)
class SavedAutoML:
    """What a saved file holds, checked and decoded; ``AutoML.load`` builds the object from it."""

    params: dict[str, Any]  # constructor parameters
    model: Any  # the fitted model (``best_pipeline_``)
    fitted: dict[str, Any]  # the other public fitted attributes (``problem_``, ``search_``...)
    leaderboard: pd.DataFrame
    versions: dict[str, str]  # of the packages that wrote it


def load(path: str | Path, trusted: bool | list[str] = False) -> SavedAutoML:
    """Read a file written by ``save``; see :meth:`jupyter_automl.AutoML.load`."""
    data = read(path, trusted)
    _check_versions(path, data["versions"])
    model = data["model"]
    fitted = decode(data["fitted"], {"model": model})
    search = fitted.get("search_")
    blas = data.get("refit_blas_threads")
    if search is not None and blas is not None and getattr(search, "refit_blas_threads", None) is None:
        fitted["search_"] = replace(search, refit_blas_threads=blas)  # written by an older version
    board = decode(data["leaderboard"])
    if "rank" in board:
        board["rank"] = pd.array(board["rank"], dtype="Int64")
    return SavedAutoML(dict(data["params"]), model, fitted, board, dict(data["versions"]))


def _check_versions(path: str | Path, saved: dict[str, str]) -> None:
    now = _versions()
    for name in ("scikit-learn", "numpy"):
        if saved.get(name) and saved[name] != now[name]:
            warnings.warn(MSG_VERSIONS.format(path=path, name=name, saved=saved[name], now=now[name]),
                          AutoMLWarning, stacklevel=4)
