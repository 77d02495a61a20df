"""Wizard: a guided widget from a DataFrame to a model (Data, Target and task, Columns, Search,
Run, Results). Every step is a call of the public API; the wizard never reaches into the engine.

Threads: choices arrive as trait changes (from the browser or from Python); slow work (loading,
analysing, starting a search, results, SHAP, fairness) runs one job at a time on the widget's
worker thread; everything sent to the browser goes through the bridge (see ``_bridge.py``).
"""

from __future__ import annotations

import inspect
import threading
import warnings
from typing import Any

import pandas as pd
import traitlets as t

from .. import AutoML
from .._logging import get_logger
from ..exceptions import AutoMLWarning, InputError
from ..insight import suggest_sensitive, warm_up_in_background
from ..search import NAS_FAMILY, list_studies
from ._base import StreamWidget, action, bundle
from ._cluster import ClusterWatch
from ._companion import RunCompanion
from ._controls import SearchControls
from ._data import (
    data_part,
    demo_sources,
    frame_from_namespace,
    load_demo_frame,
    namespace_frames,
    read_upload,
)
from ._networks import CurvePublisher
from ._result_tabs import ResultTabs
from ._results import default_export_paths, results_part
from ._setup import (
    DEFAULT_SETTINGS,
    automl_kwargs,
    columns_part,
    search_part,
    split_holdout,
    target_part,
)
from .live import family_labels

__all__ = ["Wizard", "STEPS"]

_log = get_logger(__name__)
STEPS = ("data", "target", "columns", "search", "run", "results")
ACTIVE = ("starting", "searching", "paused", "refitting")
GIVEN_NAME = "the DataFrame given to Wizard()"
MSG_NO_DATA = "Pick a dataset first (step 1, Data)."
MSG_NO_TARGET = "Pick a target that can be learned first (step 2, Target and task)."
MSG_RUNNING = "A search is already running. Stop it (or wait for it to finish) before starting another."
MSG_NO_FRAME = "Wizard(df) needs a pandas DataFrame. Got {type} instead."


