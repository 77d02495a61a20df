"""Python source for scikit-learn objects: the constructor calls that rebuild an unfitted estimator.

``to_source(obj)`` walks ``get_params(deep=False)`` and writes only the parameters that differ
from the constructor's defaults, like scikit-learn's own repr, but with every name imported from
its public module so the code runs as it is.
"""

from __future__ import annotations

import importlib
import inspect
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..estimators import WeightedEnsembleClassifier, WeightedEnsembleRegressor

OUR_MODULE = "jupyter_automl.estimators"
LOCAL_MODULE = "automl_estimators"  # the copy of our estimators module written next to a script
LINE = 96
INDENT = "    "

MSG_CANNOT = ("Cannot write Python code for {what} (a {type}): export_code supports scikit-learn "
              "estimators, their parameters and the estimators of jupyter_automl.estimators.")
MSG_OURS = ("The model contains {name} from {module}, which is not in jupyter_automl.estimators, "
            "so a script cannot rebuild it without jupyter_automl. Keep the fitted model with "
            "automl.save(path) instead (format='joblib' if the safe format cannot store it).")


class SourceError(TypeError):
    """An object that cannot be written as code."""


@dataclass
class Imports:
    """``from module import name`` lines, collected while writing code."""

    names: dict[str, set[str]] = field(default_factory=dict)
    numpy: bool = False

    def add(self, module: str, name: str) -> str:
        self.names.setdefault(module, set()).add(name)
        return name

    def lines(self) -> list[str]:
        out = ["import numpy as np"] if self.numpy else []
        third = sorted(m for m in self.names if m != LOCAL_MODULE)
        out += [f"from {m} import {', '.join(sorted(self.names[m]))}" for m in third]
        if LOCAL_MODULE in self.names:
            out += ["", f"from {LOCAL_MODULE} import {', '.join(sorted(self.names[LOCAL_MODULE]))}"]
        return out

    @property
    def uses_local_module(self) -> bool:
        return LOCAL_MODULE in self.names


def public_module(obj: Any) -> str:
    """The shortest-private-free module path that exposes ``obj`` (``sklearn.linear_model``)."""
    module = obj.__module__
    name = obj.__qualname__
    if module == OUR_MODULE:
        return LOCAL_MODULE
    if module.startswith("jupyter_automl"):
        raise SourceError(MSG_OURS.format(name=name, module=module))
    parts = module.split(".")
    public = []
    for part in parts:
        if part.startswith("_"):
            break
        public.append(part)
    for end in range(len(public), 0, -1):
        candidate = ".".join(public[:end])
        try:
            if getattr(importlib.import_module(candidate), name, None) is obj:
                return candidate
        except ImportError:  # pragma: no cover - a parent of an importable module imports
            continue
    return module


def _defaults(cls: type) -> dict[str, Any]:
    try:
        sig = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in sig.parameters.values()
            if p.default is not inspect.Parameter.empty}


def same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN and compares arrays and estimators by value."""
    if a is b:
        return True
    if hasattr(a, "get_params") and hasattr(b, "get_params") and not isinstance(a, type):
        return type(a) is type(b) and same(export_params(a), export_params(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if hasattr(a, "get_n_splits") and hasattr(b, "get_n_splits"):  # CV splitters: by settings
        return type(a) is type(b) and repr(a) == repr(b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
        except TypeError:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(type(a) is type(b) and a == b) or (
            isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number))
            and not isinstance(a, bool) and not isinstance(b, bool) and a == b)
    except Exception:
        return False


def export_params(est: Any) -> dict[str, Any]:
    """The constructor arguments to write for ``est``; prefit ensembles are written to refit."""
    params = est.get_params(deep=False)
    if isinstance(est, (WeightedEnsembleClassifier, WeightedEnsembleRegressor)):
        params["prefit"] = False
    return params


def to_source(obj: Any, imports: Imports, indent: int = 0, what: str = "the model",
              shared: dict[str, str] | None = None) -> str:
    """Python source that rebuilds ``obj`` (unfitted); names it needs are added to ``imports``.

    ``shared`` maps the one-line source of a sub-estimator to the name of a function that
    builds it; such sub-estimators are written as a call of that function.
    """
    shared = shared or {}
    if shared and is_estimator(obj):
        key = _one_line(obj, Imports(), what)
        if key in shared:
            return f"{shared[key]}()"
    one = _one_line(obj, imports, what, shared)
    if len(one) + indent * len(INDENT) <= LINE:
        return one
    return _multi_line(obj, imports, indent, what, shared)


def is_estimator(obj: Any) -> bool:
    return hasattr(obj, "get_params") and not isinstance(obj, type)


def sub_estimators(obj: Any) -> list[Any]:
    """Every estimator nested in ``obj``'s parameters (depth first, ``obj`` excluded)."""
    found: list[Any] = []

    def walk(value: Any) -> None:
        if is_estimator(value):
            found.append(value)
            for v in export_params(value).values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    for v in export_params(obj).values():
        walk(v)
    return found


