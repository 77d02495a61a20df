"""Demo datasets that ship with the package, so workshops and tests work offline.

``adult`` (census income, 48,842 rows; UCI, CC BY 4.0) and ``german_credit`` (1,000 rows; UCI
Statlog, CC BY 4.0) are stored here as gzip CSV; the others come with scikit-learn (``digits``:
a table of pixels, where architecture search tries convolutions).
Each loader returns ``(X, y, info)``: a DataFrame, a Series and a dict with the task, the target,
the positive class, the sensitive columns (for fairness checks) and a one-line description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent

DEMOS: dict[str, dict[str, Any]] = {
    "adult": {
        "file": "adult.csv.gz", "target": "income", "task": "binary", "positive_class": ">50K",
        "sensitive": ["sex", "race"],
        "description": "US census 1994: does a person earn more than $50K a year? (48,842 rows)",
    },
    "german_credit": {
        "file": "german_credit.csv.gz", "target": "class", "task": "binary", "positive_class": "bad",
        "sensitive": ["personal_status", "age"],
        "description": "German bank customers: is the credit risk good or bad? (1,000 rows)",
    },
    "breast_cancer": {
        "sklearn": "load_breast_cancer", "target": "diagnosis", "task": "binary",
        "positive_class": "malignant", "sensitive": [],
        "description": "Breast tumour measurements: malignant or benign? (569 rows)",
    },
    "wine": {
        "sklearn": "load_wine", "target": "cultivar", "task": "multiclass", "positive_class": None,
        "sensitive": [], "description": "Chemical analysis of wines from three cultivars (178 rows)",
    },
    "diabetes": {
        "sklearn": "load_diabetes", "target": "progression", "task": "regression",
        "positive_class": None, "sensitive": [],
        "description": "Disease progression one year after baseline, from 10 measurements (442 rows)",
    },
    # pixel columns named after their cell: architecture search adds convolutions (nn.image_grid)
    "digits": {
        "sklearn": "load_digits", "target": "digit", "task": "multiclass", "positive_class": None,
        "sensitive": [], "description": "Handwritten digits as 8 x 8 pixels: which digit? (1,797 rows)",
    },
}


def names() -> list[str]:
    """Names of the demo datasets."""
    return list(DEMOS)


def load_demo(name: str) -> tuple[pd.DataFrame, pd.Series, dict[str, Any]]:
    """Load a demo dataset as ``(X, y, info)``.

    Examples
    --------
    >>> X, y, info = load_demo("german_credit")
    >>> X.shape, info["task"], info["sensitive"]
    ((1000, 20), 'binary', ['personal_status', 'age'])
    """
    if name not in DEMOS:
        raise KeyError(f"unknown demo dataset {name!r}; choose one of {names()}")
    info = {"name": name} | {k: v for k, v in DEMOS[name].items() if k not in ("file", "sklearn")}
    spec = DEMOS[name]
    if "file" in spec:
        df = pd.read_csv(HERE / spec["file"], keep_default_na=False, na_values=[""])
        y = df.pop(spec["target"])
        for c in df.columns:
            if df[c].dtype == object or str(df[c].dtype).startswith("str"):
                df[c] = df[c].astype(object)
        return df, y, info
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, spec["sklearn"])(as_frame=True)
    X = bunch.data.copy()
    y = bunch.target.rename(spec["target"])
    if info["task"] != "regression":
        labels = list(bunch.target_names)
        y = y.map(lambda i: labels[int(i)]).astype(object).rename(spec["target"])
    return X, y, info


def load_frame(name: str) -> pd.DataFrame:
    """The demo dataset as one DataFrame, target column last (what the wizard shows)."""
    X, y, _ = load_demo(name)
    return X.assign(**{y.name: y.to_numpy()})
