"""Domain states to JSON and back, driven by their type hints (for PostgreSQL jsonb snapshots).

Only what domain states use is supported: dataclasses, dates, str/int/bool/None, unions with
None, tuples, frozensets and Literals. Anything else is a programming error and raises.

The type hints are read once per class: each dataclass gets a compiled list of per-field
converters, so a snapshot costs a loop over its fields, not a walk over the ``typing`` module
(states are loaded and dumped for every case a tick touches).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")
Convert = Callable[[Any], Any]


def dump(value: Any) -> Any:
    """The JSON form of a dataclass (or a date, a collection, a plain value)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dumper(type(value))(value)
    return _dump_value(value)


def load(cls: type[T], data: Any) -> T:
    return typing.cast(T, _loader(typing.cast(type, cls))(data))


def _identity(value: Any) -> Any:
    return value


def _dump_value(value: Any) -> Any:
    """Driven by the value, for hints that say little (``Any``)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dumper(type(value))(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_dump_value(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(_dump_value(v) for v in value)
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot snapshot a {type(value).__name__}")


def _fields(cls: type) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


@cache
def _dumper(cls: type) -> Convert:
    fields = [(name, _dump_hint(hint)) for name, hint in _fields(cls)]

    def dump_object(value: Any) -> dict[str, Any]:
        return {name: convert(getattr(value, name)) for name, convert in fields}

    return dump_object


@cache
def _loader(cls: type) -> Convert:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return _load_hint(cls)
    init = {f.name for f in dataclasses.fields(cls) if f.init}
    fields = [(name, _load_hint(hint)) for name, hint in _fields(cls) if name in init]

    def load_object(data: Any) -> Any:
        return cls(**{name: convert(data[name]) for name, convert in fields if name in data})

    return load_object


def _optional(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _dump_hint(hint: Any) -> Convert:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) != 1:
            raise TypeError(f"cannot snapshot {hint!r}: only unions with None")
        return _optional(_dump_hint(options[0]))
    if origin is typing.Literal or hint in (str, int, bool):
        return _identity
    if hint is date:
        return date.isoformat
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _dump_hint(args[0])
            return lambda value: [item(v) for v in value]
        items = [_dump_hint(a) for a in args]
        return lambda value: [c(v) for c, v in zip(items, value, strict=True)]
    if origin is frozenset:
        (arg,) = typing.get_args(hint)
        item = _dump_hint(arg)
        return lambda value: sorted(item(v) for v in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda value: _dumper(hint)(value)
    if hint is Any:
        return _dump_value
    raise TypeError(f"cannot snapshot a {hint!r}")


def _load_hint(hint: Any) -> Convert:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) != 1:
            raise TypeError(f"cannot restore {hint!r}: only unions with None")
        return _optional(_load_hint(options[0]))
    if origin is typing.Literal or hint is Any or hint in (str, int, bool):
        return _identity
    if hint is date:
        return date.fromisoformat
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _load_hint(args[0])
            return lambda data: tuple(item(v) for v in data)
        items = [_load_hint(a) for a in args]
        return lambda data: tuple(c(v) for c, v in zip(items, data, strict=True))
    if origin is frozenset:
        (arg,) = typing.get_args(hint)
        item = _load_hint(arg)
        return lambda data: frozenset(item(v) for v in data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda data: _loader(hint)(data)
    raise TypeError(f"cannot restore a {hint!r}")
