"""Model families: for each, its hyperparameters, strong default configurations, and how to build it.

A family builds a scikit-learn estimator from a dict of (unprefixed) values and names the
preprocessing style it wants. Defaults are evaluated first, fastest first, so that a good model
appears within seconds; then the sampler explores.
"""

from __future__ import annotations

import math
from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import ElasticNet, LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

from ..._compat import knn_algorithm, mlp_early_stopping_handles
from ...estimators import SubsampledEstimator
from ...problem import Problem
from ._family import Family
from ._nas import NeuralArchitectureSearch
from ._params import Param
from ._selection import selection_params

KERNEL_SVM_MAX_ROWS = 5000  # above: a Nystroem kernel approximation with a linear model
KNN_MAX_ROWS = 20000  # above: k-NN is fitted on a stratified sample of this many rows


NEWTON_MAX_COEFFICIENTS = 150  # Newton-Cholesky's Hessian is this squared: beyond it L-BFGS is faster


def logistic_solver(problem: Problem) -> str:
    """Newton-Cholesky converges in a few steps, but each solves a system as large as the
    coefficients (encoded columns, times the classes when there are more than two); L-BFGS takes
    more, much cheaper steps. Measured on one core: an all-categorical table of 546 rows, 200
    encoded columns and 18 classes fits in 7.6 s with Newton-Cholesky, 0.02 s with L-BFGS; 67,000
    rows x 317 columns (binary) 1.8 s against 0.4 s; adult (107 columns) about the same."""
    n_classes = len(problem.classes) if problem.classes is not None else 2
    coefficients = encoded_width(problem) * (1 if n_classes <= 2 else n_classes)
    return "newton-cholesky" if coefficients <= NEWTON_MAX_COEFFICIENTS else "lbfgs"


def encoded_width(problem: Problem) -> int:
    """About how many columns the one-hot preprocessing makes (numbers count twice: indicators)."""
    from ._preprocessing import MAX_ONEHOT_CATEGORIES, TEXT_FEATURES

    width = 0
    for c in problem.used_columns:
        if c.kind in ("categorical", "boolean"):
            width += min(c.n_unique + 1, MAX_ONEHOT_CATEGORIES)
        elif c.kind == "text":
            width += TEXT_FEATURES
        elif c.kind == "datetime":
            width += 6
        else:
            width += 1 + (c.n_missing > 0)
    return width


# Below this share of rows in the rarest class, class weights become a search choice: balanced
# tables rarely gain from them, and every extra choice costs the sampler trials.
IMBALANCED_SHARE = 0.2


def _class_weight(problem: Problem) -> list[Param]:
    """``class_weight`` (none or balanced) as a choice, on imbalanced classification tables."""
    share = problem.minority_share
    if share is None or share >= IMBALANCED_SHARE:
        return []
    return [Param("class_weight", "categorical", choices=("none", "balanced"), default="none",
                  help="weigh each class by the inverse of its frequency (rare classes count more)")]


def _weight(v: dict[str, Any]) -> str | None:
    """The scikit-learn ``class_weight`` of a configuration."""
    return "balanced" if v.get("class_weight") == "balanced" else None


CALIBRATION_METRICS = ("log_loss",)  # metrics that judge the probabilities themselves


def _calibration(problem: Problem) -> list[Param]:
    """Probability calibration as a choice, when the metric judges probabilities: forests and
    k-NN give coarse, shrunk probabilities that a sigmoid or isotonic map can fix."""
    if not problem.is_classification or problem.metric.name not in CALIBRATION_METRICS:
        return []
    return [Param("calibration", "categorical", choices=("none", "sigmoid", "isotonic"),
                  default="none", help="recalibrate the probabilities (cross-fitted on 3 folds)")]


def rarest_class_in_training(problem: Problem) -> int:
    """About how many rows the rarest class has in a training fold (rounded down)."""
    if not problem.class_counts:
        return problem.splits.min_train_rows
    k = problem.splits.n_folds
    share = (k - 1) / k if k > 1 else 0.8
    return int(min(problem.class_counts) * share)


