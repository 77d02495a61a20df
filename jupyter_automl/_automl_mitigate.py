"""The part of ``AutoML`` that makes its model fairer: ``mitigate`` and ``use_mitigated``.

A mixin of the facade (``_automl.py``), split off by job; the mitigation itself is
``jupyter_automl.insight.mitigate``. ``use_mitigated`` makes a mitigated model the AutoML's
model, so that ``predict``, ``save``, ``report`` and the model card use it like any other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .exceptions import InputError

MSG_NOT_A_RESULT = ("use_mitigated(result) takes the MitigationResult of automl.mitigate(...) "
                    "(or jupyter_automl.insight.mitigate(automl, ...)). Got a {got} instead.")
MSG_ALREADY = ("The model is already a mitigated one ({description}). Mitigate the searched model: "
               "select_trial(number) or fit again first.")
MSG_NOT_READ = ("This mitigated model needs the sensitive column(s) {missing} at predict time (its "
                "thresholds depend on the group), but this AutoML's model does not read them "
                "(they were not features of the search). Use method='reductions', which does not "
                "need them at predict time, or include the column(s) as features and fit again.")
NOTE_MITIGATED = ("The model was mitigated for {constraint} ({method}); the cross-validated score "
                  "is the one of the model before mitigation. Before and after on the rows "
                  "compared: {changes}.")
METHOD_WORDS = {"threshold": "post-processing: group-specific thresholds",
                "reductions": "reductions: refit under the constraint"}


class Mitigation:
    """``mitigate`` and ``use_mitigated`` of :class:`jupyter_automl.AutoML`."""

    def mitigate(self, X: Any, y: Any, *, sensitive_features: str | list[str],
                 method: str = "threshold", constraint: str = "demographic_parity",
                 X_test: Any = None, y_test: Any = None, **options: Any) -> Any:
        """Make the chosen model fairer between the groups of ``sensitive_features``.

        The AutoML's model is left as it is; ``use_mitigated(result)`` makes the mitigated
        model the model. See :func:`jupyter_automl.insight.mitigate` for every option
        (``tolerance``, ``max_iter``, ``eps``, ``refit``, ``random_state``).

        Parameters
        ----------
        X, y : DataFrame and labels
            The training rows (the model's configuration is refit on them).
        sensitive_features : str or list of str
            Column names of ``X``.
        method : {"threshold", "reductions"}, default="threshold"
            "threshold": fairlearn's ThresholdOptimizer (the model then needs the sensitive
            columns at predict time); "reductions": ExponentiatedGradient (it does not).
        constraint : str, default="demographic_parity"
            "demographic_parity", "equalized_odds", "true_positive_rate_parity" or
            "false_positive_rate_parity".
        X_test, y_test : optional
            Rows kept aside, on which before and after are compared.

        Returns
        -------
        jupyter_automl.insight.MitigationResult
            ``model``, ``comparison`` (before, after, change), ``before``/``after``, ``notes``,
            ``plot()`` and ``plot_comparison()``.

        Examples
        --------
        >>> from jupyter_automl import AutoML
        >>> from jupyter_automl.datasets import load_demo
        >>> X, y, _ = load_demo("german_credit")
        >>> automl = AutoML(time_budget=None, n_trials=2, families=["linear"], storage="memory",
        ...                 metric="accuracy", check_leakage=False).fit(X, y)
        >>> result = automl.mitigate(X, y, sensitive_features="personal_status")
        >>> automl.use_mitigated(result).best_pipeline_ is result.model
        True
        """
        self._check_fitted("mitigate")
        if getattr(self, "mitigation_", None) is not None:
            raise InputError(MSG_ALREADY.format(description=self.search_.description))
        from .insight import mitigate

        if X_test is not None:
            X_test = self._insight_frame(X_test, "mitigate")
        return mitigate(self, self._insight_frame(X, "mitigate"), y,
                        sensitive_features=sensitive_features, method=method,
                        constraint=constraint, X_test=X_test, y_test=y_test, **options)

    def use_mitigated(self, result: Any) -> Any:
        """Make the mitigated model of ``result`` (from :meth:`mitigate`) the chosen model.

        It is then what ``predict`` uses, what ``save`` stores and what ``report`` describes
        (``search_.description`` and a note say it was mitigated; ``mitigation_`` holds the
        before/after comparison). ``export_code`` refuses it: a script cannot rebuild the
        fairlearn mitigation without jupyter_automl; keep it with ``save``. Returns ``self``.

        Raises
        ------
        InputError
            ``result`` is not a MitigationResult, or a thresholded model needs sensitive
            columns this AutoML's model does not read.
        """
        self._check_fitted("use_mitigated")
        from .insight import MitigationResult

        if not isinstance(result, MitigationResult):
            raise InputError(MSG_NOT_A_RESULT.format(got=type(result).__name__))
        model = result.model
        names = [str(c) for c in getattr(model, "sensitive_features", ())]
        if getattr(model, "requires_sensitive_features", False):
            read = {c.name for c in self.problem_.used_columns}
            missing = [c for c in names if c not in read]
            if missing:
                raise InputError(MSG_NOT_READ.format(missing=missing))
        comparison = result.comparison
        changes = "; ".join(f"{name} {row['before']:.3f} -> {row['after']:.3f}"
                            for name, row in comparison.iterrows())
        note = NOTE_MITIGATED.format(constraint=result.constraint.replace("_", " "),
                                     method=METHOD_WORDS.get(result.method, result.method),
                                     changes=changes)
        search = self.search_
        self.search_ = replace(
            search, model=model, threshold=None, notes=[*search.notes, note],
            description=(f"{search.description}, mitigated for "
                         f"{result.constraint.replace('_', ' ')} by {names} "
                         f"({METHOD_WORDS.get(result.method, result.method)})"))
        self.best_pipeline_ = model
        self.mitigation_ = {
            "method": result.method, "constraint": result.constraint,
            "sensitive_features": names,
            "requires_sensitive_features": bool(getattr(model, "requires_sensitive_features", False)),
            "comparison": {name: {k: float(v) for k, v in row.items()}
                           for name, row in comparison.iterrows()},
            "notes": list(result.notes),
        }
        return self
