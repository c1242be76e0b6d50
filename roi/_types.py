"""Types shared by the calculators."""

from __future__ import annotations

from typing import Any, NoReturn, TypeAlias

import numpy as np

Numbers: TypeAlias = float | np.ndarray
"""What a calculator takes: one number, or a numpy array of them (a Monte Carlo's samples,
a table's rows); the result has the broadcast shape. Ints are floats to a type checker."""


class FrozenDict(dict[Any, Any]):
    """A dict that refuses every change once made, and hashes by its items: what a
    validated scenario's mappings (readiness answers, phase weeks, the rate card...) are,
    so that a scenario is a value, as its other fields already are. It is still a dict
    to every reader (pydantic, json, `isinstance`); `dict(d)` or `d.copy()` gives a plain,
    changeable copy.

    >>> d = FrozenDict({"a": 1})
    >>> d["b"] = 2
    Traceback (most recent call last):
    ...
    TypeError: this mapping cannot change (it is part of a validated value): make a new one
    >>> hash(d) == hash(FrozenDict({"a": 1})), d == {"a": 1}
    (True, True)
    """

    __slots__ = ()

    def _refuse(self) -> NoReturn:
        raise TypeError(
            "this mapping cannot change (it is part of a validated value): make a new one"
        )

    def __setitem__(self, key: Any, value: Any) -> NoReturn:
        self._refuse()

    def __delitem__(self, key: Any) -> NoReturn:
        self._refuse()

    def __ior__(self, other: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def clear(self) -> NoReturn:
        self._refuse()

    def pop(self, *args: Any) -> NoReturn:
        self._refuse()

    def popitem(self) -> NoReturn:
        self._refuse()

    def setdefault(self, *args: Any) -> NoReturn:
        self._refuse()

    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type, tuple[dict[Any, Any]]]:
        return (type(self), (dict(self),))

    def copy(self) -> dict[Any, Any]:
        return dict(self)


def frozen(value: object) -> object:
    """`value` with every mapping in it a `FrozenDict` and every list a tuple."""
    if isinstance(value, dict):
        return FrozenDict({key: frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(frozen(item) for item in value)
    return value


def thawed(value: object) -> object:
    """`frozen` undone: plain dicts and lists again (for YAML, which knows no others)."""
    if isinstance(value, dict):
        return {key: thawed(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thawed(item) for item in value]
    return value
