"""Fitted pipelines of every model family on a small table with every column kind."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.estimators import WeightedEnsembleClassifier, WeightedEnsembleRegressor
from jupyter_automl.problem import analyze
from jupyter_automl.search.space import SearchSpace, build_pipeline

N_ROWS = 240


def mixed_frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = N_ROWS
    return pd.DataFrame({
        "num": rng.normal(size=n),
        "num_missing": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        "colour": rng.choice(["red", "green", "blue"], n).astype(object),
        "city": [f"city{i % 70}" for i in range(n)],  # high cardinality
        "flag": rng.random(n) < 0.5,
        "when": pd.date_range("2020-01-01", periods=n, freq="D").astype(str),
        "review": [" ".join(rng.choice(["good", "bad", "slow", "fast", "nice"], 4)) for _ in range(n)],
    })


# engineering choices switched on in the variants (see search/space/_engineering.py), so that
# export and safe loading are checked on pipelines that use them, with every family
ENGINEERING_VARIANT = {"datetime": "cyclical", "text_vocabulary": 50, "text_ngrams": 2}
HIGH_CARDINALITY_VARIANT = {"linear": "frequency", "knn": "onehot", "svm": "frequency", "neural": "onehot",
                            "random_forest": "frequency", "extra_trees": "target",
                            "gradient_boosting": "frequency"}


def _variants(config: dict) -> dict:
    """The same configuration with the other preprocessing options switched on."""
    family = config["family"]
    out = dict(config)
    if family in HIGH_CARDINALITY_VARIANT:
        out |= {f"{family}.{k}": v for k, v in ENGINEERING_VARIANT.items()}
        out[f"{family}.high_cardinality"] = HIGH_CARDINALITY_VARIANT[family]
    if family == "linear":
        out |= {"linear.splines": True, "linear.interactions": True}
    for key in config:
        if key.endswith("feature_fraction"):
            out[key] = 0.5
        elif key.endswith("cat_encoding"):
            out[key] = "ordinal"
        elif key.endswith("numeric_transform"):
            out[key] = "quantile"
    return out


def uses_target_encoder(model) -> bool:
    from sklearn.preprocessing import TargetEncoder

    from jupyter_automl.export._source import sub_estimators

    return any(isinstance(e, TargetEncoder) for e in sub_estimators(model))


def _small(pipeline):
    """Fewer trees and iterations: the same classes and parameters, a fraction of the time."""
    from jupyter_automl.export._source import sub_estimators

    for est in [pipeline, *sub_estimators(pipeline)]:
        params = est.get_params(deep=False)
        small = {k: v for k, v in (("n_estimators", 5), ("max_iter", 15)) if k in params}
        if small:
            est.set_params(**small)
    return pipeline


def family_models(task: str) -> tuple[list, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(1)
    y = {"binary": rng.choice(["no", "yes"], N_ROWS).astype(object),
         "multiclass": rng.choice([0, 1, 2], N_ROWS),
         "regression": rng.normal(size=N_ROWS)}[task]
    problem, X, y_clean = analyze(mixed_frame(), pd.Series(y, name="target"), task=task,
                                  check_leakage=False)
    y_arr = y_clean.to_numpy()
    configs = SearchSpace(problem).default_configs()
    models = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant one-hot columns in tiny folds, convergence
        for config in configs + [_variants(c) for c in configs]:
            models.append(_small(build_pipeline(problem, config, seed=0)).fit(X, y_arr))
        # members whose refit is deterministic (see test_target_encoder_is_seeded)
        members = [m for m in models if not uses_target_encoder(m)][:2]
        cls = WeightedEnsembleRegressor if task == "regression" else WeightedEnsembleClassifier
        ensemble = cls([("trial_0", members[0]), ("trial_1", members[1])], weights=[0.75, 0.25],
                       prefit=True).fit(X.iloc[:1], y_arr[:1])
    return models + [ensemble], X, y_arr


@pytest.fixture(scope="session", params=["binary", "multiclass", "regression"])
def fitted_models(request):
    return family_models(request.param)
