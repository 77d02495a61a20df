"""AutoML: the public facade. The wizard, the command line and the benchmarks call exactly this."""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ._automl_export import TakeAway
from ._automl_mitigate import Mitigation
from ._fairness_option import FairnessParameter
from .exceptions import DataWarning, InputError, LeakageWarning, NotFittedError, SearchWarning
from .problem import Problem, analyze, check_predict_frame, prepare_training, score_at, target_array
from .search import (
    API_NAMES,
    MSG_NO_SEARCH,
    SearchHandle,
    SearchOptions,
    SearchResult,
    check_limits,
    rank_leaderboard,
    start_search,
)
from .search.space import kept_columns

MSG_BUDGET, MSG_N_TRIALS, MSG_NO_LIMIT = API_NAMES.messages()
MSG_MAX_PREDICT_MS = ("The 'max_predict_ms' parameter of AutoML must be a positive number of "
                      "milliseconds (to predict 1,000 rows) or None. Got {got!r} instead.")
MSG_RUNNING = "A search of this AutoML is still running. Call handle.stop() and handle.wait() first."
MSG_NOT_FITTED = ("This AutoML is not fitted yet. Call fit(X, y), or wait for fit_async(X, y) to finish "
                  "(handle.wait()), before using {what}.")
SEARCH_OPTIONS = ("time_budget", "n_trials", "seed", "n_jobs", "families", "storage", "study_name",
                  "ensemble", "sampler", "pruner", "executor", "dask_client", "trial_timeout",
                  "memory_limit", "runs_dir", "max_predict_ms", "warm_start", "feature_search", "nas", "feature_engineering")


