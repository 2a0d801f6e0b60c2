"""The admission core: every check, in order, with an in-memory register; no I/O."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from caseflow.domain.taskforce import cohort
from caseflow.runtime.settings import load_settings
from services.intake.admission import (
    Accepted,
    Duplicate,
    MemoryRegister,
    Origin,
    Outcome,
    Rejected,
    admit,
)
from tests.unit.intake.factory import CASE, P, event, raw

NOW = datetime(2020, 6, 1, 12, tzinfo=UTC)
SETTINGS = load_settings()
KAFKA = Origin.kafka("partner.events", 0, 7)


def lodging(event_id: str = "lodge-1", **overrides: Any) -> bytes:
    return raw(P + "application.lodged", id=event_id, **overrides)


def run(
    record: bytes,
    register: MemoryRegister,
    *,
    key: bytes | None = CASE.encode(),
    origin: Origin = KAFKA,
    partner: str | None = None,
) -> Outcome:
    return admit(
        record,
        key=key,
        origin=origin,
        partner=partner,
        register=register,
        now=NOW,
        settings=SETTINGS,
    )


def reason(outcome: Outcome) -> str | None:
    assert isinstance(outcome, Rejected), outcome
    return outcome.reason


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (b"{not json", "malformed_json"),
        (b"[1, 2]", "not_an_object"),
        (b"\xff\xfe", "invalid_encoding"),
        (json.dumps({"specversion": "1.0", "id": "x"}).encode(), "not_cloudevent"),
        (raw(P + "track.assigned", type=P + "no.such.thing"), "unknown_type"),
        (raw(P + "track.assigned", data={"track": "two"}), "invalid_data"),
        (raw(P + "track.assigned", time="yesterday"), "invalid_envelope"),
        (raw(P + "track.assigned", time="2120-06-01T00:00:00Z"), "time_out_of_range"),
        (b'{"pad": "' + b"x" * 70_000 + b'"}', "too_large"),
    ],
)
def test_codec_reasons_come_first(record: bytes, expected: str) -> None:
    assert reason(run(record, MemoryRegister())) == expected


def test_kafka_records_need_the_subject_as_key() -> None:
    assert reason(run(lodging(), MemoryRegister(), key=None)) == "missing_key"
    assert reason(run(lodging(), MemoryRegister(), key=b"case-other")) == "key_mismatch"
    # HTTP has no key at all: the check does not apply.
    assert isinstance(run(lodging(), MemoryRegister(), key=None, origin=Origin.http()), Accepted)


def test_partners_send_only_their_own_types() -> None:
    side_inflow = raw(P + "national_procedure.entered", source="ind")
    assert reason(run(side_inflow, MemoryRegister())) == "not_a_partner_type"
    assert reason(run(lodging(source="police"), MemoryRegister())) == "source_not_allowed"
    http = run(lodging(), MemoryRegister(), origin=Origin.http(), partner="police")
    assert reason(http) == "source_not_allowed"


def test_http_source_must_be_the_authenticated_partner() -> None:
    registration = raw(P + "registration.recorded", source="kmar")
    outcome = run(registration, MemoryRegister(), origin=Origin.http(), partner="police")
    assert reason(outcome) == "source_mismatch"


def test_the_same_id_twice_is_a_duplicate_not_a_rejection() -> None:
    register = MemoryRegister()
    assert isinstance(run(lodging(), register), Accepted)
    again = run(lodging(), register, origin=Origin.http(), key=None, partner="ind")
    assert isinstance(again, Duplicate)
    assert again.event_id == "lodge-1"


def test_events_for_unknown_cases_are_rejected_except_openings() -> None:
    register = MemoryRegister()
    assert reason(run(raw(P + "hearing.held"), register)) == "unknown_case"
    assert isinstance(run(raw(P + "registration.recorded", id="reg-1"), register), Accepted)
    assert isinstance(run(raw(P + "hearing.held", id="hear-1"), register), Accepted)


def test_a_second_first_lodging_is_refused_a_subsequent_one_is_not() -> None:
    register = MemoryRegister()
    assert isinstance(run(lodging("lodge-1"), register), Accepted)
    assert reason(run(lodging("lodge-2"), register)) == "already_lodged"
    subsequent = lodging("lodge-3", data={"kind": "subsequent", "nationality": "ERI"})
    assert isinstance(run(subsequent, register), Accepted)


def test_cohort_is_set_from_the_first_lodging_and_absent_before_it() -> None:
    register = MemoryRegister()
    registration = run(raw(P + "registration.recorded", id="reg-1"), register)
    assert isinstance(registration, Accepted)
    assert "cohort" not in registration.envelope.extensions
    lodged = run(lodging(time="2020-03-31T23:30:00+02:00"), register)
    assert isinstance(lodged, Accepted)
    assert lodged.envelope.extensions["cohort"] == "taskforce"
    later = run(raw(P + "hearing.held", id="hear-1", time="2020-05-05T10:00:00Z"), register)
    assert isinstance(later, Accepted)
    assert json.loads(later.value)["cohort"] == "taskforce"
    case = register.case(CASE)
    assert case is not None
    assert (case.lodged_on, case.track, case.last_event_id) == (date(2020, 3, 31), 4, "hear-1")


def test_the_republished_event_is_the_partners_event_plus_cohort() -> None:
    sent = event("application.lodged", id="lodge-9")
    outcome = run(json.dumps(sent).encode(), MemoryRegister())
    assert isinstance(outcome, Accepted)
    published = json.loads(outcome.value)
    assert published.pop("cohort") == "regular"
    assert published == sent


def test_a_partner_cannot_choose_its_own_cohort() -> None:
    register = MemoryRegister()
    spoofed = run(raw(P + "registration.recorded", id="reg-1", cohort="taskforce"), register)
    assert isinstance(spoofed, Accepted)
    assert "cohort" not in json.loads(spoofed.value)
    lodged = run(lodging(cohort="taskforce"), register)
    assert isinstance(lodged, Accepted)
    assert json.loads(lodged.value)["cohort"] == "regular"


def test_cut_off_is_exclusive() -> None:
    assert cohort(date(2020, 3, 31), SETTINGS.cohort_cutoff) == "taskforce"
    assert cohort(date(2020, 4, 1), SETTINGS.cohort_cutoff) == "regular"


def test_details_carry_no_values() -> None:
    secret = "Jan Jansen"
    record = raw(P + "track.assigned", data={"track": secret})
    outcome = run(record, MemoryRegister())
    assert isinstance(outcome, Rejected)
    assert secret not in outcome.detail