def calibration_folds(problem: Problem, seed: int, wanted: int = 3) -> StratifiedKFold:
    """Folds for a calibration inside a training fold: at most as many as the rarest class
    has rows there (a class with 2 rows in a 3-fold split failed the fit), and at least 2."""
    return StratifiedKFold(max(2, min(wanted, rarest_class_in_training(problem))), shuffle=True,
                           random_state=seed)


def calibrated(model: Any, v: dict[str, Any], problem: Problem, seed: int) -> Any:
    """``model`` wrapped in a cross-fitted calibration when the configuration asks for one."""
    method = v.get("calibration", "none")
    if method == "none":
        return model
    return CalibratedClassifierCV(model, method=method, cv=calibration_folds(problem, seed))


def _calibration_cost(v: dict[str, Any]) -> float:
    return 2.2 if v.get("calibration", "none") != "none" else 1.0  # three fits on 2/3 of the rows


class Linear(Family):
    def params(self, problem):
        if problem.is_classification:
            core = [Param("C", "float", 1e-4, 1e3, log=True, default=1.0,
                          help="inverse regularisation strength")]
        else:
            core = [Param("model", "categorical", choices=("ridge", "elasticnet"), default="ridge"),
                    Param("alpha", "float", 1e-4, 1e3, log=True, default=1.0,
                          help="regularisation strength"),
                    Param("l1_ratio", "float", 0.01, 1.0, default=0.5,
                          active=lambda v: v.get("model") == "elasticnet")]
        return core + [
            Param("numeric_transform", "categorical", choices=("standard", "quantile"),
                  default="standard", help="scale numbers, or map them to a normal shape"),
        ] + selection_params() + _class_weight(problem)

    def estimator(self, v, problem, seed):
        if problem.is_classification:
            return LogisticRegression(C=v["C"], solver=logistic_solver(problem), max_iter=1000,
                                      class_weight=_weight(v))
        if v["model"] == "elasticnet":
            return ElasticNet(alpha=v["alpha"], l1_ratio=v["l1_ratio"], max_iter=5000, random_state=seed)
        return Ridge(alpha=v["alpha"])

    def preprocessing_options(self, v, problem):
        # L-BFGS reads the whole matrix at every step: a sparse one-hot part makes a 67,000-row,
        # 269-column fit 4x faster (1.3 s -> 0.36 s); pairwise products need a dense input
        sparse = (problem.is_classification and logistic_solver(problem) == "lbfgs"
                  and not v.get("interactions", False))
        return {"numeric_transform": v["numeric_transform"], "sparse": sparse}


