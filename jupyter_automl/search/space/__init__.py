"""The search space: model families, their preprocessing, hyperparameters and default configurations."""

from ._engineering import engineering_params
from ._families import DEFAULT_FAMILIES, FAMILIES, LARGE_DATA_ROWS, OPT_IN_FAMILIES, Family
from ._nas import image_of, nas_backend
from ._params import Param, prefixed, with_defaults
from ._preprocessing import build_preprocessor
from ._selection import FEATURE_SET, kept_columns
from ._space import SearchSpace, build_pipeline, family_values, resolve_families

__all__ = ["DEFAULT_FAMILIES", "FEATURE_SET", "FAMILIES", "LARGE_DATA_ROWS", "OPT_IN_FAMILIES", "Family", "Param", "SearchSpace",
           "build_pipeline", "build_preprocessor", "engineering_params", "family_values", "image_of", "kept_columns", "nas_backend", "prefixed",
           "resolve_families", "with_defaults"]
