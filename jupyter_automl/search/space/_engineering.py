"""Feature engineering as search choices, sampled with the family and its hyperparameters.

Each choice exists only when the table has that kind of column, and its default is the fixed
engineering of ``_preprocessing`` (so a default configuration builds the same pipeline as before):

- ``datetime``: calendar parts ("calendar", the default), the parts plus sine/cosine of month,
  day, weekday and hour ("cyclical"), or "drop";
- ``text``: TF-IDF ("tfidf") with ``text_vocabulary`` terms and n-grams up to ``text_ngrams``,
  or "drop";
- ``high_cardinality`` (categories with many levels): the style's own encoding, cross-fitted
  target encoding, frequency encoding, or one-hot of the levels seen ``onehot_min_frequency``
  times;
- linear models only: ``splines`` (a cubic spline basis of each number with enough distinct
  values) and ``interactions`` (products of the pairs among the best few inputs).

Every engineered output comes from one transformer over one original column (splines too), so
the explanations and the column-group selection keep working on whole original columns.
Interactions mix two columns, so they are part of the model step (``PairwiseInteractions``
before the linear model), which the explanations treat as a black box over whole columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer

from ...estimators import (
    AsLabels,
    FastImputer,
    FiniteNumbers,
    FrequencyEncoder,
    PairwiseInteractions,
)
from ...problem import Problem
from ._params import Param

DATETIME_CHOICES = ("calendar", "cyclical", "drop")
TEXT_CHOICES = ("tfidf", "drop")
TEXT_VOCABULARIES = (50, 200, 1000)
TEXT_NGRAMS = (1, 2)
# the first choice of each style is its fixed encoding of high-cardinality columns today
HIGH_CARDINALITY_CHOICES = {"scaled": ("target", "frequency", "onehot"),
                            "trees": ("auto", "target", "frequency", "onehot"),
                            "native": ("native", "target", "frequency")}
ONEHOT_MIN_FREQUENCIES = (5, 20, 50)
ONEHOT_MAX_CATEGORIES = 100  # a cap on the width, whatever the minimum frequency
SPLINE_MIN_UNIQUE = 10  # fewer distinct values: a spline basis adds nothing a scaled number lacks
SPLINE_MAX_COLUMNS = 20  # 6 outputs per column: cap the width a linear model has to solve
SPLINE_KNOTS = 5
INTERACTION_MAX_INPUTS = 8  # at most 28 products
ENGINEERING_FAMILIES = ("linear", "knn", "svm", "random_forest", "extra_trees", "gradient_boosting",
                        "neural")  # "nas" searches its own input stage
ENGINEERING_MODES = ("search", "fixed")
MSG_ENGINEERING = ("The 'feature_engineering' parameter of AutoML must be one of {valid}. Got "
                   "{got!r} instead.")


@dataclass(frozen=True)
class Engineering:
    """The engineering choices of one configuration (the defaults: the fixed engineering)."""

    datetime: str = "calendar"
    text: str = "tfidf"
    text_vocabulary: int = 200
    text_ngrams: int = 1
    high_cardinality: str | None = None  # None: the style's own encoding
    onehot_min_frequency: int = 5
    splines: bool = False

    def changes_high_cardinality(self, style: str) -> bool:
        return self.high_cardinality not in (None, HIGH_CARDINALITY_CHOICES[style][0])


def spline_columns(problem: Problem) -> list[str]:
    """The numbers a spline basis is offered for: enough distinct values, at most a few columns."""
    return [c.name for c in problem.used_columns
            if c.kind == "numeric" and c.n_unique >= SPLINE_MIN_UNIQUE][:SPLINE_MAX_COLUMNS]


def engineering_params(problem: Problem, family_name: str, style: str) -> list[Param]:
    """The engineering choices of ``family_name`` on ``problem``'s kinds of columns."""
    if family_name not in ENGINEERING_FAMILIES:
        return []
    kinds = {c.kind for c in problem.used_columns}

    def others(kind: str) -> bool:  # dropping is offered only when other columns remain
        return any(c.kind != kind for c in problem.used_columns)

    params: list[Param] = []
    if "datetime" in kinds:
        choices = DATETIME_CHOICES if others("datetime") else DATETIME_CHOICES[:2]
        params.append(Param("datetime", "categorical", choices=choices, default="calendar",
                            help="date/time columns: calendar parts, plus sine/cosine of month, "
                                 "day, weekday and hour, or dropped"))
    if "text" in kinds:
        params += [
            Param("text", "categorical", choices=TEXT_CHOICES if others("text") else TEXT_CHOICES[:1],
                  default="tfidf", help="free-text columns: TF-IDF terms, or dropped"),
            Param("text_vocabulary", "categorical", choices=TEXT_VOCABULARIES, default=200,
                  help="most frequent terms kept per text column",
                  active=lambda v: v.get("text", "tfidf") == "tfidf"),
            Param("text_ngrams", "categorical", choices=TEXT_NGRAMS, default=1,
                  help="longest run of words counted as a term (1: words, 2: also word pairs)",
                  active=lambda v: v.get("text", "tfidf") == "tfidf"),
        ]
    if any(c.high_cardinality for c in problem.used_columns):
        choices = HIGH_CARDINALITY_CHOICES[style]
        params.append(Param("high_cardinality", "categorical", choices=choices, default=choices[0],
                            help="categories with many levels: the usual encoding, cross-fitted "
                                 "target encoding, frequency encoding, or one-hot of the frequent "
                                 "levels"))
        if "onehot" in choices:
            params.append(Param("onehot_min_frequency", "categorical", choices=ONEHOT_MIN_FREQUENCIES,
                                default=5, help="rows a level needs to get its own one-hot column",
                                active=lambda v: v.get("high_cardinality") == "onehot"))
    if family_name == "linear" and spline_columns(problem):
        params.append(Param("splines", "categorical", choices=(False, True), default=False,
                            help="add a cubic spline basis of each number (bends in its effect)"))
    if family_name == "linear" and len(problem.used_columns) >= 2:
        params.append(Param("interactions", "categorical", choices=(False, True), default=False,
                            help=f"add the products of the pairs among the "
                                 f"{INTERACTION_MAX_INPUTS} most useful inputs"))
    return params


