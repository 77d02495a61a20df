"""``AutoML.fairness`` is both a constructor parameter and a method.

The design asks for ``AutoML(fairness={"sensitive_features": ..., "constraint": ...})`` (a
fairness-aware search) and for ``automl.fairness(X, y, sensitive_features=...)`` (a fairness
check). A plain attribute would hide the method, so ``fairness`` is a data descriptor: the value
given to the constructor is kept in a ``FairnessOption``, which behaves like that value (truth,
equality, repr, mapping access, ``.value``) and, called, runs the check.

scikit-learn conventions still hold: the instance dict holds the value given, verbatim, under
the parameter's own name, and ``AutoML.get_params`` returns that value (not the wrapper), so
``clone`` and ``set_params`` round-trip.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from typing import Any


class FairnessOption:
    """The ``fairness`` setting of an AutoML, callable as ``automl.fairness(X, y, ...)``."""

    def __init__(self, value: Any = None):
        self.value = value.value if isinstance(value, FairnessOption) else value
        self._owner: Any = None
        self._method: Callable[..., Any] | None = None

    def _bind(self, owner: Any, method: Callable[..., Any]) -> FairnessOption:
        self._owner = weakref.ref(owner)
        self._method = method
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner = self._owner() if self._owner is not None else None
        if owner is None or self._method is None:
            raise TypeError("This fairness setting is not attached to an AutoML.")
        return self._method(owner, *args, **kwargs)

    # -- behave like the value ------------------------------------------------------------------

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: Any) -> bool:
        return self.value == (other.value if isinstance(other, FairnessOption) else other)

    def __hash__(self) -> int:
        return hash(repr(self.value))

    def __repr__(self) -> str:
        return repr(self.value)

    def __getitem__(self, key: Any) -> Any:
        return self.value[key]

    def __contains__(self, key: Any) -> bool:
        return self.value is not None and key in self.value

    def __iter__(self):
        return iter(() if self.value is None else self.value)

    def __len__(self) -> int:
        return 0 if self.value is None else len(self.value)

    def get(self, key: Any, default: Any = None) -> Any:
        return default if not isinstance(self.value, dict) else self.value.get(key, default)

    def keys(self):
        return {}.keys() if not isinstance(self.value, dict) else self.value.keys()

    def items(self):
        return {}.items() if not isinstance(self.value, dict) else self.value.items()

    # -- copies and pickles carry the value only; the owner binds again on access ------------------

    def __deepcopy__(self, memo: dict) -> FairnessOption:
        return FairnessOption(copy.deepcopy(self.value, memo))

    def __copy__(self) -> FairnessOption:
        return FairnessOption(self.value)

    def __reduce__(self):
        return (FairnessOption, (self.value,))


class FairnessParameter:
    """Data descriptor: ``AutoML.fairness`` (the setting, and the check when called)."""

    def __init__(self, method: Callable[..., Any]):
        self.method = method
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self.method  # AutoML.fairness: the method, for help() and the docs
        return FairnessOption(self.value(instance))._bind(instance, self.method)

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.name] = value.value if isinstance(value, FairnessOption) else value

    def value(self, instance: Any) -> Any:
        """The setting as given to the constructor or ``set_params``."""
        return instance.__dict__.get(self.name)
