"""The codec: every event type round-trips; bad input becomes a rejection that names no data."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.events import (
    EVENT_TYPES,
    Decoded,
    DecodedOperator,
    Envelope,
    Reason,
    Rejection,
    decode,
    decode_object,
    encode,
    headers,
)
from tests.unit.events.examples import EXAMPLES, envelope

NAME = "Jan Jansen"
NOW = datetime(2020, 5, 5, 12, 0, tzinfo=UTC)


def raw(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def rejected(result: Decoded | Rejection, reason: Reason) -> Rejection:
    assert isinstance(result, Rejection), f"accepted, expected {reason}"
    assert result.reason == reason, result
    assert NAME not in result.detail and "Jan" not in result.detail
    return result


def test_examples_cover_the_catalogue_exactly() -> None:
    assert set(EXAMPLES) == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
def test_every_event_type_round_trips(event_type: str) -> None:
    first = decode(raw(envelope(event_type)), now=NOW, operator=True)
    assert isinstance(first, Decoded | DecodedOperator), first
    assert isinstance(first.data, EVENT_TYPES[event_type])
    event = first.envelope if isinstance(first, Decoded) else first.event
    again = decode(encode(event), now=NOW, operator=True)
    assert type(again) is type(first)
    assert again == first
    assert encode(event) == raw_of(again)


def raw_of(decoded: Decoded | DecodedOperator | Rejection) -> bytes:
    assert not isinstance(decoded, Rejection)
    return encode(decoded.envelope if isinstance(decoded, Decoded) else decoded.event)


def test_an_event_without_data_decodes_when_its_type_needs_none() -> None:
    event = envelope("nl.asylum.person.absconded")
    del event["data"]
    assert isinstance(decode(raw(event)), Decoded)


def test_rejection_carries_the_identity_it_could_read() -> None:
    event = envelope("nl.asylum.track.assigned", data={"track": "four"})
    result = rejected(decode(raw(event)), Reason.INVALID_DATA)
    assert (result.event_id, result.event_type, result.case_id) == (
        event["id"],
        event["type"],
        "case-2020-000123",
    )
    assert result.as_dict()["reason"] == "invalid_data"


# -- one real bad input per rejection reason ---------------------------------------------------


def test_too_large() -> None:
    event = envelope("nl.asylum.appeal.decided")
    event["padding"] = "x" * (5 * 1024 * 1024)
    rejected(decode(raw(event)), Reason.TOO_LARGE)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(
            raw(envelope("nl.asylum.appeal.decided")).replace(b"case-", b"case-\xff\xfe"),
            id="not-utf-8",
        ),
        pytest.param(
            raw(envelope("nl.asylum.appeal.decided", data={"outcome": "\ud800"})),
            id="unpaired-surrogate-escape",
        ),
    ],
)
def test_invalid_encoding(payload: bytes) -> None:
    rejected(decode(payload), Reason.INVALID_ENCODING)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(raw(envelope("nl.asylum.track.assigned"))[:-7], id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 50_000, id="deeply-nested"),
        pytest.param(b'{"specversion": ' + b"9" * 5000 + b"}", id="5000-digit-number"),
        pytest.param(b"{'specversion': '1.0'}", id="single-quotes"),
        pytest.param(
            raw(envelope("nl.asylum.term.started")).replace(b'"2020-05-04"', b"NaN"),
            id="nan",
        ),
    ],
)
def test_malformed_json(payload: bytes) -> None:
    rejected(decode(payload), Reason.MALFORMED_JSON)


@pytest.mark.parametrize("payload", [b"[]", b"[{}]", b'"event"', b"null", b"42"])
def test_not_an_object(payload: bytes) -> None:
    rejected(decode(payload), Reason.NOT_AN_OBJECT)


@pytest.mark.parametrize("missing", ["specversion", "id", "source", "type"])
def test_not_cloudevent(missing: str) -> None:
    event = envelope("nl.asylum.track.assigned")
    del event[missing]
    rejected(decode(raw(event)), Reason.NOT_CLOUDEVENT)


def test_not_cloudevent_of_another_spec_version() -> None:
    rejected(
        decode(raw(envelope("nl.asylum.track.assigned", specversion="0.3"))), Reason.NOT_CLOUDEVENT
    )


@pytest.mark.parametrize(
    "override",
    [
        pytest.param({"time": "4 May 2020"}, id="bad-time-string"),
        pytest.param({"time": "2020-05-04T09:12:00"}, id="naive-time"),
        pytest.param({"time": 1588576320}, id="time-as-unix-number"),
        pytest.param({"time": "1588576320"}, id="time-as-digit-string"),
        pytest.param({"subject": NAME}, id="subject-is-a-name"),
        pytest.param({"Cohort": "taskforce"}, id="uppercase-extension"),
        pytest.param({"cohort": 1.5}, id="float-extension"),
        pytest.param({"id": ""}, id="empty-id"),
        pytest.param({"data": [NAME]}, id="data-not-an-object"),
        pytest.param({"datacontenttype": "text/plain"}, id="not-json-data"),
    ],
)
def test_invalid_envelope(override: dict[str, Any]) -> None:
    result = rejected(
        decode(raw(envelope("nl.asylum.track.assigned", **override))), Reason.INVALID_ENVELOPE
    )
    if "subject" in override:
        assert result.case_id is None  # a name is never echoed as if it were a case id


def test_unknown_type() -> None:
    event = envelope("nl.asylum.track.assigned", type="nl.asylum.track.assigned.v9")
    rejected(decode(raw(event)), Reason.UNKNOWN_TYPE)
    rejected(decode(raw({**event, "type": 7})), Reason.UNKNOWN_TYPE)


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        pytest.param("nl.asylum.track.assigned", {"track": "four"}, id="track-as-word"),
        pytest.param("nl.asylum.track.assigned", {"track": 6}, id="track-out-of-range"),
        pytest.param("nl.asylum.track.assigned", {"track": True}, id="track-as-bool"),
        pytest.param(
            "nl.asylum.notice_of_default.received", {"sent_on": NAME}, id="unparseable-date"
        ),
        pytest.param(
            "nl.asylum.notice_of_default.received", {"sent_on": "2020-02-30"}, id="impossible-date"
        ),
        pytest.param("nl.asylum.notice_of_default.received", {"sent_on": 0}, id="date-as-number"),
        pytest.param(
            "nl.asylum.notice_of_default.received",
            {"sent_on": "2020-03-02T10:00:00+01:00"},
            id="date-as-datetime",
        ),
        pytest.param(
            "nl.asylum.application.lodged",
            {"kind": "first", "nationality": "SYR", "name": NAME},
            id="extra-field",
        ),
        pytest.param(
            "nl.asylum.application.lodged",
            {"kind": "first", "nationality": "SYR", NAME: "x"},
            id="extra-field-named-after-a-person",
        ),
        pytest.param("nl.asylum.appeal.decided", {"outcome": "Jan\x00Jansen"}, id="nul-byte"),
        pytest.param("nl.asylum.appeal.decided", {}, id="missing-field"),
        pytest.param(
            "nl.asylum.dublin.claim.sent",
            {
                "member_state": "DE",
                "kind": "take_back",
                "eurodac_hit": False,
                "eurodac_hit_on": "2020-02-11",
            },
            id="hit-date-without-hit",
        ),
        pytest.param(
            "nl.asylum.national_procedure.entered",
            {
                "reason": "transfer_expired",
                "original_lodged_on": None,
                "history": {"x": json.loads("[" * 40 + "]" * 40)},
            },
            id="too-deep-to-republish",
        ),
    ],
)
def test_invalid_data(event_type: str, data: dict[str, Any]) -> None:
    result = rejected(decode(raw(envelope(event_type, data=data))), Reason.INVALID_DATA)
    assert result.detail.startswith("data")


@pytest.mark.parametrize(
    ("time", "now"),
    [
        pytest.param("1990-05-04T09:12:00+02:00", None, id="1990"),
        pytest.param("2120-05-04T09:12:00+02:00", NOW, id="a-century-ahead"),
        pytest.param((NOW + timedelta(days=2)).isoformat(), NOW, id="two-days-ahead"),
    ],
)
def test_time_out_of_range(time: str, now: datetime | None) -> None:
    rejected(
        decode(raw(envelope("nl.asylum.track.assigned", time=time)), now=now),
        Reason.TIME_OUT_OF_RANGE,
    )


def test_a_slightly_fast_partner_clock_is_tolerated() -> None:
    ahead = (NOW + timedelta(hours=2)).isoformat()
    assert isinstance(
        decode(raw(envelope("nl.asylum.track.assigned", time=ahead)), now=NOW), Decoded
    )


INVALIDATED = "nl.asylum.policy.instrument_invalidated"


def test_operator_only() -> None:
    """An operator event is refused unless the reader asks for operator events: partners, whose
    input is decoded with the default, can never send one."""
    rejected(decode(raw(envelope(INVALIDATED))), Reason.OPERATOR_ONLY)
    rejected(decode(raw(envelope(INVALIDATED, source="ind"))), Reason.OPERATOR_ONLY)
    decoded = decode(raw(envelope(INVALIDATED)), operator=True)
    assert isinstance(decoded, DecodedOperator)
    assert decoded.event.source == "operator" and "subject" not in decoded.event.extensions


def test_an_operator_event_has_no_subject_and_source_operator() -> None:
    with_subject = envelope(INVALIDATED, subject="case-2020-000123")
    rejected(decode(raw(with_subject), operator=True), Reason.INVALID_ENVELOPE)
    rejected(
        decode(raw(envelope(INVALIDATED, source="ind")), operator=True), Reason.INVALID_ENVELOPE
    )


def test_a_case_event_without_subject_is_refused() -> None:
    event = envelope("nl.asylum.track.assigned")
    del event["subject"]
    result = rejected(decode(raw(event), operator=True), Reason.INVALID_ENVELOPE)
    assert result.detail == "subject: missing"


def test_a_ruling_is_an_ecli() -> None:
    data = {"instrument": "WBV 2022/22", "ruling": "the court said so"}
    rejected(decode(raw(envelope(INVALIDATED, data=data)), operator=True), Reason.INVALID_DATA)


@pytest.mark.parametrize("category", [True, 1.0, "1", 3, 0])
def test_a_eurodac_category_is_1_or_2(category: Any) -> None:
    data = {"category": category, "member_state": "AT"}
    event = envelope("nl.asylum.eurodac.hit_received", data=data)
    rejected(decode(raw(event)), Reason.INVALID_DATA)


def test_every_reason_is_tested() -> None:
    tested = {test.removeprefix("test_") for test in globals() if test.startswith("test_")}
    assert {reason.value for reason in Reason} <= tested


# -- the envelope ------------------------------------------------------------------------------


def test_headers_mirror_the_routing_attributes() -> None:
    decoded = decode(raw(envelope("nl.asylum.track.assigned")))
    assert isinstance(decoded, Decoded)
    assert headers(decoded.envelope) == [
        ("ce_id", b"3f6c9d1e-8a4b-4c1e-9d3f-0b6a2f1c7e55"),
        ("ce_type", b"nl.asylum.track.assigned"),
        ("ce_specversion", b"1.0"),
    ]


@pytest.mark.parametrize(
    ("time", "legal_date"),
    [
        ("2020-03-31T23:30:00+00:00", date(2020, 4, 1)),  # CEST: 01:30 on 1 April
        ("2020-03-31T21:30:00Z", date(2020, 3, 31)),
        ("2020-12-31T23:30:00Z", date(2021, 1, 1)),  # CET: 00:30 on 1 January
        ("2020-04-01T00:30:00+02:00", date(2020, 4, 1)),
    ],
)
def test_legal_date_is_the_date_in_amsterdam(time: str, legal_date: date) -> None:
    decoded = decode(raw(envelope("nl.asylum.application.lodged", time=time)))
    assert isinstance(decoded, Decoded)
    assert decoded.envelope.legal_date == legal_date


def test_with_extensions_adds_an_attribute_and_keeps_the_event() -> None:
    decoded = decode(raw(envelope("nl.asylum.application.lodged")))
    assert isinstance(decoded, Decoded)
    enriched = decoded.envelope.with_extensions(cohort="taskforce")
    assert enriched.extensions == {"cohort": "taskforce"}
    assert enriched.model_dump(exclude={"cohort"}) == decoded.envelope.model_dump()
    again = decode(encode(enriched))
    assert isinstance(again, Decoded)
    assert again.envelope == enriched
    assert again.data == decoded.data
    assert decoded.envelope.extensions == {}  # the original is untouched


def test_with_extensions_refuses_a_name_cloudevents_does_not_allow() -> None:
    decoded = decode(raw(envelope("nl.asylum.application.lodged")))
    assert isinstance(decoded, Decoded)
    with pytest.raises(ValueError, match="extension"):
        decoded.envelope.with_extensions(Cohort="taskforce")


def test_envelope_built_in_python_encodes_to_what_decode_accepts() -> None:
    built = Envelope(
        specversion="1.0",
        id="d6f0c1b2-0000-5000-8000-000000000001",
        source="deadline",
        type="nl.asylum.deadline.breached",
        subject="case-2020-000123",
        time=datetime(2020, 11, 5, tzinfo=UTC),
        data={"deadline": "2020-11-04"},
    )
    decoded = decode(encode(built))
    assert isinstance(decoded, Decoded)
    assert decoded.envelope == built


# -- decode never raises -----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=15,
)
_attributes = st.sampled_from(
    ["specversion", "id", "source", "type", "subject", "time", "data", "cohort", "datacontenttype"]
)
_plausible = st.fixed_dictionaries(
    {
        "specversion": st.just("1.0") | json_values,
        "id": st.text(max_size=8) | json_values,
        "source": st.sampled_from(["ind", "court", "dublin"]) | json_values,
        "type": st.sampled_from(sorted(EVENT_TYPES)) | json_values,
    },
    optional={
        "subject": st.just("case-1") | json_values,
        "time": st.just("2020-05-04T09:12:00+02:00") | json_values,
        "data": st.sampled_from(list(EXAMPLES.values())) | json_values,
        "cohort": json_values,
    },
)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_decode_never_raises_on_arbitrary_bytes(payload: bytes) -> None:
    assert isinstance(decode(payload), Decoded | Rejection)


@settings(max_examples=100, deadline=None)
@given(json_values | _plausible | st.dictionaries(_attributes, json_values))
def test_decode_never_raises_on_arbitrary_json(value: Any) -> None:
    result = decode_object(value, now=NOW)
    assert isinstance(result, Decoded | Rejection)
    if isinstance(result, Decoded):  # what is accepted can be re-published and read back
        assert decode(encode(result.envelope), now=NOW) == result
    try:
        payload = json.dumps(value).encode()
    except ValueError:
        return
    assert isinstance(decode(payload, now=NOW), Decoded | Rejection)
