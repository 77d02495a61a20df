"""Explanation: SHAP values per original column, with plots (a scikit-learn Display-like result)."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from ...exceptions import InputError
from .. import _displays

SPACES = {
    "log-odds": "log-odds of {target!r}",
    "logit": "raw score (softmax logit) of {target!r}",
    "probability": "probability of {target!r}",
    "prediction": "predicted {name}",
}
MSG_COLUMN = "{column!r} is not a column of this explanation. Columns are: {columns}."
MSG_ROW = "row={row!r} is neither an index label nor a position of the explained rows ({n} rows)."
MSG_KIND = "kind must be one of {kinds}. Got {got!r} instead."
PLOT_KINDS = ("bar", "beeswarm", "dependence", "waterfall")


class Explanation:
    """SHAP values of a model on some rows, one value per original column.

    Row ``i`` satisfies ``values.iloc[i].sum() + base_value == output_values[i]``: the model's
    output (see ``output``) is split into the contributions of its input columns.

    Attributes
    ----------
    values : DataFrame
        One row per explained row (index of ``X``), exactly the columns of ``X``; columns the
        model does not use are 0.
    base_value : float
        The expected output over the background (or the trees' training rows).
    data : DataFrame
        The explained rows of ``X``, as given.
    output_values : ndarray
        The explained output of each row (``base_value`` plus the row's values).
    output : str
        What is explained, e.g. "log-odds of '>50K'" or "predicted progression".
    method : str
        "tree", "linear", "ensemble of exact values" or "permutation".
    target_class : label or None
    classes : list or None
    notes : list of str
        What was sampled or approximated; show these to the user.
    n_rows_requested : int
    seconds : float
    ax_, figure_ : matplotlib Axes and Figure of the last plot.
    """

    def __init__(self, *, values: pd.DataFrame, base_value: float, data: pd.DataFrame,
                 output: str, space: str, method: str, target_class: Any, classes: list | None,
                 notes: list[str], n_rows_requested: int, seconds: float,
                 all_values: np.ndarray, all_bases: np.ndarray, target_name: str):
        self.values = values
        self.base_value = float(base_value)
        self.data = data
        self.output = output
        self.space = space
        self.method = method
        self.target_class = target_class
        self.classes = classes
        self.notes = list(notes)
        self.n_rows_requested = n_rows_requested
        self.seconds = seconds
        self._all_values = all_values
        self._all_bases = all_bases
        self._target_name = target_name

    @classmethod
    def build(cls, *, attribution: Any, X: pd.DataFrame, columns: list[str], classes: Any,
              target_class: Any, target_name: str, notes: list[str], n_rows_requested: int,
              seconds: float) -> Explanation:
        """Spread the values over all of X's columns (unused ones are 0) and pick the class."""
        position = {c: i for i, c in enumerate(X.columns)}
        full = np.zeros((len(X), X.shape[1], attribution.values.shape[2]))
        full[:, [position[c] for c in columns], :] = attribution.values
        class_list = None if classes is None else [c.item() if isinstance(c, np.generic) else c
                                                   for c in classes]
        result = cls(values=pd.DataFrame(), base_value=0.0, data=X, output="", space=attribution.space,
                     method=attribution.method, target_class=None, classes=class_list, notes=notes,
                     n_rows_requested=n_rows_requested, seconds=seconds, all_values=full,
                     all_bases=np.asarray(attribution.base, dtype=float), target_name=target_name)
        return result._select(target_class)

    def _select(self, target_class: Any) -> Explanation:
        k = 0 if self.classes is None else self.classes.index(target_class)
        target_class = target_class.item() if isinstance(target_class, np.generic) else target_class
        self.values = pd.DataFrame(self._all_values[:, :, k], index=self.data.index,
                                   columns=self.data.columns)
        self.base_value = float(self._all_bases[k])
        self.target_class = target_class
        self.output = SPACES[self.space].format(target=target_class, name=self._target_name)
        return self

    def for_class(self, target_class: Any) -> Explanation:
        """The same explanation for another class (values for every class were computed)."""
        if self.classes is None:
            raise InputError("for_class is for classification; this explains a regression model.")
        matches = [c for c in self.classes if c == target_class or str(c) == str(target_class)]
        if not matches:
            raise InputError(f"target_class={target_class!r} is not a class of the model. "
                             f"Classes are: {self.classes}.")
        clone = Explanation(values=self.values, base_value=self.base_value, data=self.data,
                            output=self.output, space=self.space, method=self.method,
                            target_class=self.target_class, classes=self.classes, notes=self.notes,
                            n_rows_requested=self.n_rows_requested, seconds=self.seconds,
                            all_values=self._all_values, all_bases=self._all_bases,
                            target_name=self._target_name)
        return clone._select(matches[0])

    # -- data ---------------------------------------------------------------------------------

    @property
    def output_values(self) -> np.ndarray:
        return self.values.to_numpy().sum(axis=1) + self.base_value

    @property
    def sampled(self) -> bool:
        """True when fewer rows were explained than asked for."""
        return len(self.values) < self.n_rows_requested

    def importance(self) -> pd.Series:
        """Mean absolute SHAP value per column, largest first (the global importance)."""
        return self.values.abs().mean().sort_values(ascending=False).rename("mean_abs_shap")

    def to_shap(self) -> Any:
        """A ``shap.Explanation`` of the same values, for SHAP's own plots."""
        import shap

        return shap.Explanation(values=self.values.to_numpy(),
                                base_values=np.full(len(self.values), self.base_value),
                                data=self.data.to_numpy(), feature_names=list(self.values.columns))

    def _column(self, column: Any) -> str:
        if column not in self.values.columns:
            raise InputError(MSG_COLUMN.format(column=column, columns=list(self.values.columns)))
        return column

    def _row(self, row: Any) -> int:
        if row in self.values.index:
            pos = self.values.index.get_loc(row)
            if isinstance(pos, (int, np.integer)):
                return int(pos)
        if isinstance(row, (int, np.integer)) and -len(self.values) <= row < len(self.values):
            return int(row) % len(self.values)
        raise InputError(MSG_ROW.format(row=row, n=len(self.values)))

    # -- plots --------------------------------------------------------------------------------

    def plot(self, kind: str = "bar", *, ax: Any = None, **kwargs: Any) -> Explanation:
        """Draw one of the plots: "bar", "beeswarm", "dependence" (column=) or "waterfall" (row=)."""
        if kind not in PLOT_KINDS:
            raise InputError(MSG_KIND.format(kinds=list(PLOT_KINDS), got=kind))
        return getattr(self, f"plot_{kind}")(ax=ax, **kwargs)

    def plot_bar(self, *, ax: Any = None, max_display: int = 10) -> Explanation:
        """Global importance: mean |SHAP value| per column."""
        self.ax_ = _displays.bar(self, ax, max_display)
        self.figure_ = self.ax_.figure
        return self

    def plot_beeswarm(self, *, ax: Any = None, max_display: int = 10) -> Explanation:
        """Every row's value per column, coloured by the column's value (low blue, high red)."""
        self.ax_ = _displays.beeswarm(self, ax, max_display)
        self.figure_ = self.ax_.figure
        return self

    def plot_dependence(self, column: Any = None, *, ax: Any = None, color: Any = None) -> Explanation:
        """SHAP value of ``column`` against its value (default: the most important column)."""
        column = self.importance().index[0] if column is None else self._column(column)
        color = None if color is None else self._column(color)
        self.ax_ = _displays.dependence(self, column, color, ax)
        self.figure_ = self.ax_.figure
        return self

    def plot_waterfall(self, row: Any = 0, *, ax: Any = None, max_display: int = 10) -> Explanation:
        """How one row's output is built from the base value, column by column."""
        self.ax_ = _displays.waterfall(self, self._row(row), ax, max_display)
        self.figure_ = self.ax_.figure
        return self

    # -- display ------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (f"Explanation({len(self.values)} rows x {self.values.shape[1]} columns, "
                f"{self.output}, method={self.method!r})")

    def _repr_html_(self) -> str:
        top = self.importance().head(10)
        rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{v:.4g}</td></tr>" for k, v in top.items())
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (f"<div><b>SHAP explanation</b> of the {html.escape(self.output)}: "
                f"{len(self.values):,} rows, method {html.escape(self.method)}, base value "
                f"{self.base_value:.4g}, {self.seconds:.2f} s"
                f"<table><tr><th>column</th><th>mean |SHAP|</th></tr>{rows}</table>"
                f"{'<ul>' + notes + '</ul>' if notes else ''}</div>")