# the richer encoding of each kind of column, tried early where the table has such columns
ENGINEERED_CHOICES = {"datetime": "cyclical", "text": "tfidf", "text_vocabulary": 1000,
                      "text_ngrams": 2, "high_cardinality": "target"}
ENGINEERED_FAMILIES = ("linear", "gradient_boosting")  # an engineered twin of their first default


def engineered_variant(problem: Problem, family_name: str, style: str) -> dict[str, Any]:
    """The richer engineering choices (``ENGINEERED_CHOICES``) this table offers ``family_name``,
    or {} when it has no date, text or many-level column (or the family is not engineered early).

    Every default builds the fixed engineering, so without this twin a short search (45 s: only
    the defaults and warm-start configurations run) never tries an engineering choice, and a
    table whose signal needs them scored exactly as with the fixed engineering."""
    if family_name not in ENGINEERED_FAMILIES:
        return {}
    offered = {p.name: p.choices for p in engineering_params(problem, family_name, style)}
    return {k: v for k, v in ENGINEERED_CHOICES.items() if v in offered.get(k, ())}


def engineering_of(values: dict[str, Any]) -> Engineering | None:
    """The Engineering of a configuration's values; None when it has no engineering choice."""
    fields = Engineering.__dataclass_fields__
    chosen = {k: v for k, v in values.items() if k in fields}
    return Engineering(**chosen) if chosen else None


def date_steps(engineering: Engineering | None) -> dict[str, Any]:
    """Keyword arguments of ``DatetimeFeatures`` (none for the fixed engineering)."""
    return {"cyclical": True} if engineering is not None and engineering.datetime == "cyclical" else {}


def tfidf_options(engineering: Engineering | None) -> dict[str, Any]:
    """``TfidfVectorizer`` settings that differ from the fixed ones."""
    if engineering is None:
        return {}
    options: dict[str, Any] = {"max_features": engineering.text_vocabulary}
    if engineering.text_ngrams > 1:
        options["ngram_range"] = (1, engineering.text_ngrams)
    return options


def high_cardinality_encoder(engineering: Engineering, target_encoder: Any) -> Any:
    """The pipeline that encodes one high-cardinality column as ``engineering`` chooses."""
    choice = engineering.high_cardinality
    if choice == "target":
        return Pipeline([("labels", AsLabels()),
                         ("impute", SimpleImputer(strategy="constant", fill_value="__missing__")),
                         ("encode", target_encoder)])
    if choice == "frequency":
        return FrequencyEncoder()
    return Pipeline([("labels", AsLabels()), ("encode", OneHotEncoder(
        handle_unknown="infrequent_if_exist", sparse_output=False,
        min_frequency=engineering.onehot_min_frequency, max_categories=ONEHOT_MAX_CATEGORIES))])


def spline_transformers(problem: Problem, engineering: Engineering | None, start: int) -> list:
    """One (name, spline pipeline, [column]) per number, when the configuration asks for splines."""
    if engineering is None or not engineering.splines:
        return []
    out = []
    for name in spline_columns(problem):
        # uniform knots: quantile knots coincide on lumpy numbers, which the transformer refuses
        spline = SplineTransformer(n_knots=SPLINE_KNOTS, degree=3, knots="uniform",
                                   extrapolation="linear", include_bias=False)
        steps = [("finite", FiniteNumbers()),
                 ("impute", FastImputer(strategy="median", keep_empty_features=True)),
                 ("splines", spline)]
        out.append((f"spline_{start + len(out)}", Pipeline(steps), [name]))
    return out


def with_interactions(model: Any, values: dict[str, Any], problem: Problem) -> Any:
    """``model``, or a Pipeline that adds pairwise products before it when the configuration asks."""
    if not values.get("interactions", False):
        return model
    return Pipeline([("interactions", PairwiseInteractions(
        max_inputs=INTERACTION_MAX_INPUTS, classification=problem.is_classification)),
        ("linear", model)])