class Wizard(ResultTabs, SearchControls, StreamWidget):
    """A step-by-step JupyterLab wizard: pick data, a target, columns and a search; watch it run;
    read the results (diagnostics, explanation, fairness, export).

    Parameters
    ----------
    df : DataFrame, optional
        The data (target column included). Without it, the Data step offers the DataFrames of
        the notebook, a file upload and the built-in demo datasets.
    runs_dir : str, default="automl_runs"
        Where searches are stored (and can be resumed from).
    namespace : dict, optional
        Where to look for DataFrames; by default the notebook's variables.

    Attributes
    ----------
    automl : AutoML or None
        The AutoML of the latest search (fitted once it finished).
    handle : SearchHandle or None
        The handle of the latest search (``wait()``, ``stop()``, ``progress()``...).
    data : DataFrame or None
        The data picked in the Data step.
    holdout : tuple (X, y) or None
        The rows kept aside to test the chosen model.

    Examples
    --------
    >>> from jupyter_automl import Wizard
    >>> from jupyter_automl.datasets import load_frame
    >>> wizard = Wizard(load_frame("breast_cancer"))   # display it in a notebook cell
    >>> wizard.wait_idle() and (wizard.target, wizard.task, wizard.max_step)
    ('diagnosis', 'auto', 4)
    >>> wizard.settings = wizard.settings | {"time_budget": None, "n_trials": 2,
    ...                                      "families": ["linear"], "storage": "memory", "n_jobs": 1}
    >>> wizard.start().wait(60)
    True
    >>> wizard.wait_idle() and wizard.max_step
    5
    >>> wizard.close()
    """

    _esm = bundle("wizard.js")
    _css = bundle("styles.css")

    families = t.Dict().tag(sync=True)
    steps = t.List(t.Unicode(), default_value=list(STEPS)).tag(sync=True)
    step = t.Int(0).tag(sync=True)
    max_step = t.Int(0).tag(sync=True)
    source = t.Dict().tag(sync=True)  # {"kind": "demo" | "variable" | "upload" | "given", "name": ...}
    target = t.Unicode("").tag(sync=True)
    task = t.Unicode("auto").tag(sync=True)
    metric_choice = t.Unicode("auto").tag(sync=True)
    positive_class = t.Unicode("").tag(sync=True)
    excluded = t.List(t.Unicode()).tag(sync=True)
    sensitive = t.List(t.Unicode()).tag(sync=True)
    settings = t.Dict().tag(sync=True)
    busy = t.Unicode("").tag(sync=True)

    def __init__(self, df: pd.DataFrame | None = None, *, runs_dir: str = "automl_runs",
                 namespace: dict[str, Any] | None = None, **kwargs: Any):
        if df is not None and not isinstance(df, pd.DataFrame):
            raise TypeError(MSG_NO_FRAME.format(type=type(df).__name__))
        super().__init__(**kwargs)
        self.families = family_labels()
        self.settings = dict(DEFAULT_SETTINGS)
        self.runs_dir = runs_dir
        self._namespace = namespace
        self._given = df
        self._uploaded: tuple[str, pd.DataFrame] | None = None
        self._df: pd.DataFrame | None = None
        self._info: dict[str, Any] = {}
        self._data_token = 0
        self._problem = None
        self._analysed_key: tuple | None = None
        self._columns_key: tuple | None = None
        self._studies: list[dict[str, Any]] = []
        self._automl: AutoML | None = None
        self._handle = None
        self._companion: RunCompanion | None = None  # lessons and importance of the latest search
        self._curves: CurvePublisher | None = None  # the networks' learning curves, if it has networks
        self._holdout: tuple[Any, Any, str] | None = None
        self._training: tuple[pd.DataFrame, pd.Series] | None = None  # the rows fit saw
        self._mitigation = None  # the Fairness tab's latest MitigationResult
        self._results_ready = False
        self._lock = threading.Lock()
        self._cluster = ClusterWatch(self._bridge)  # the Dask cluster the settings name, if any
        self.observe(self._on_source, names=["source"])
        self.observe(self._on_target_choice, names=["target", "task", "metric_choice", "positive_class"])
        self.observe(self._on_columns_choice, names=["excluded", "sensitive"])
        self.observe(self._on_settings, names=["settings"])
        self._submit(self._publish_sources)
        if df is not None:
            self.source = {"kind": "given", "name": GIVEN_NAME}

    # -- public ----------------------------------------------------------------------------

    @property
    def automl(self) -> AutoML | None:
        return self._automl

    @property
    def handle(self) -> Any:
        return self._handle

    @property
    def data(self) -> pd.DataFrame | None:
        return self._df

    @property
    def holdout(self) -> tuple[pd.DataFrame, pd.Series] | None:
        if self._holdout is None or self._holdout[0] is None:
            return None
        return self._holdout[0], self._holdout[1]

    def start(self) -> Any:
        """Start the search set up in the steps (as the Start button does); return its handle."""
        self.wait_idle()
        self._start()
        return self._handle

    # -- choices ---------------------------------------------------------------------------

    def _namespace_now(self) -> dict[str, Any] | None:
        if self._namespace is not None:
            return self._namespace
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        shell = get_ipython()
        return None if shell is None else shell.user_ns

    def _publish_sources(self) -> None:
        try:
            frames, error = namespace_frames(self._namespace_now()), None
        except Exception as exc:  # the demos must still be offered
            _log.exception("listing the notebook's DataFrames failed")
            frames, error = [], f"The notebook's DataFrames could not be listed: {exc}"
        self._bridge.set_part("sources", {
            "demos": demo_sources(), "frames": frames, "error": error,
            "given": self._given is not None, "given_name": GIVEN_NAME,
        })

    def _on_source(self, change: dict) -> None:
        self._data_token += 1
        self._submit(self._load, dict(change["new"] or {}), self._data_token)

    def _on_target_choice(self, change: dict) -> None:
        self._submit(self._analyse)

    def _on_columns_choice(self, change: dict) -> None:
        self._submit(self._publish_columns)

    def _on_settings(self, change: dict) -> None:
        self._cluster.follow(DEFAULT_SETTINGS | dict(change["new"] or {}))
        self._submit(self._publish_search)

    # -- jobs on the worker thread ------------------------------------------------------------

    def _set_busy(self, text: str) -> None:
        self._bridge.set_traits(busy=text)

    def _load(self, source: dict[str, Any], token: int) -> None:
        if token != self._data_token or not source:
            return
        kind, name = source.get("kind"), str(source.get("name", ""))
        self._set_busy(f"Loading {name}…")
        info: dict[str, Any] = {}
        try:
            if kind == "demo":
                df, info = load_demo_frame(name)
            elif kind == "variable":
                df = frame_from_namespace(self._namespace_now(), name)
            elif kind == "upload":
                if self._uploaded is None or self._uploaded[0] != name:
                    raise InputError(f"The file {name!r} is no longer in memory; upload it again.")
                df = self._uploaded[1]
            elif kind == "given":
                df = self._given
            else:
                raise InputError(f"Unknown data source {kind!r}.")
            part = data_part(df, name=name, kind=kind, description=info.get("description", ""))
        except Exception as exc:
            self._df, self._problem = None, None
            self._bridge.set_part("data", {"name": name, "kind": kind, "error": str(exc)})
            self._bridge.set_part("target", None)
            self._bridge.set_part("columns", None)
            self._bridge.set_traits(busy="", max_step=0)
            return
        with self._lock:
            self._df, self._info, self._problem = df, info, None
            self._analysed_key = None
        self._bridge.set_part("data", part)
        target = info.get("target") or (self.target if self.target in df.columns else str(df.columns[-1]))
        # any table: columns that look like protected attributes are marked, with the reason
        suggested = suggest_sensitive(df, exclude=[target])
        self._sensitive_reasons = {s.column: s.reason for s in suggested}
        marked = [c for c in info.get("sensitive", []) if c in df.columns] or [s.column for s in suggested]
        defaults = {"busy": "", "max_step": 1, "target": target, "task": "auto",
                    "metric_choice": "auto", "positive_class": "", "sensitive": marked}
        self._bridge.set_traits(**defaults)
        # the traits may not change (same target as before): analyse once they are set
        self._bridge.call_soon(lambda: self._submit(self._analyse))

    def _analyse(self) -> None:
        df = self._df
        if df is None:
            return
        settings = DEFAULT_SETTINGS | self.settings
        key = (id(df), self._data_token, self.target, self.task, self.metric_choice,
               self.positive_class, str(settings["cv"]), settings["seed"], settings["time_budget"],
               settings["feature_search"])
        if key == self._analysed_key:
            return
        self._analysed_key = key
        self._set_busy(f"Checking the target {self.target!r}…")
        cv = settings["cv"]
        try:
            part, problem = target_part(df, self.target, task=self.task, metric=self.metric_choice,
                                        positive_class=self.positive_class or None,
                                        cv=int(cv) if str(cv).isdigit() else cv,
                                        seed=int(settings["seed"] or 0),
                                        time_budget=settings["time_budget"] or None,
                                        feature_search=settings["feature_search"])
        except Exception as exc:  # a bug here must still show up in the UI
            _log.exception("target analysis failed")
            part, problem = {"target": self.target, "error": f"{type(exc).__name__}: {exc}"}, None
        self._problem = problem
        self._bridge.set_part("target", part)
        if problem is None:
            self._bridge.set_part("columns", None)
            self._bridge.set_traits(busy="", max_step=1)
            return
        # the next steps open with the analysis shown, not after the slower listing of earlier
        # studies below: until then Next and the arrow keys on the step tabs could not go on
        self._bridge.set_traits(max_step=self._open_steps())
        columns_key = (self._data_token, problem.target)
        if columns_key != self._columns_key:
            self._columns_key = columns_key
            # leaking columns start excluded: the person sees why and can tick them back
            self._bridge.set_traits(excluded=sorted(problem.leaks))
            self._bridge.call_soon(lambda: self._submit(self._publish_columns))
        else:
            self._publish_columns()
        self._studies = self._matching_studies()
        self._publish_search()
        self._set_busy("")

    def _matching_studies(self) -> list[dict[str, Any]]:
        problem = self._problem
        if problem is None:
            return []
        try:
            studies = list_studies(self.runs_dir)
        except Exception:
            _log.exception("listing studies failed")
            return []
        return [s.to_dict() for s in studies
                if s.target == problem.target and s.task == problem.task
                and s.metric == problem.metric.name]

    def _publish_columns(self) -> None:
        if self._problem is None:
            return
        self._bridge.set_part("columns", columns_part(self._problem, list(self.excluded),
                                                      list(self.sensitive),
                                                      getattr(self, "_sensitive_reasons", {})))

    def _settings_valid(self) -> bool:
        try:
            automl_kwargs(self.settings, runs_dir=self.runs_dir)
        except InputError:
            return False
        return True

    def _publish_search(self) -> None:
        df = self._df
        n_rows = 0 if df is None else len(df)
        fairness = "fairness" in inspect.signature(AutoML.__init__).parameters
        task = self._problem.task if self._problem is not None else "binary"
        self._bridge.set_part("search", search_part(self.settings, n_rows=n_rows, studies=self._studies,
                                                    fairness_available=fairness, task=task))
        if self._problem is not None:
            self._bridge.set_traits(max_step=self._open_steps())

    def _open_steps(self) -> int:
        """The last step a person may go to once the target is learnable."""
        return 5 if self._results_ready else (4 if self._settings_valid() else 3)

    # -- the search -------------------------------------------------------------------------

    @action()
    def refresh_sources(self, args: dict, buffers: list) -> dict[str, int]:
        """List the notebook's DataFrames again."""
        self._publish_sources()
        return {"ok": 1}

    @action()
    def upload(self, args: dict, buffers: list) -> dict[str, Any]:
        """Read an uploaded file (the bytes come as the message's first buffer)."""
        name = str(args.get("name", "upload.csv"))
        if not buffers:
            raise InputError("The upload carried no file. Choose the file again.")
        data = buffers[0]
        df = read_upload(name, bytes(data) if not isinstance(data, bytes) else data)
        self._uploaded = (name, df)
        self._bridge.set_traits(source={"kind": "upload", "name": name})
        return {"rows": len(df), "cols": df.shape[1]}

    @action(name="start")
    def _start_request(self, args: dict, buffers: list) -> dict[str, Any]:
        """The Start button."""
        handle = self._start()
        return {"study_name": handle.study.study_name}

    def _start(self) -> Any:
        if self._handle is not None and not self._handle.done():
            raise InputError(MSG_RUNNING)
        df, problem = self._df, self._problem
        if df is None:
            raise InputError(MSG_NO_DATA)
        if problem is None:
            raise InputError(MSG_NO_TARGET)
        settings = DEFAULT_SETTINGS | self.settings
        kwargs = automl_kwargs(settings, runs_dir=self.runs_dir)
        target = problem.target
        features = [c for c in df.columns if c != target and c not in set(self.excluded)]
        if not features:
            raise InputError("Every column is excluded: include at least one in the Columns step.")
        self._set_busy("Starting the search…")
        X_train, y_train, X_hold, y_hold, note = split_holdout(
            df[features], df[target], float(settings["holdout"] or 0), seed=kwargs["seed"],
            classification=problem.is_classification)
        fairness = self._fairness_setting(settings, features)
        if fairness:
            kwargs["fairness"] = fairness
        automl = AutoML(task=self.task, metric=self.metric_choice,
                        positive_class=self.positive_class or None, **kwargs)
        # our warnings (dropped columns, possible leakage) become notes in the Run step; the
        # Target and Columns steps showed them already. catch_warnings is process-wide: it is
        # held only while the data is checked, before the search thread starts.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AutoMLWarning)
            try:
                handle = automl.fit_async(X_train, y_train)
            finally:
                self._set_busy("")
        notes = [str(w.message) for w in caught if issubclass(w.category, AutoMLWarning)]
        self._automl, self._handle = automl, handle
        self._holdout = (X_hold, y_hold, note)
        self._training, self._mitigation = (X_train, y_train), None
        self._results_ready = False
        for name in ("results", "compare", "explain", "fairness", "mitigation", "export", "curves"):
            self._bridge.set_part(name, None)
        self._bridge.set_part("run_notes", {"notes": notes, "holdout": note,
                                            "features": len(features)})
        self._bridge.attach(handle)
        # teaching lessons (when asked for) and live parameter importance, from the engine
        self._companion = RunCompanion(self._bridge, self._submit, automl, handle,
                                       teaching=bool(settings.get("teaching")), sampler=settings["sampler"])
        # a search with networks: their learning curves, live (the engine's learning_curves())
        if self._curves is not None:
            self._curves.stop()
        self._curves = CurvePublisher(self._bridge, self._submit, handle) \
            if NAS_FAMILY in kwargs["families"] else None
        handle.subscribe(lambda event: self._on_engine_event(handle, event), replay=True)
        self._bridge.set_traits(step=STEPS.index("run"), max_step=STEPS.index("run"))
        return handle

    def _fairness_setting(self, settings: dict[str, Any], features: list[str]) -> dict[str, Any] | None:
        constraint = settings.get("fairness_constraint") or "none"
        sensitive = [c for c in self.sensitive if c in features]
        if constraint == "none" or not sensitive:
            return None
        if "fairness" not in inspect.signature(AutoML.__init__).parameters:
            return None
        return {"sensitive_features": sensitive, "constraint": constraint}

    def _on_engine_event(self, handle: Any, event: Any) -> None:  # coordinator thread: be quick
        if event.kind in ("search_finished", "search_errored"):
            self._submit(self._publish_results, handle)

    def _publish_results(self, handle: Any) -> None:
        if handle is not self._handle:
            return
        automl = self._automl
        if not hasattr(automl, "best_pipeline_"):
            error = handle.exception(0) if handle.done() else None
            self._bridge.set_part("results", {"error": str(error) if error else "The search ended "
                                              "without a model."})
            return
        self._set_busy("Scoring the chosen model on the rows kept aside…")
        X_hold, y_hold, note = self._holdout or (None, None, "")
        try:
            part = results_part(automl, X_hold, y_hold, holdout_note=note)
            part["exports"] = default_export_paths(self.runs_dir, part.get("study_name"))
            part["sensitive_options"] = [c for c in self._df.columns if c != automl.problem_.target] \
                if self._df is not None else []
        except Exception as exc:
            _log.exception("results failed")
            part = {"error": f"The results could not be computed: {type(exc).__name__}: {exc}"}
        self._results_ready = "error" not in part
        self._bridge.set_part("results", part)
        if self._results_ready:
            warm_up_in_background()  # the Explain tab's first click finds its kernels compiled
        if self._companion is not None and self._results_ready:
            self._companion.finished()
        self._studies = self._matching_studies()
        self._publish_search()
        self._set_busy("")

    def close(self) -> None:
        """Stop a running search and close the widget."""
        handle = getattr(self, "_handle", None)  # close() also runs from __del__ of a half-made widget
        if handle is not None and not handle.done():
            handle.stop()
        if hasattr(self, "_cluster"):
            self._cluster.stop()
        super().close()
