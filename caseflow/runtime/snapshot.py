"""Domain states to JSON and back, driven by their type hints (for PostgreSQL jsonb snapshots).

Only what domain states use is supported: dataclasses, dates, str/int/bool/None, unions with
None, tuples, frozensets and Literals. Anything else is a programming error and raises.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [dump(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(dump(v) for v in value)
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot snapshot a {type(value).__name__}")


def load(cls: type[T], data: Any) -> T:
    return typing.cast(T, _load(cls, data))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _load(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _load(options[0], data)
    if origin is typing.Literal or hint is Any:
        return data
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], v) for v in data)
        return tuple(_load(a, v) for a, v in zip(args, data, strict=True))
    if origin is frozenset:
        (item,) = typing.get_args(hint)
        return frozenset(_load(item, v) for v in data)
    if hint is date:
        return date.fromisoformat(data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(
            **{
                f.name: _load(hints[f.name], data[f.name])
                for f in dataclasses.fields(hint)
                if f.init and f.name in data
            }
        )
    if hint in (str, int, bool):
        return data
    raise TypeError(f"cannot restore a {hint!r}")