class KNN(Family):
    def params(self, problem):
        # no more neighbours than a training fold has rows (asking more fails the fit); the range
        # keeps the default's 10, so on a table that tiny that trial fails with the reason
        max_k = min(100, max(10, problem.splits.min_train_rows))
        return [
            Param("n_neighbors", "int", 1, max_k, log=True, default=10, help="neighbours that vote"),
            Param("weights", "categorical", choices=("uniform", "distance"), default="distance"),
            Param("p", "categorical", choices=(1, 2), default=2, help="1: Manhattan, 2: Euclidean"),
        ] + selection_params() + _calibration(problem)

    def estimator(self, v, problem, seed):
        cls = KNeighborsClassifier if problem.is_classification else KNeighborsRegressor
        k = v["n_neighbors"]
        if v.get("calibration", "none") != "none":
            # calibration fits on part of a training fold: no more neighbours than those rows
            inner = calibration_folds(problem, seed).get_n_splits()
            k = max(1, min(k, problem.splits.min_train_rows * (inner - 1) // inner - 1))
        model = cls(n_neighbors=k, weights=v["weights"], p=v["p"],
                    algorithm=knn_algorithm(v["p"], problem.is_classification))
        if problem.n_rows > KNN_MAX_ROWS:
            model = SubsampledEstimator(model, max_rows=KNN_MAX_ROWS, random_state=seed)
        return calibrated(model, v, problem, seed)

    def cost_factor(self, v):
        return _calibration_cost(v)


def _early_stopping_fits(problem) -> bool:
    """Whether an MLP may hold out 10 % of a training fold to stop early: with fewer than 10
    rows held out the stopping point is noise, and with fewer than one row per class the
    stratified hold-out cannot be made and the fit fails."""
    held_out = math.ceil(0.1 * problem.splits.min_train_rows)
    n_classes = len(problem.classes) if problem.is_classification else 0
    if problem.is_classification and not mlp_early_stopping_handles(problem.classes):
        return False  # older scikit-learn: see _compat
    return held_out >= max(10, n_classes)


class SVM(Family):
    def params(self, problem):
        ps = [Param("C", "float", 1e-2, 1e3, log=True, default=1.0, help="penalty of errors"),
              Param("gamma", "float", 1e-4, 1.0, log=True, default=0.01, help="RBF kernel width")]
        if not problem.is_classification:
            ps.append(Param("epsilon", "float", 1e-3, 1.0, log=True, default=0.1))
        return ps + selection_params() + _class_weight(problem)

    def estimator(self, v, problem, seed):
        if problem.n_rows <= KERNEL_SVM_MAX_ROWS:
            if problem.is_classification:
                # SVC(probability=True) is deprecated since scikit-learn 1.9; this is its replacement
                return CalibratedClassifierCV(SVC(C=v["C"], gamma=v["gamma"], random_state=seed,
                                                  class_weight=_weight(v)),
                                              method="sigmoid", ensemble=False,
                                              cv=calibration_folds(problem, seed))
            return TransformedTargetRegressor(SVR(C=v["C"], gamma=v["gamma"], epsilon=v["epsilon"]),
                                              transformer=StandardScaler())
        # kernel approximation: cost linear in rows
        kernel = Nystroem(gamma=v["gamma"], n_components=300, random_state=seed)
        if problem.is_classification:
            return Pipeline([("kernel", kernel), ("linear", LogisticRegression(
                C=v["C"], max_iter=1000, class_weight=_weight(v)))])
        return TransformedTargetRegressor(
            Pipeline([("kernel", kernel), ("linear", Ridge(alpha=1.0 / v["C"]))]),
            transformer=StandardScaler())


def _forest_params(problem: Problem) -> list[Param]:
    criteria = ("gini", "entropy") if problem.is_classification else ("squared_error",)
    return [
        Param("n_estimators", "int", 50, 500, log=True, default=200, help="number of trees"),
        Param("max_features", "float", 0.05, 1.0, default=0.5 if not problem.is_classification else 0.3,
              help="share of columns tried at each split"),
        Param("min_samples_leaf", "int", 1, 30, log=True, default=1, help="smallest leaf"),
        Param("criterion", "categorical", choices=criteria, default=criteria[0]),
        Param("cat_encoding", "categorical", choices=("onehot", "ordinal"), default="onehot"),
    ] + selection_params()


# Above this many rows the forests' first configuration is made cheaper: deep forests over
# one-hot columns take tens of seconds per fold there (adult: 11 s) and rarely beat boosting.
LARGE_DATA_ROWS = 10_000


def _forest_default(problem: Problem, base: dict[str, Any], max_features: float) -> dict[str, Any]:
    config = base | {"max_features": max_features}
    if problem.n_rows > LARGE_DATA_ROWS:
        config |= {"n_estimators": 100, "min_samples_leaf": 3, "cat_encoding": "ordinal"}
    return config


def _forest_cost(v: dict[str, Any], default_max_features: float) -> float:
    leaf = (1.0 / v["min_samples_leaf"]) ** 0.3
    return v["n_estimators"] / 200 * (v["max_features"] / default_max_features) ** 0.8 * leaf


class RandomForest(Family):
    def params(self, problem):
        return _forest_params(problem) + [
            Param("bootstrap", "categorical", choices=(True, False), default=True)] \
            + _class_weight(problem) + _calibration(problem)

    def defaults(self, problem):
        base = super().defaults(problem)[0]
        return [_forest_default(problem, base, 0.3 if problem.is_classification else 1.0)]

    def estimator(self, v, problem, seed):
        if not problem.is_classification:
            return RandomForestRegressor(n_estimators=v["n_estimators"], max_features=v["max_features"],
                                         min_samples_leaf=v["min_samples_leaf"], criterion=v["criterion"],
                                         bootstrap=v["bootstrap"], random_state=seed)
        return calibrated(RandomForestClassifier(
            n_estimators=v["n_estimators"], max_features=v["max_features"],
            min_samples_leaf=v["min_samples_leaf"], criterion=v["criterion"],
            bootstrap=v["bootstrap"], class_weight=_weight(v), random_state=seed), v, problem, seed)

    def cost_factor(self, v):
        return _forest_cost(v, 0.3) * _calibration_cost(v)

    def preprocessing_options(self, v, problem):
        return {"cat_encoding": v["cat_encoding"]}


class ExtraTrees(Family):
    def params(self, problem):
        return _forest_params(problem) + _class_weight(problem) + _calibration(problem)

    def defaults(self, problem):
        base = super().defaults(problem)[0]
        return [_forest_default(problem, base, 0.5 if problem.is_classification else 1.0)]

    def estimator(self, v, problem, seed):
        if not problem.is_classification:
            return ExtraTreesRegressor(n_estimators=v["n_estimators"], max_features=v["max_features"],
                                       min_samples_leaf=v["min_samples_leaf"], criterion=v["criterion"],
                                       random_state=seed)
        return calibrated(ExtraTreesClassifier(
            n_estimators=v["n_estimators"], max_features=v["max_features"],
            min_samples_leaf=v["min_samples_leaf"], criterion=v["criterion"],
            class_weight=_weight(v), random_state=seed), v, problem, seed)

    def cost_factor(self, v):
        return _forest_cost(v, 0.5) * _calibration_cost(v)

    def preprocessing_options(self, v, problem):
        return {"cat_encoding": v["cat_encoding"]}


# Boosting stops when 10 % of the rows kept aside stop improving: above this many rows that
# split is large enough to trust, and it cuts the cost of slow-learning configurations a lot
# (digits, 10 classes: 500 rounds take 14 s per fold without it).
HGB_EARLY_STOPPING_ROWS = 1000


class GradientBoosting(Family):
    def params(self, problem):
        return [
            Param("learning_rate", "float", 0.01, 0.3, log=True, default=0.1),
            Param("max_leaf_nodes", "int", 4, 256, log=True, default=31, help="leaves per tree"),
            Param("min_samples_leaf", "int", 2, 200, log=True, default=20),
            Param("l2_regularization", "float", 1e-6, 10.0, log=True, default=1e-6),
            Param("max_features", "float", 0.2, 1.0, default=1.0, help="share of columns per split"),
            Param("max_iter", "int", 50, 1000, log=True, default=200,
                  help="boosting rounds (at most; early stopping may end sooner)"),
        ] + selection_params() + _class_weight(problem)

    def defaults(self, problem):
        base = super().defaults(problem)[0]
        # a second, slower-learning configuration that often wins on mid-sized data
        return [base, base | {"learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 10,
                              "max_features": 0.6, "max_iter": 500, "l2_regularization": 0.1}]

    def estimator(self, v, problem, seed):
        from ._engineering import engineering_of
        from ._preprocessing import native_categorical

        kwargs = dict(learning_rate=v["learning_rate"], max_leaf_nodes=v["max_leaf_nodes"],
                      min_samples_leaf=v["min_samples_leaf"], l2_regularization=v["l2_regularization"],
                      max_features=v["max_features"], max_iter=v["max_iter"],
                      early_stopping=problem.n_rows > HGB_EARLY_STOPPING_ROWS, n_iter_no_change=20,
                      categorical_features=native_categorical(problem, engineering_of(v)), random_state=seed)
        if problem.is_classification:
            return HistGradientBoostingClassifier(class_weight=_weight(v), **kwargs)
        return HistGradientBoostingRegressor(**kwargs)

    def cost_factor(self, v):
        return v["max_iter"] / 200 * (v["max_leaf_nodes"] / 31) ** 0.4 * v["max_features"] ** 0.5


class Neural(Family):
    """Multi-layer perceptrons; the architecture (depth and widths) is searched: a small NAS."""

    def params(self, problem):
        return [
            Param("n_layers", "int", 1, 3, default=2, help="hidden layers"),
            Param("units_1", "int", 16, 256, log=True, default=128, help="units in layer 1"),
            Param("units_2", "int", 16, 256, log=True, default=64,
                  active=lambda v: v.get("n_layers", 1) >= 2),
            Param("units_3", "int", 16, 256, log=True, default=32,
                  active=lambda v: v.get("n_layers", 1) >= 3),
            Param("activation", "categorical", choices=("relu", "tanh"), default="relu"),
            Param("alpha", "float", 1e-6, 1e-1, log=True, default=1e-4, help="L2 penalty"),
            Param("learning_rate_init", "float", 1e-4, 1e-2, log=True, default=1e-3),
            Param("batch_size", "categorical", choices=(32, 64, 128, 256), default=64),
        ] + selection_params()

    def defaults(self, problem):
        base = super().defaults(problem)[0]
        return [base | {"units_2": 64}]

    def estimator(self, v, problem, seed):
        layers = tuple(v[f"units_{i}"] for i in range(1, v["n_layers"] + 1))
        kwargs = dict(hidden_layer_sizes=layers, activation=v["activation"], alpha=v["alpha"],
                      learning_rate_init=v["learning_rate_init"], batch_size=v["batch_size"],
                      early_stopping=_early_stopping_fits(problem), n_iter_no_change=10,
                      max_iter=200, random_state=seed)
        if problem.is_classification:
            return MLPClassifier(**kwargs)
        return TransformedTargetRegressor(MLPRegressor(**kwargs), transformer=StandardScaler())

    def cost_factor(self, v):
        widths = [v[f"units_{i}"] for i in range(1, v["n_layers"] + 1)]
        weights = widths[0] * 20 + sum(a * b for a, b in zip(widths, widths[1:], strict=False))
        return (weights / (128 * 20 + 128 * 64)) ** 0.7 * (64 / v["batch_size"]) ** 0.5


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Linear("linear", "Linear model", "scaled", "logistic regression, ridge or elastic net: "
               "fast, robust, easy to read", cost=1, fixed_cost_rows=30_000),
        GradientBoosting("gradient_boosting", "Gradient boosting", "native",
                         "histogram gradient boosting: usually the strongest on tables", cost=2,
                         fixed_cost_rows=30_000),
        RandomForest("random_forest", "Random forest", "trees",
                     "many deep trees on bootstrap samples, averaged", cost=3),
        ExtraTrees("extra_trees", "Extra trees", "trees",
                   "like a random forest with random split points: often smoother", cost=3),
        Neural("neural", "Neural network", "scaled",
               "multi-layer perceptron; depth and widths are searched", cost=4),
        KNN("knn", "k-nearest neighbours", "scaled", "predicts from the most similar training rows",
            cost=4),
        SVM("svm", "Support vector machine", "scaled",
            "RBF kernel (a kernel approximation on large data)", cost=5),
        NeuralArchitectureSearch("nas", "Neural architecture search", "scaled",
                                 "networks whose blocks, widths, operations and inputs are "
                                 "searched; weak ones stop after a few epochs", cost=6),
    )
}
"""Every family, cheapest first. ``AutoML(families=[...])`` takes these names."""

OPT_IN_FAMILIES = ("nas",)
"""Families searched only when named: architecture search takes minutes where the others take
seconds, so it would slow every default search down."""

DEFAULT_FAMILIES = tuple(name for name in FAMILIES if name not in OPT_IN_FAMILIES)
"""What ``families=None`` searches."""
