"""Structure-aware fuzzing of the codec: valid envelopes with mutated fields, and raw garbage.

Whatever the bytes, ``decode`` returns a ``Decoded`` or a ``Rejection`` with a ``Reason`` and
never raises. The generators are shared with the long run in tests/fuzz (``make fuzz``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseflow.events import (
    Decoded,
    DecodedOperator,
    Reason,
    Rejection,
    decode,
    decode_object,
    encode,
)
from tests.fuzz.inputs import deep_json, envelopes, fuzz_inputs, mutated
from tests.unit.events.examples import envelope

NOW = datetime(2020, 5, 5, 12, 0, tzinfo=UTC)
REASONS = {str(r) for r in Reason}
FAST = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


def verdict(raw: bytes) -> Decoded | DecodedOperator | Rejection:
    """Decoded as a service reads case events (operator events admitted)."""
    result = decode(raw, now=NOW, operator=True)
    assert isinstance(result, Decoded | DecodedOperator | Rejection)
    if isinstance(result, Rejection):
        assert result.reason in REASONS, result
        assert isinstance(result.detail, str) and result.detail
    else:  # what is accepted can be re-published unchanged
        event = result.envelope if isinstance(result, Decoded) else result.event
        assert decode(encode(event), now=NOW, operator=True) == result
    return result


@FAST
@given(fuzz_inputs())
def test_any_input_decodes_or_is_rejected_with_a_reason(raw: bytes) -> None:
    verdict(raw)


@FAST
@given(st.binary(max_size=512))
def test_raw_garbage_is_rejected(raw: bytes) -> None:
    assert isinstance(verdict(raw), Rejection) or raw.strip().startswith(b"{")


@FAST
@given(envelopes())
def test_unmutated_envelopes_decode(event: bytes) -> None:
    assert isinstance(verdict(event), Decoded | DecodedOperator)


@FAST
@given(mutated())
def test_mutated_envelopes_never_raise(raw: bytes) -> None:
    verdict(raw)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@settings(FAST, max_examples=100)
@given(JSON | st.dictionaries(st.sampled_from(["specversion", "id", "type", "data"]), JSON))
def test_decode_object_takes_any_json_value(value: object) -> None:
    result = decode_object(value)
    assert isinstance(result, Decoded | Rejection)


def overflow(number: bytes) -> bytes:
    """A valid event with ``number`` in its free-form ``history``."""
    event = envelope("nl.asylum.national_procedure.entered")
    return json.dumps(event).encode().replace(b'"DE"', number)


def test_the_named_hostile_inputs() -> None:
    base = b'{"specversion": "1.0", "id": "x", "source": "ind", "type": "nl.asylum.track.assigned"'
    cases = {
        deep_json(20_000): Reason.MALFORMED_JSON,
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000: Reason.MALFORMED_JSON,
        base + b', "data": {"track": ' + b"9" * 5_000 + b"}}": Reason.MALFORMED_JSON,
        base + b', "subject": "case-\xff\xfe"}': Reason.INVALID_ENCODING,
        base + b', "subject": "\\ud800"}': Reason.INVALID_ENCODING,
        b"\x00" * 64: Reason.MALFORMED_JSON,
        b'{"specversion": "1.0", "specversion": 2}': Reason.NOT_CLOUDEVENT,
        b'{"x": NaN}': Reason.MALFORMED_JSON,
        # Found by the fuzz run: an overflowing literal parses as inf, which re-encoded as null.
        overflow(b"1e400"): Reason.MALFORMED_JSON,
        overflow(b"-1E+999"): Reason.MALFORMED_JSON,
        overflow(b"1" * 400 + b".5"): Reason.MALFORMED_JSON,
    }
    for raw, reason in cases.items():
        result = verdict(raw)
        assert isinstance(result, Rejection) and result.reason == reason, (raw[:40], result)
    # Huge but parseable numbers and NUL characters inside strings are judged, not crashed on.
    assert isinstance(verdict(base + b', "data": {"track": 1e308}}'), Rejection)
    assert isinstance(verdict(base + b', "subject": "case-\\u0000"}'), Rejection)