def repeated(objs: list[Any], min_chars: int = 40) -> dict[str, Any]:
    """Sub-estimators written more than once (by their one-line source), outermost first."""
    counts: dict[str, int] = {}
    first: dict[str, Any] = {}
    for obj in objs:
        for est in sub_estimators(obj):
            key = _one_line(est, Imports(), "")
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, est)
    return {k: first[k] for k, n in counts.items() if n > 1 and len(k) >= min_chars}


def helper_name(est: Any, taken: set[str]) -> str:
    """A readable function name for a shared sub-estimator: ``as_labels_one_hot_encoder``."""
    steps = getattr(est, "steps", None)
    classes = [type(s).__name__ for _, s in steps] if steps else [type(est).__name__]
    base = "_".join(_snake(c) for c in classes)[:60] or "part"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def _snake(name: str) -> str:
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return out.replace("__", "_")


def _call_args(est: Any) -> list[tuple[str, Any]]:
    defaults = _defaults(type(est))
    args = []
    for key, value in export_params(est).items():
        if key in defaults and same(value, defaults[key]):
            continue
        args.append((key, value))
    return args


def _one_line(obj: Any, imports: Imports, what: str, shared: dict[str, str] | None = None) -> str:
    if is_estimator(obj):
        if shared:
            key = _one_line(obj, Imports(), what)
            if key in shared:
                return f"{shared[key]}()"
        name = imports.add(public_module(type(obj)), type(obj).__qualname__)
        args = ", ".join(f"{k}={_one_line(v, imports, f'{what}.{k}', shared)}" for k, v in _call_args(obj))
        return f"{name}({args})"
    if isinstance(obj, list):
        return "[" + ", ".join(_one_line(v, imports, what, shared) for v in obj) + "]"
    if isinstance(obj, tuple):
        inner = ", ".join(_one_line(v, imports, what, shared) for v in obj)
        return f"({inner},)" if len(obj) == 1 else f"({inner})"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{_one_line(k, imports, what)}: {_one_line(v, imports, what, shared)}"
                               for k, v in obj.items()) + "}"
    return _scalar(obj, imports, what)


def _multi_line(obj: Any, imports: Imports, indent: int, what: str,
                shared: dict[str, str]) -> str:
    pad, inner = INDENT * indent, INDENT * (indent + 1)
    if is_estimator(obj):
        name = imports.add(public_module(type(obj)), type(obj).__qualname__)
        args = [f"{inner}{k}={to_source(v, imports, indent + 1, f'{what}.{k}', shared)},"
                for k, v in _call_args(obj)]
        return f"{name}(\n" + "\n".join(args) + f"\n{pad})"
    if isinstance(obj, (list, tuple)):
        items = [f"{inner}{to_source(v, imports, indent + 1, what, shared)}," for v in obj]
        opening, closing = ("[", "]") if isinstance(obj, list) else ("(", ")")
        return opening + "\n" + "\n".join(items) + f"\n{pad}{closing}"
    if isinstance(obj, dict):
        items = [f"{inner}{_one_line(k, imports, what)}: {to_source(v, imports, indent + 1, what, shared)},"
                 for k, v in obj.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    return _scalar(obj, imports, what)


def _scalar(obj: Any, imports: Imports, what: str) -> str:
    if obj is None or isinstance(obj, (bool, str, int)):
        return repr(obj)
    if isinstance(obj, np.generic) and not isinstance(obj, np.datetime64):
        return _scalar(obj.item(), imports, what)
    if isinstance(obj, float):
        if math.isnan(obj):
            imports.numpy = True
            return "np.nan"
        if math.isinf(obj):
            imports.numpy = True
            return "np.inf" if obj > 0 else "-np.inf"
        return repr(obj)
    if isinstance(obj, np.ndarray):
        imports.numpy = True
        values = _one_line(obj.tolist(), imports, what)
        return f"np.array({values}, dtype={str(obj.dtype)!r})" if obj.dtype != object else \
            f"np.array({values}, dtype=object)"
    if isinstance(obj, type) and obj.__module__ == "numpy":
        imports.numpy = True
        return f"np.{obj.__name__}"
    if type(obj).__module__.startswith("sklearn.model_selection") and hasattr(obj, "get_n_splits"):
        # a CV splitter (e.g. the seeded folds of a TargetEncoder): its __init__ args are attributes
        name = imports.add(public_module(type(obj)), type(obj).__qualname__)
        params = [p for p in inspect.signature(type(obj)).parameters if p != "self"]
        args = ", ".join(f"{p}={_scalar(getattr(obj, p), imports, f'{what}.{p}')}" for p in params)
        return f"{name}({args})"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or isinstance(obj, type):
        module = public_module(obj)
        if "<" in obj.__qualname__:
            raise SourceError(MSG_CANNOT.format(what=what, type="lambda or local function"))
        return imports.add(module, obj.__qualname__)
    raise SourceError(MSG_CANNOT.format(what=what, type=type(obj).__name__))
