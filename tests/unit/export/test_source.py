"""Python source for fitted pipelines: it rebuilds the same unfitted estimator, with public imports."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder, StandardScaler

from jupyter_automl.estimators import WeightedEnsembleClassifier
from jupyter_automl.export._source import (
    LOCAL_MODULE,
    MSG_CANNOT,
    Imports,
    SourceError,
    helper_name,
    public_module,
    repeated,
    same,
    to_source,
)


def rebuild(obj):
    imports = Imports()
    code = to_source(obj, imports)
    lines = imports.lines()
    header = "\n".join(line.replace(f"from {LOCAL_MODULE} import", "from jupyter_automl.estimators import")
                       for line in lines)
    namespace: dict = {}
    exec(f"{header}\nbuilt = {code}", namespace)
    return namespace["built"], lines


def test_every_family_is_rebuilt_with_public_imports(fitted_models):
    models, _, _ = fitted_models
    for model in models:
        built, lines = rebuild(model)
        assert same(built, model), type(model).__name__
        assert not any("._" in line or " _" in line.split("import")[-1] for line in lines), lines
        assert not hasattr(built, "classes_") and not hasattr(built[-1] if isinstance(built, Pipeline)
                                                               else built, "n_features_in_")


def test_rebuilt_ensemble_refits_instead_of_reusing_members(fitted_models):
    models, X, y = fitted_models
    ensemble = models[-1]
    built, _ = rebuild(ensemble)
    assert built.prefit is False
    refit = built.fit(X, y)
    np.testing.assert_array_equal(refit.predict(X), ensemble.predict(X))


def test_only_changed_parameters_are_written():
    code = to_source(StandardScaler(with_mean=False), Imports())
    assert code == "StandardScaler(with_mean=False)"
    imports = Imports()
    assert to_source(OrdinalEncoder(unknown_value=np.nan, handle_unknown="use_encoded_value"),
                     imports) == "OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=np.nan)"
    assert imports.numpy and imports.names == {"sklearn.preprocessing": {"OrdinalEncoder"}}


def test_public_module_skips_private_modules():
    from sklearn.feature_selection import f_classif
    from sklearn.linear_model import LogisticRegression

    assert public_module(LogisticRegression) == "sklearn.linear_model"
    assert public_module(f_classif) == "sklearn.feature_selection"
    assert public_module(WeightedEnsembleClassifier) == LOCAL_MODULE


def test_a_lambda_cannot_be_written():
    pipe = Pipeline([("f", FunctionTransformer(lambda x: x + 1))])
    with pytest.raises(SourceError, match="lambda or local function"):
        to_source(pipe, Imports())
    assert "export_code supports scikit-learn" in MSG_CANNOT


def test_a_class_of_ours_outside_estimators_is_refused():
    from jupyter_automl.problem import Metric

    class Wrapped(StandardScaler):
        pass

    Wrapped.__module__ = Metric.__module__
    with pytest.raises(SourceError, match="not in jupyter_automl.estimators"):
        to_source(Wrapped(), Imports())


def test_repeated_parts_become_named_helpers():
    from sklearn.compose import ColumnTransformer

    part = Pipeline([("encode", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))])
    ct = ColumnTransformer([(f"c{i}", part, [f"x{i}"]) for i in range(3)])
    shared = repeated([ct])
    assert len(shared) == 2  # the pipeline and the encoder inside it
    taken: set[str] = set()
    names = [helper_name(est, taken) for est in shared.values()]
    assert names == ["ordinal_encoder", "ordinal_encoder_2"]  # the outer pipeline comes first
    key = next(k for k, e in shared.items() if isinstance(e, Pipeline))
    code = to_source(ct, Imports(), shared={key: "encode_column"})
    assert code.count("encode_column()") == 3


def test_target_encoder_is_seeded():
    from sklearn.base import clone

    from .conftest import family_models, uses_target_encoder

    models, X, y = family_models("binary")
    model = next(m for m in models if uses_target_encoder(m))
    np.testing.assert_array_equal(clone(model).fit(X, y).predict_proba(X),
                                  clone(model).fit(X, y).predict_proba(X))