class AutoML(TakeAway, Mitigation, BaseEstimator):
    """Search models, hyperparameters and preprocessing with Optuna; return a scikit-learn model.

    Parameters
    ----------
    task : {"auto", "binary", "multiclass", "classification", "regression"}, default="auto"
    metric : str, default="auto"
        A friendly name (``roc_auc``, ``log_loss``, ``accuracy``, ``balanced_accuracy``, ``f1``,
        ``average_precision``, ``rmse``, ``mae``, ``r2``, ``mape``) or a scikit-learn scorer name.
        "auto": ROC AUC for binary (average precision when under 10 % of the rows are positive),
        log loss for multiclass, RMSE for regression. Binary metrics of labels (F1, accuracy...)
        are judged at a decision threshold tuned out of fold, which the final model keeps.
    time_budget : float or None, default=60
        Seconds of wall time for the whole ``fit``, final refit included.
    n_trials : int or None, default=None
        Stop after this many new trials (whichever of the two limits comes first).
    seed : int, default=0
        Same seed, same data, same settings: the same folds and the same sequence of trials.
    n_jobs : int, default=-1
        Units of work run side by side (-1: one per core).
    families : list of str or None, default=None
        Model families to search: "linear", "knn", "svm", "random_forest", "extra_trees",
        "gradient_boosting", "neural"; None: all of these. The opt-in "nas" (neural architecture
        search, networks stopped early at epoch rungs; PyTorch adds its full space,
        ``pip install "jupyter_automl[torch]"``) is searched only when named: ``["linear", "nas"]``.
    storage : str, optuna storage or None, default=None
        None: a SQLite file in ``runs_dir/<study_name>/``; "memory": nothing on disk; an Optuna
        storage URL (``sqlite:///...``, ``postgresql://...``) or a journal file path (``*.log``).
    study_name : str or None, default=None
        Resume this study if it exists in ``storage``; None: a new name with the date. Several
        processes with the same name and a database ``storage`` search the study together.
    ensemble : bool, default=True
        Build a weighted ensemble of the best trials when it beats the best single model out of fold.
    sampler : {"tpe", "random", "evolutionary", "cmaes"}, default="tpe"
    pruner : {"auto", "median", "none"}, default="auto"
        Stop a trial between folds when its running score is in the worst third ("auto") or
        below the median ("median") of earlier trials at the same fold.
    cv : "auto", "holdout" or int, default="auto"
        "auto": 5 folds up to 10,000 rows, 3 up to 50,000, a 20% holdout above.
    executor : {"threads", "processes", "dask", "sync"}, default="threads"
    dask_client : dask.distributed.Client or str, default=None
        Needed with ``executor="dask"``: a Client, or the scheduler's address
        (``"tcp://10.0.0.5:8786"``). The data is sent to each worker once; the workers need the
        same jupyter_automl installed (see the README, "Running on a cluster").
    trial_timeout : float or None, default=None
        Seconds for one fit of one fold: processes are killed at the limit, threads marked failed past it.
    memory_limit : int or None, default=None
        Megabytes one worker process may add (``executor="processes"`` only).
    runs_dir : str, default="automl_runs"
        Folder for the default storage and the out-of-fold predictions.
    positive_class : label or None, default=None
        For binary tasks; None: 1 or True if the labels are 0/1, else the rarer class.
    check_leakage : bool, default=True
        Warn about columns that alone predict the target almost perfectly.
    fairness : dict or None, default=None
        Run a fairness-aware search: ``{"sensitive_features": ["sex"], "constraint":
        "demographic_parity"}`` (or "equalized_odds"): multi-objective (the metric against the
        disparity of out-of-fold decisions); ``pareto_front()`` lists the trade-offs,
        ``select_trial(number)`` picks one (:func:`jupyter_automl.insight.fairness_plugin`).
        ``automl.fairness(X, y, sensitive_features=...)`` checks a model; the setting is ``automl.fairness.value``.
    max_predict_ms : float or None, default=None
        Keep the final model fast: it must predict 1,000 rows within this many milliseconds (as measured
        on the validation folds; an ensemble counts every member). Slower trials are left out of the
        final choice, with a note. ``select_faster`` trades score for speed after the search.
    warm_start : bool or Knowledge, default=True
        Start where earlier searches learned to look: the first trials are configurations that
        did well on the most similar of the reference datasets shipped with jupyter_automl and of
        your own finished studies in ``runs_dir``, ordered by a meta-model (leaderboard columns
        ``warm_start`` and ``predicted_score``). False: the search starts from fixed defaults.
        A ``jupyter_automl.search.warmstart.Knowledge`` uses that knowledge instead.
    feature_search : {"joint", "sequential", "pseudo_joint", "off"}, default="joint"
        "joint": the columns a model sees (``feature_fraction``; ``selector``: F-test, mutual info,
        extra trees or L1, fitted in each fold) are searched with the model, at no extra cost.
        "sequential": RFE with a fixed cheap model first (a quarter of the budget), then the model
        search on the kept columns; "pseudo_joint": elimination steps driven by the best trials'
        importances alternate with rounds of the model search. "off": every column; the others
        first drop the noise of a mostly-noise table (``problem/_noise.py``). Why "joint" is the
        default: it spends no budget up front, and at equal time it beat "sequential" on 6 of 11
        public datasets and lost beyond noise on none (``benchmarks/README.md``).
    nas : {"standard", "supernet"}, default="standard"
        How the "nas" family is searched. "standard": each architecture trains alone, stopped
        early at epoch rungs. "supernet" (one-shot; needs PyTorch, else "standard" with a
        warning): a weight-sharing supernet trains first, up to 40 of its sub-networks are scored
        with its weights (``inherited_weights``), the best 3 retrain alone: the best on a fold, on all.
    feature_engineering : {"search", "fixed"}, default="search"
        Search date, text and high-cardinality encodings (linear: splines, interactions) with the model, or "fixed".

    Attributes
    ----------
    best_pipeline_ : Pipeline or WeightedEnsemble*
        The final model, refit on all rows; plain scikit-learn.
    problem_ : Problem
    classes_ : ndarray (classification)
    feature_names_in_, n_features_in_
    cv_score_ : float
        Out-of-fold score of the final model.
    selected_features_ : list of str
        The original columns the final model reads (see ``feature_search``).
    best_trial_ : int
    study_name_ : str
    mitigation_ : dict or None (after ``use_mitigated``: method, constraint, before/after)

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> automl = AutoML(time_budget=None, n_trials=3, families=["linear"], storage="memory")
    >>> automl.fit(X, y).predict_proba(X.head(2)).shape
    (2, 2)
    """

    def __init__(
        self,
        task: str = "auto",
        metric: str = "auto",
        time_budget: float | None = 60,
        n_trials: int | None = None,
        seed: int = 0,
        n_jobs: int = -1,
        families: list[str] | None = None,
        storage: Any = None,
        study_name: str | None = None,
        ensemble: bool = True,
        sampler: str = "tpe",
        pruner: str = "auto",
        cv: Any = "auto",
        executor: Any = "threads",
        dask_client: Any = None,
        trial_timeout: float | None = None,
        memory_limit: int | None = None,
        runs_dir: str = "automl_runs",
        positive_class: Any = None,
        check_leakage: bool = True,
        fairness: dict | None = None,
        max_predict_ms: float | None = None,
        warm_start: Any = True,
        feature_search: str = "joint",
        nas: str = "standard",
        feature_engineering: str = "search",
    ):
        self.task = task
        self.metric = metric
        self.time_budget = time_budget
        self.n_trials = n_trials
        self.seed = seed
        self.n_jobs = n_jobs
        self.families = families
        self.storage = storage
        self.study_name = study_name
        self.ensemble = ensemble
        self.sampler = sampler
        self.pruner = pruner
        self.cv = cv
        self.executor = executor
        self.dask_client = dask_client
        self.trial_timeout = trial_timeout
        self.memory_limit = memory_limit
        self.runs_dir = runs_dir
        self.positive_class = positive_class
        self.check_leakage = check_leakage
        self.fairness = fairness
        self.max_predict_ms = max_predict_ms
        self.warm_start = warm_start
        self.feature_search = feature_search
        self.nas = nas
        self.feature_engineering = feature_engineering

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> AutoML:
        """Run the search and refit the chosen model; block until done. Returns ``self``.

        ``y`` may be the target values or the name of the target column in ``X``. Ctrl-C stops
        the search early and keeps the best model found so far.
        """
        handle = self.fit_async(X, y)
        handle.wait()
        handle.result()
        summary = self._failure_summary()
        if summary:
            warnings.warn(summary, SearchWarning, stacklevel=2)
        return self

    def _failure_summary(self) -> str:
        """One line on failed trials and refit problems, or '' when there were none."""
        board = self.leaderboard()
        failed = board[board["status"] == "failed"]
        parts = []
        if len(failed):
            reasons = failed["reason"].str.replace(r"^fold \d+: ", "", regex=True).value_counts()
            top = "; ".join(f"{n}x {why}" for why, n in reasons.head(3).items())
            parts.append(f"{len(failed)} of {len(board)} trials failed ({top}); see leaderboard()")
        parts += [n for n in self.search_.notes if "could not be refit" in n]
        return ". ".join(parts)

    def fit_async(self, X: Any, y: Any) -> SearchHandle:
        """Start the search in a background thread and return its handle at once.

        The data is checked before this returns, so bad input raises here. The handle gives
        ``stop()``, ``pause()``, ``resume()``, ``wait()``, ``done()``, ``result()``,
        ``subscribe(fn)``, ``progress()`` and a live ``leaderboard()``.
        """
        t_start = time.monotonic()
        handle = getattr(self, "_handle", None)
        if handle is not None and not handle.done():
            raise InputError(MSG_RUNNING)
        check_limits(self.time_budget, self.n_trials)
        self._check_max_predict_ms()
        problem, X_clean, y_clean = analyze(X, y, task=self.task, metric=self.metric, cv=self.cv, seed=self.seed,
            positive_class=self.positive_class, check_leakage=self.check_leakage, time_budget=self.time_budget,
            screen_noise=self.feature_search != "off")  # see problem/_noise.py
        self._warn_about(problem)
        plugin = self._make_plugin(problem, X_clean)
        data = prepare_training(X_clean, y_clean, problem)
        self._pending = (problem, data.seen_categories)
        options = SearchOptions(**{k: getattr(self, k) for k in SEARCH_OPTIONS})
        self._handle = start_search(problem, data, options, owner=self, plugin=plugin,
                                    on_result=self._set_result, t_start=t_start)
        return self._handle

    def _check_max_predict_ms(self) -> None:
        limit = self.max_predict_ms
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0):
            raise InputError(MSG_MAX_PREDICT_MS.format(got=limit))

    def _make_plugin(self, problem: Problem, X: pd.DataFrame) -> Any:
        """The search plugin for the options that need one (fairness-aware search), or None."""
        fairness = getattr(self, "fairness", None)
        if not fairness:
            return None
        from .insight import fairness_plugin

        return fairness_plugin(fairness, problem, X)

    @staticmethod
    def _warn_about(problem: Problem) -> None:
        for note in problem.notes:  # leaks warn as such; dropped (or noise) columns as data
            warnings.warn(note, LeakageWarning if note.startswith("possible leakage") else DataWarning, stacklevel=4)

    def _set_result(self, result: SearchResult) -> None:
        """Called on the coordinator thread when the final model is ready."""
        problem, seen_categories = self._pending
        self.problem_ = problem
        self.search_ = result
        self.best_pipeline_ = result.model
        self.best_trial_ = result.best_trial
        self.cv_score_ = result.score
        self.study_name_ = result.study_name
        self.feature_names_in_ = np.asarray(problem.feature_names_in, dtype=object)
        self.n_features_in_ = len(problem.feature_names_in)
        self.seen_categories_ = seen_categories
        self.mitigation_ = None  # a newly chosen model is not mitigated (see use_mitigated)
        self._warned_unseen: set[str] = set()
        if problem.is_classification:
            self.classes_ = problem.classes

    # -- results ------------------------------------------------------------------------------

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "best_pipeline_")

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "best_pipeline_"):
            raise NotFittedError(MSG_NOT_FITTED.format(what=what))

    def _prepare(self, X: Any) -> pd.DataFrame:
        """Check X against what fit saw; return the used columns in order."""
        if not hasattr(self, "_warned_unseen"):
            self._warned_unseen = set()  # a loaded AutoML
        return check_predict_frame(X, self.problem_, getattr(self, "seen_categories_", {}),
                                   self._warned_unseen, stacklevel=4)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels (classification) or values (regression)."""
        self._check_fitted("predict")
        return self.best_pipeline_.predict(self._prepare(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        self._check_fitted("predict_proba")
        if not self.problem_.is_classification:
            raise InputError("predict_proba is for classification; this is a regression model. Use predict.")
        return self.best_pipeline_.predict_proba(self._prepare(X))

    def score(self, X: Any, y: Any) -> float:
        """The search metric on (X, y), in its own units (see ``problem_.metric.direction``).

        Label metrics (F1...) of a model with a tuned decision threshold are at that threshold.
        """
        self._check_fitted("score")
        problem = self.problem_
        pred = self.predict_proba(X) if problem.is_classification else self.predict(X)
        threshold = getattr(self.search_, "threshold", None)
        if threshold is not None:
            return score_at(target_array(y), pred, problem.metric, threshold)
        return problem.metric.score(target_array(y), pred)

    def leaderboard(self, sort_by: str | None = None) -> pd.DataFrame:
        """One row per trial, best first (columns in ``jupyter_automl.search.LEADERBOARD_COLUMNS``,
        then the usual metrics out of fold). Works during a search too (a live snapshot).

        Parameters
        ----------
        sort_by : str, optional
            Rank by this column instead of the search's score: another metric ("f1",
            "average_precision", "mae"...), "predict_ms", "model_kb", "fit_time" or "duration".
        """
        handle = getattr(self, "_handle", None)
        if handle is None:
            saved = getattr(self, "_saved_leaderboard", None)  # set by AutoML.load
            if saved is None:
                raise NotFittedError(MSG_NOT_FITTED.format(what="leaderboard"))
            return rank_leaderboard(saved.copy(), self.problem_.metric, sort_by)
        return handle.leaderboard(getattr(self, "search_", None), sort_by=sort_by)

    # -- insight: explanations, fairness, the Pareto front (jupyter_automl.insight) ----------------

    def _insight_frame(self, X: Any, what: str) -> pd.DataFrame:
        """X checked like ``predict`` does, with all of its columns kept (text names)."""
        self._check_fitted(what)
        checked = self._prepare(X)
        frame = X if isinstance(X, pd.DataFrame) else checked
        return frame.set_axis([str(c) for c in frame.columns], axis=1)

    def explain(self, X: Any, *, target_class: Any = None, background: Any = None,
                max_time: float = 20.0, method: str = "auto", random_state: int = 0) -> Any:
        """SHAP values of the chosen model on the rows of ``X``, one per original column.

        The fastest faithful path: exact TreeSHAP for boosting and forests, linear SHAP for
        linear models, each member of an ensemble in probability space combined by weight,
        sampled permutation SHAP otherwise. Rows and background are sampled to stay within
        ``max_time`` seconds, with a note saying so.
        See :func:`jupyter_automl.insight.explain` for the parameters.

        Returns
        -------
        jupyter_automl.insight.Explanation
            ``values`` (DataFrame with X's columns), ``base_value``, ``notes``, and
            ``plot_bar``, ``plot_beeswarm``, ``plot_dependence``, ``plot_waterfall``.
        """
        from .insight import explain

        return explain(self, self._insight_frame(X, "explain"), target_class=target_class,
                       background=background, max_time=max_time, method=method,
                       random_state=random_state)

    def fairness(self, X: Any, y: Any, *, sensitive_features: Any, min_group_size: int = 30) -> Any:
        """Compare the chosen model's decisions and errors across sensitive groups.

        ``sensitive_features``: column name(s) of ``X`` or one value per row; several features
        give intersectional groups. See :func:`jupyter_automl.insight.fairness`.

        Returns
        -------
        jupyter_automl.insight.FairnessResult
            ``by_group`` (DataFrame), ``disparities`` (dict with "demographic_parity_difference"
            and "equalized_odds_difference" for classification), ``notes`` and plots.
        """
        from .insight import fairness

        return fairness(self, self._insight_frame(X, "fairness"), y,
                        sensitive_features=sensitive_features, min_group_size=min_group_size)

    # the constructor parameter and the method share the name: see _fairness_option.py
    fairness = FairnessParameter(fairness)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """As scikit-learn's, with ``fairness`` the value given (not the callable around it)."""
        params = super().get_params(deep=deep)
        params["fairness"] = type(self).__dict__["fairness"].value(self)
        return params

    def parameter_importance(self, evaluator: str = "fanova") -> Any:
        """Which settings mattered: per model family (Optuna's ``evaluator`` over the family's
        finished trials: "fanova", "mean_decrease_impurity" or "ped_anova") and the family choice
        itself (share of the score variance between families). Works during a search too.

        Returns
        -------
        jupyter_automl.insight.ParameterImportance
            ``family_choice``, ``families``, ``family_scores``, ``notes``; ``to_frame()``.
        """
        from .insight import parameter_importance

        board = self.leaderboard()
        problem = getattr(self, "problem_", None)
        if problem is not None:
            direction = problem.metric.direction
        else:  # a live search: the direction is in its first event
            direction = next(e.direction for e in self._search_handle("ranked").events()
                             if e.kind == "search_started")
        return parameter_importance(board, direction, evaluator=evaluator, seed=self.seed)

    def compare_trials(self, numbers: list[int]) -> pd.DataFrame:
        """Two or more trials side by side: fold scores, out-of-fold metrics, fit and predict
        times, size, and their configurations (settings that differ first, marked "yes")."""
        from .insight import compare_trials

        handle = getattr(self, "_handle", None)
        return compare_trials(self.leaderboard(), numbers, handle.events() if handle is not None else ())

    def pareto_front(self) -> pd.DataFrame:
        """After a fairness-aware search: one row per Pareto-optimal trial, fairest first.

        Columns in ``jupyter_automl.insight.FRONT_COLUMNS`` plus the disparity objective
        (e.g. "demographic_parity_difference"); ``chosen`` marks the current model.
        """
        return self._search_handle("listed").pareto_front(getattr(self, "best_trial_", None))

    def select_trial(self, number: int) -> AutoML:
        """Make trial ``number`` (e.g. a point of ``pareto_front()``) the chosen model.

        The trial's configuration is refit on every training row (this takes one fit). Returns
        ``self``.
        """
        self._check_fitted("select_trial")
        self._set_result(self._search_handle("refit").select_trial(number, self.search_))
        return self

    def select_faster(self, tolerance: float = 0.01) -> AutoML:
        """Make the fastest model within ``tolerance`` of the chosen one's score the model.

        ``tolerance`` is a share of the score (0.01: within 1 %). Among the finished trials that
        score that well, the one that predicts 1,000 rows fastest (``leaderboard()["predict_ms"]``)
        is refit on every row (one fit). Returns ``self``.
        """
        self._check_fitted("select_faster")
        self._set_result(self._search_handle("refit").select_faster(tolerance, self.search_))
        return self

    def _search_handle(self, what: str) -> SearchHandle:
        handle = getattr(self, "_handle", None)
        if handle is None:
            raise NotFittedError(MSG_NO_SEARCH.format(what=what))
        return handle

    @property
    def selected_features_(self) -> list[str]:
        """The original columns the final model reads: every used column unless the searched
        feature selection dropped some (an ensemble: the columns any member reads)."""
        self._check_fitted("selected_features_")
        kept = kept_columns(self.best_pipeline_)
        return list(kept) if kept is not None else [c.name for c in self.problem_.used_columns]

    @property
    def handle_(self) -> SearchHandle:
        """The handle of the latest search (also while it runs)."""
        handle = getattr(self, "_handle", None)
        if handle is None:
            raise NotFittedError(MSG_NOT_FITTED.format(what="handle_"))
        return handle

    def _repr_html_(self) -> str:
        from ._repr import automl_html

        return automl_html(self)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_handle", "_pending")}

