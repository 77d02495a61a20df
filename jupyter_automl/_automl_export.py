"""The part of ``AutoML`` that takes the result away: save, load, export code, write a report.

A mixin of the facade (``_automl.py``), split off by job; the work is done in
``jupyter_automl.export``.
"""

from __future__ import annotations

from typing import Any


class TakeAway:
    """``save``, ``load``, ``export_code`` and ``report`` of :class:`jupyter_automl.AutoML`."""

    def save(self, path: Any, format: str | None = None) -> Any:
        """Save the fitted AutoML (model, problem, leaderboard, settings) to one file.

        Parameters
        ----------
        path : str or Path
        format : {"skops", "joblib"} or None, default=None
            None: joblib for ``.joblib``/``.pkl`` paths, else skops. skops files load safely
            (no code runs); joblib files are pickles and load only with ``trusted=True``.

        Returns
        -------
        Path
            The file written.

        Examples
        --------
        >>> from jupyter_automl import AutoML
        >>> from jupyter_automl.datasets import load_demo
        >>> X, y, _ = load_demo("breast_cancer")
        >>> automl = AutoML(time_budget=None, n_trials=2, families=["linear"], storage="memory")
        >>> path = automl.fit(X, y).save(getfixture("tmp_path") / "model.skops")
        >>> AutoML.load(path).predict(X.head(3)).tolist() == automl.predict(X.head(3)).tolist()
        True
        """
        from .export import save

        return save(self, path, format)

    @classmethod
    def load(cls, path: Any, trusted: bool | list[str] = False) -> Any:
        """Load an AutoML written by :meth:`save`; it predicts, explains and has a leaderboard.

        Parameters
        ----------
        path : str or Path
        trusted : bool or list of str, default=False
            False: refuse a file with types outside the safe list (``UntrustedTypesError``) and
            every joblib/pickle file. A list: also accept these type names. True: trust the
            file completely; only for files from people you trust.

        Raises
        ------
        UntrustedTypesError
            The file holds types that could run code when loaded; the message lists them.
        """
        from .export import load

        saved = load(path, trusted)
        known = cls().get_params(deep=False)
        automl = cls(**{k: v for k, v in saved.params.items() if k in known})
        automl.best_pipeline_ = saved.model
        for key, value in saved.fitted.items():
            setattr(automl, key, value)
        automl._saved_leaderboard = saved.leaderboard
        automl.saved_versions_ = saved.versions
        return automl

    def export_code(self, path: Any, data_path: str | None = None) -> Any:
        """Write a standalone script that rebuilds and refits the chosen model.

        The script imports only scikit-learn, pandas and numpy, plus ``automl_estimators.py``
        (copied next to it) when the model uses our estimators; run
        ``python script.py data.csv --predict new.csv``.

        Parameters
        ----------
        path : str or Path
            Where to write the script (``.py``).
        data_path : str or None, default=None
            The training table the script reads when no path is given on its command line.

        Returns
        -------
        Path
            The script written.

        Examples
        --------
        >>> from jupyter_automl import AutoML
        >>> from jupyter_automl.datasets import load_demo
        >>> X, y, _ = load_demo("breast_cancer")
        >>> automl = AutoML(time_budget=None, n_trials=2, families=["linear"], storage="memory")
        >>> script = automl.fit(X, y).export_code(getfixture("tmp_path") / "train_model.py")
        >>> "def build_model():" in script.read_text()
        True
        """
        from .export import export_code

        return export_code(self, path, data_path)

    def report(self, path: Any, X: Any = None, y: Any = None, *, sensitive_features: Any = None,
               title: str | None = None, intended_use: str | None = None) -> Any:
        """Write one self-contained HTML report: data, setup, search, model, diagnostics,
        explanations, fairness and a model card.

        Parameters
        ----------
        path : str or Path
        X, y : DataFrame and array-like, optional
            Data to evaluate the model on (best: rows held out from ``fit``). Without them the
            report has no diagnostics, explanations or fairness sections.
        sensitive_features : str, list of str or array-like, optional
            Column names of ``X`` (or values) whose groups the fairness section compares.
        title, intended_use : str, optional
            The report's title and the model card's "intended use" text.

        Returns
        -------
        Path
            The file written.

        Examples
        --------
        >>> from jupyter_automl import AutoML
        >>> from jupyter_automl.datasets import load_demo
        >>> X, y, _ = load_demo("breast_cancer")
        >>> automl = AutoML(time_budget=None, n_trials=2, families=["linear"], storage="memory")
        >>> automl = automl.fit(X.iloc[:400], y.iloc[:400])
        >>> path = automl.report(getfixture("tmp_path") / "report.html", X.iloc[400:], y.iloc[400:])
        >>> "Model card" in path.read_text()
        True
        """
        from .export import report

        return report(self, path, X, y, sensitive_features=sensitive_features, title=title,
                      intended_use=intended_use)
