"""Fuzz inputs for the codec and POST /v1/events: valid envelopes with one or more mutated
fields, and raw garbage. One generator, ``generate(rng)``, for the long run (fast, seeded);
hypothesis strategies over the same mutations for the unit tier (shrinkable).
"""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import strategies as st

from caseflow.events.partner import PARTNER_TYPES
from tests.unit.events.examples import EXAMPLES, envelope

TYPES = sorted(EXAMPLES)
#: Partner types only: what a partner may put in a POST.
PARTNER_EVENT_TYPES = sorted(PARTNER_TYPES)
KINDS = (
    "wrong_type",
    "huge_number",
    "deep",
    "invalid_utf8",
    "nul",
    "lone_surrogate",
    "duplicate_key",
    "drop",
    "truncate",
    "long_string",
    "unknown_field",
    "odd_time",
)
WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    "",
    "x",
    [],
    [1, "a"],
    {},
    {"a": {"b": None}},
    10**30,
    -(10**30),
    1e308,
    "2020-13-45",
)
ODD_TIMES = (
    "1900-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2020-05-04",
    "2020-05-04T25:00:00Z",
    "0000-00-00T00:00:00Z",
    "2020-05-04T09:12:00+99:00",
    "now",
)


def deep_json(depth: int, open_: bytes = b"[", close: bytes = b"]") -> bytes:
    return open_ * depth + close * depth


def _fields(event: dict[str, Any]) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [(k,) for k in event]
    data = event.get("data")
    if isinstance(data, dict):
        paths += [("data", k) for k in data]
    return paths


def _set(event: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = event
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _drop(event: dict[str, Any], path: tuple[str, ...]) -> None:
    target = event
    for part in path[:-1]:
        target = target[part]
    target.pop(path[-1], None)


#: Placeholders swapped for bytes JSON text cannot hold after json.dumps.
_MARK = "\x07MARK\x07"


def mutate(event: dict[str, Any], kind: str, rng: random.Random) -> bytes:
    """``event`` (a valid envelope dict) with one mutation of ``kind`` applied, as bytes."""
    event = json.loads(json.dumps(event))
    path = rng.choice(_fields(event))
    after: tuple[bytes, bytes] | None = None
    if kind == "wrong_type":
        _set(event, path, rng.choice(WRONG_VALUES))
    elif kind == "huge_number":
        digits = rng.choice((20, 400, 4_000, 5_000))
        _set(event, path, _MARK)
        after = (json.dumps(_MARK).encode(), rng.choice((b"", b"-")) + b"9" * digits)
        if rng.random() < 0.3:
            after = (after[0], b"1e" + str(rng.choice((309, 99999))).encode())
    elif kind == "deep":
        _set(event, path, _MARK)
        depth = rng.choice((33, 200, 1_000, 100_000))
        deep = deep_json(depth) if rng.random() < 0.5 else b'{"a":' * depth + b"1" + b"}" * depth
        after = (json.dumps(_MARK).encode(), deep)
    elif kind == "invalid_utf8":
        _set(event, path, _MARK)
        bad = rng.choice((b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"))
        after = (_MARK.encode(), b"ok" + bad + b"ok")
    elif kind == "nul":
        if rng.random() < 0.5:
            _set(event, path, "a\x00b")
        else:
            _set(event, path, _MARK)
            after = (json.dumps(_MARK).encode(), b'"a\x00b"')
    elif kind == "lone_surrogate":
        _set(event, path, _MARK)
        after = (_MARK.encode(), rng.choice((b"\\ud800", b"\\udfff", b"x\\udc00y", b"\\uDBFF")))
    elif kind == "duplicate_key":
        raw = json.dumps(event).encode()
        dup = json.dumps({path[-1]: rng.choice(WRONG_VALUES)})[1:-1].encode()
        return raw[:-1] + b", " + dup + b"}" if rng.random() < 0.5 else b"{" + dup + b", " + raw[1:]
    elif kind == "drop":
        _drop(event, path)
    elif kind == "truncate":
        raw = json.dumps(event).encode()
        return raw[: rng.randrange(len(raw))]
    elif kind == "long_string":
        _set(event, path, "x" * rng.choice((201, 5_000, 70_000)))
    elif kind == "unknown_field":
        _set(event, (*path[:-1], rng.choice(("Jan Jansen", "x" * 300, "", "\x00"))), 1)
    elif kind == "odd_time":
        _set(event, ("time",), rng.choice(ODD_TIMES))
    raw = json.dumps(event).encode()
    if after is not None:
        raw = raw.replace(after[0], after[1], 1)
    return raw


def garbage(rng: random.Random) -> bytes:
    """Raw garbage: random bytes, JSON that is no event, and broken near-JSON."""
    pick = rng.randrange(6)
    if pick == 0:
        return rng.randbytes(rng.randrange(0, 300))
    if pick == 1:
        return json.dumps(rng.choice(WRONG_VALUES)).encode()
    if pick == 2:
        return rng.choice((b"{", b"[", b'"', b"}", b"]", b":", b",", b"nul")) * rng.randrange(1, 50)
    if pick == 3:
        return b"\x00" * rng.randrange(1, 100)
    if pick == 4:
        return rng.choice((b"NaN", b"Infinity", b'{"x": -Infinity}', b"1e999999", b"-"))
    return bytes(rng.choice(b'{}[]",:0123456789eE.-+truefalsnul \\') for _ in range(60))


def valid(rng: random.Random, event_type: str | None = None, **overrides: Any) -> dict[str, Any]:
    return envelope(
        event_type or rng.choice(TYPES), id=f"fz-{rng.getrandbits(64):016x}", **overrides
    )


def generate(
    rng: random.Random, event_type: str | None = None, **overrides: Any
) -> tuple[str, bytes]:
    """One input and its family: ``valid`` (unmutated), ``mutated`` (1-3 fields) or ``garbage``."""
    roll = rng.random()
    if roll < 0.15:
        return "garbage", garbage(rng)
    event = valid(rng, event_type, **overrides)
    if roll < 0.25:
        return "valid", json.dumps(event).encode()
    raw = mutate(event, rng.choice(KINDS), rng)
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        try:
            event = json.loads(raw)
        except (ValueError, RecursionError):
            break
        if not isinstance(event, dict) or not event:
            break
        raw = mutate(event, rng.choice(KINDS), rng)
    return "mutated", raw


# Hypothesis strategies over the same mutations (the unit tier).


def envelopes() -> st.SearchStrategy[bytes]:
    return st.sampled_from(TYPES).map(lambda t: json.dumps(envelope(t)).encode())


def mutated() -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda t, kind, rng: mutate(envelope(t), kind, rng),
        st.sampled_from(TYPES),
        st.sampled_from(KINDS),
        st.randoms(use_true_random=False),
    )


def fuzz_inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated(),
        st.randoms(use_true_random=False).map(garbage),
        st.binary(max_size=256),
        st.randoms(use_true_random=False).map(lambda r: generate(r)[1]),
    )
