"""The Results step's tabs of the wizard: comparing trials of the leaderboard, Explain, Fairness
(with its mitigation), Export, and choosing a trial of the Pareto front. Each is a request from
the front-end that calls the public AutoML API (on the rows kept aside where rows are needed);
the panels go back through the bridge."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from .. import AutoML
from ..exceptions import AutoMLWarning, InputError, NotFittedError
from ._base import action
from ._compare import compare_part
from ._mitigation import mitigation_part
from ._results import explain_part, export_file, fairness_part

__all__ = ["ResultTabs"]

MSG_NO_MODEL = "There is no model yet: run a search to the end first."
MSG_NO_MITIGATION = "Run a mitigation first (the Mitigate button), then make it the model."
MSG_PICK_SENSITIVE = "Tick at least one sensitive column above: the mitigation evens out its groups."


class ResultTabs:
    """Mixed into ``Wizard``; uses its ``_automl``, ``_df``, ``_holdout``, ``_bridge``."""

    def _fitted(self) -> AutoML:
        automl = self._automl
        if automl is None or not hasattr(automl, "best_pipeline_"):
            raise NotFittedError(MSG_NO_MODEL)
        return automl

    def _check_rows(self) -> tuple[pd.DataFrame, pd.Series, bool]:
        """The rows kept aside, or (when there are none) the training rows."""
        automl = self._fitted()
        if self._holdout is not None and self._holdout[0] is not None:
            return self._holdout[0], self._holdout[1], True
        target = automl.problem_.target
        df = self._df
        features = [c for c in df.columns if c != target and c not in set(self.excluded)]
        rows = df[df[target].notna()]
        return rows[features], rows[target], False

    @action()
    def compare(self, args: dict, buffers: list) -> dict[str, Any]:
        """The leaderboard's Compare button: two to four trials side by side."""
        part = compare_part(self._fitted(), args.get("trials") or [])
        self._bridge.set_part("compare", part)
        return {"trials": part["trials"]}

    @action()
    def explain(self, args: dict, buffers: list) -> dict[str, Any]:
        """The Explain tab: SHAP values of rows kept aside."""
        automl = self._fitted()
        X, _, held_out = self._check_rows()
        self._set_busy("Computing SHAP values…")
        try:
            part = explain_part(automl, X)
        finally:
            self._set_busy("")
        part["held_out"] = held_out
        self._bridge.set_part("explain", part)
        return {"n_rows": part.get("n_rows")}

    @action()
    def fairness(self, args: dict, buffers: list) -> dict[str, Any]:
        """The Fairness tab: metrics by group of the chosen sensitive columns."""
        automl = self._fitted()
        X, y, held_out = self._check_rows()
        names = [str(c) for c in (args.get("sensitive") or self.sensitive)]
        missing = [c for c in names if c not in self._df.columns]
        if missing:
            raise InputError(f"Unknown column(s) {missing}; pick sensitive columns of the data.")
        sensitive = self._df.loc[X.index, names]
        self._set_busy("Checking fairness…")
        try:
            part = fairness_part(automl, X, y, sensitive)
        finally:
            self._set_busy("")
        part["held_out"] = held_out
        self._bridge.set_part("fairness", part)
        return {"n_rows": part.get("n_rows")}

    def _training_rows(self, names: list[str]) -> tuple[pd.DataFrame, pd.Series]:
        """The rows the model was fit on, with the sensitive columns ``names`` added if needed."""
        X, y = self._training
        extra = [c for c in names if c not in X.columns]
        if extra:
            X = X.join(self._df.loc[X.index, extra])
        return X, y

    @action()
    def mitigate(self, args: dict, buffers: list) -> dict[str, Any]:
        """The Fairness tab's Mitigate button: ``AutoML.mitigate`` on the training rows, compared
        on the rows kept aside. The model stays as it is until ``use_mitigated``."""
        automl = self._fitted()
        names = [str(c) for c in (args.get("sensitive") or [])]
        if not names:
            raise InputError(MSG_PICK_SENSITIVE)
        missing = [c for c in names if c not in self._df.columns]
        if missing:
            raise InputError(f"Unknown column(s) {missing}; pick sensitive columns of the data.")
        method = str(args.get("method", "threshold"))
        constraint = str(args.get("constraint", "demographic_parity"))
        X, y = self._training_rows(names)
        X_test, y_test, held_out = self._check_rows()
        if held_out:
            X_test = X_test.join(self._df.loc[X_test.index, [c for c in names if c not in X_test.columns]])
        self._set_busy(f"Mitigating ({method}, {constraint.replace('_', ' ')})…")
        try:
            # a small-group warning is also in result.notes, shown in the tab. catch_warnings is
            # process-wide: held only around this call on the worker thread.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AutoMLWarning)
                result = automl.mitigate(X, y, sensitive_features=names, method=method,
                                         constraint=constraint, X_test=X_test if held_out else None,
                                         y_test=y_test if held_out else None)
            part = mitigation_part(result, automl, sensitive=names, held_out=held_out)
        finally:
            self._set_busy("")
        self._mitigation, self._mitigation_part = result, part
        self._bridge.set_part("mitigation", part)
        return {"method": method, "constraint": constraint}

    @action()
    def use_mitigated(self, args: dict, buffers: list) -> dict[str, Any]:
        """The "Make this the model" button: ``AutoML.use_mitigated`` with the latest mitigation."""
        automl = self._fitted()
        result = getattr(self, "_mitigation", None)
        if result is None:
            raise InputError(MSG_NO_MITIGATION)
        automl.use_mitigated(result)
        self._mitigation = None
        # the before/after stays on screen, marked as the model now
        self._bridge.set_part("mitigation", {**self._mitigation_part, "applied": True})
        self._bridge.set_part("fairness", None)  # the checks shown were of the model before
        self._publish_results(self._handle)
        return {"description": automl.search_.description}

    @action()
    def export(self, args: dict, buffers: list) -> dict[str, Any]:
        """The Export tab: save the model, its code or a report."""
        automl = self._fitted()
        X, y, _ = self._check_rows()
        names = [c for c in self.sensitive if self._df is not None and c in self._df.columns]
        sensitive = self._df.loc[X.index, names] if names else None
        self._set_busy("Saving…")
        try:
            return export_file(automl, str(args.get("what", "")), str(args.get("path", "")),
                               X=X, y=y, sensitive=sensitive)
        finally:
            self._set_busy("")

    @action()
    def select_trial(self, args: dict, buffers: list) -> dict[str, Any]:
        """Make a trial of the Pareto front the chosen model (after a fairness-aware search)."""
        automl = self._fitted()
        number = int(args.get("trial"))
        self._set_busy(f"Refitting trial {number} on every training row…")
        try:
            automl.select_trial(number)
        finally:
            self._set_busy("")
        self._bridge.set_part("mitigation", None)  # it was of the model before
        self._publish_results(self._handle)
        return {"trial": number}

    @action()
    def select_faster(self, args: dict, buffers: list) -> dict[str, Any]:
        """Make the fastest model within a tolerance (a share, default 1 %) of the score the model."""
        automl = self._fitted()
        tolerance = float(args.get("tolerance", 0.01))
        self._set_busy(f"Refitting the fastest model within {tolerance:.0%} of the best score…")
        try:
            automl.select_faster(tolerance)
        finally:
            self._set_busy("")
        self._publish_results(self._handle)
        return {"trial": int(automl.best_trial_)}

