"""Pipelines that use the feature-engineering choices are written as code and stored safely:
the rebuilt pipeline, refit on the same rows, predicts exactly what the original predicts."""

from __future__ import annotations

import io

import numpy as np
import skops.io
from sklearn.preprocessing import SplineTransformer

from jupyter_automl.estimators import DatetimeFeatures, FrequencyEncoder, PairwiseInteractions
from jupyter_automl.export._persist import TRUSTED_TYPES
from jupyter_automl.export._source import sub_estimators

from .test_source import rebuild

NEW_PARTS = (FrequencyEncoder, PairwiseInteractions, SplineTransformer)


def engineered(models):
    """The fitted pipelines that use an engineering choice (not the fixed engineering)."""
    out = []
    for model in models:
        parts = sub_estimators(model)
        if any(isinstance(p, NEW_PARTS) or (isinstance(p, DatetimeFeatures) and p.cyclical) for p in parts):
            out.append(model)
    return out


def test_engineered_pipelines_are_rebuilt_and_refit_to_the_same_predictions(fitted_models):
    models, X, y = fitted_models
    chosen = engineered(models)
    kinds = {type(p) for m in chosen for p in sub_estimators(m)}
    assert set(NEW_PARTS) <= kinds and len(chosen) >= 6  # every family's variant uses some
    for model in chosen:
        built, lines = rebuild(model)
        assert any("automl_estimators" in line or "sklearn" in line for line in lines)
        refit = built.fit(X, y)
        out = (refit.predict_proba(X) if hasattr(model, "predict_proba") else refit.predict(X))
        want = (model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X))
        np.testing.assert_allclose(out, want, rtol=1e-9, atol=1e-12)


def test_engineered_pipelines_load_safely(fitted_models):
    models, X, _ = fitted_models
    chosen = engineered(models)
    buffer = io.BytesIO()
    skops.io.dump(chosen, buffer)
    assert [n for n in skops.io.get_untrusted_types(data=buffer.getvalue()) if n not in TRUSTED_TYPES] == []
    for before, after in zip(chosen, skops.io.loads(buffer.getvalue(), trusted=list(TRUSTED_TYPES)), strict=True):
        np.testing.assert_array_equal(after.predict(X), before.predict(X))
