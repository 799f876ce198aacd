"""Typed reading of one record of the store's JSON (gui/platform/store_reading.py decides what a
record that fails means): each field is of the type and within the range asked for, or the
record is refused, or, in a lenient record, the field takes its default and is named."""

from __future__ import annotations

import enum
import math
from typing import Any, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


class Unusable(Exception):
    """A record that cannot be used as it is; ``str()`` says why, in the user's words."""


def is_real(value: Any) -> bool:
    """A JSON number: true and false arrive as bool, an int to Python but never a number here."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_finite_real(value: Any) -> bool:
    """A JSON number that is neither NaN nor infinite (Python's json reads both)."""
    # An int is always finite, and math.isfinite would overflow on one of 400 digits.
    return is_real(value) and (isinstance(value, int) or math.isfinite(value))


class RecordFields:
    """Typed access to one record. A wrong value raises Unusable, or in a ``lenient`` record
    (a task, where only what is shown may be wrong) gives the default and is listed in ``reset``.
    Missing fields take their defaults either way."""

    def __init__(self, item: Any, *, lenient: bool = False) -> None:
        if not isinstance(item, dict):
            raise Unusable("it is not a record")
        self._item = item
        self._lenient = lenient
        self.reset: list[str] = []

    def _wrong(self, key: str, expected: str, default: T) -> T:
        if not self._lenient:
            raise Unusable(f"its {key} is not {expected}")
        self.reset.append(key)
        return default

    def text(self, key: str, default: str = "", *, required: bool = False) -> str:
        value = self._item.get(key)
        if isinstance(value, str) and (value or not required):
            return value
        if required:
            raise Unusable(f"its {key} is missing or not text")
        return default if value is None else self._wrong(key, "text", default)

    def optional_text(self, key: str) -> str | None:
        value = self._item.get(key)
        if value is None or isinstance(value, str):
            return value or None
        return self._wrong(key, "text", None)

    def flag(self, key: str, default: bool) -> bool:
        value = self._item.get(key, default)
        return value if isinstance(value, bool) else self._wrong(key, "true or false", default)

    def choice(self, key: str, kind: type[E], default: E) -> E:
        value = self._item.get(key, default.value)
        try:
            return kind(value)
        except (ValueError, TypeError):  # TypeError: a list or an object is not hashable
            return self._wrong(key, f"one of {', '.join(k.value for k in kind)}", default)

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self._item.get(key, default)
        if is_finite_real(value) and low <= value <= high:
            return float(value)
        return self._wrong(key, f"a number from {low:g} to {high:g}", default)

    def percent(self, key: str) -> int | None:
        value = self._item.get(key)
        if value is None:
            return None
        if is_finite_real(value) and 0 <= value <= 100:
            return int(value)
        return self._wrong(key, "a percentage", None)
