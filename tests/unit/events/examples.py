"""A realistic, valid ``data`` for every event type, and envelopes around them; shared by tests."""

from __future__ import annotations

from typing import Any

from caseflow.events.operator import OPERATOR_TYPES
from caseflow.events.partner import PARTNER_TYPES
from caseflow.events.service import SERVICE_TYPES

P = "nl.asylum."

#: event type -> a valid ``data`` object. A test keeps this in step with EVENT_TYPES.
EXAMPLES: dict[str, dict[str, Any]] = {
    P + "registration.recorded": {"nationality": "SYR", "unaccompanied_minor": False},
    P + "application.lodged": {"kind": "first", "nationality": "ERI", "track": 4},
    P + "track.assigned": {"track": 2},
    P + "hearing.held": {"kind": "substantive", "mode": "video"},
    P + "intended_decision.issued": {},
    P + "written_response.received": {},
    P + "term.extended": {"months": 9, "ground": "complex", "instrument": "Stcrt. 2019, 65360"},
    P + "term.suspended": {"ground": "info_request"},
    P + "term.resumed": {"ground": "info_request"},
    P + "decision.issued": {"outcome": "granted"},
    P + "notice_of_default.received": {"sent_on": "2020-06-02"},
    P + "court.order.issued": {
        "decide_within_days": 56,
        "penalty_per_day_eur": 100,
        "penalty_cap_eur": 15_000,
    },
    P + "dublin.claim.sent": {
        "member_state": "DE",
        "kind": "take_back",
        "eurodac_hit": True,
        "eurodac_hit_on": "2020-02-11",
        "urgent_reply_days": 14,
    },
    P + "eurodac.hit_received": {"category": 1, "member_state": "AT"},
    P + "dublin.claim.answered": {"accepted": True},
    P + "dublin.transfer.scheduled": {"planned_on": "2020-09-15"},
    P + "dublin.transfer.completed": {"planned_on": "2020-09-15"},
    P + "dublin.transfer.failed": {"reason": "absconded"},
    P + "appeal.lodged": {"suspensive": True},
    P + "appeal.decided": {"outcome": "unfounded"},
    P + "case.linked": {"parent": "case-2020-000123", "relation": "child_born"},
    P + "person.absconded": {},
    P + "term.started": {
        "starts_on": "2020-05-04",
        "deadline": "2020-11-04",
        "absolute_deadline": "2022-02-04",
        "starts_breached": False,
    },
    P + "term.changed": {
        "old_deadline": "2023-10-01",
        "new_deadline": "2023-01-01",
        "cause": "instrument",
        "instrument": "WBV 2022/22",
        "ruling": "ECLI:NL:RBDHA:2023:136",
    },
    P + "deadline.warning": {"threshold_days": 28, "deadline": "2020-11-04"},
    P + "deadline.breached": {"deadline": "2020-11-04"},
    P + "penalty.accruing": {"kind": "statutory", "first_day": "2020-06-17"},
    P + "penalty.capped": {"kind": "statutory", "cap_eur": 15_000},
    P + "decision.on_time": {"deadline": "2020-11-04", "outcome": "granted"},
    P + "decision.late": {"deadline": "2020-11-04", "outcome": "rejected", "cause": "other"},
    P + "claim.reply_due": {"reply_due": "2020-04-11", "stage": "claim_sent"},
    P + "claim.tacitly_accepted": {"accepted_on": "2020-04-12", "stage": "accepted"},
    P + "transfer.deadline_set": {"transfer_deadline": "2020-10-12", "stage": "accepted"},
    P + "transfer.deadline_expired": {"transfer_deadline": "2020-10-12", "stage": "nl_responsible"},
    P + "dublin.stage_changed": {"stage": "transfer_scheduled", "previous": "accepted"},
    P + "national_procedure.entered": {
        "reason": "transfer_expired",
        "original_lodged_on": "2020-01-20",
        "stage": "nl_responsible",
        "history": {"member_state": "DE", "claim_sent_on": "2020-02-13"},
    },
    P + "policy.instrument_invalidated": {
        "instrument": "WBV 2022/22",
        "ruling": "ECLI:NL:RBDHA:2023:136",
    },
}


def source_of(event_type: str) -> str:
    """A source that may send this type."""
    if event_type in PARTNER_TYPES:
        return min(PARTNER_TYPES[event_type].sources)
    if event_type in OPERATOR_TYPES:
        return OPERATOR_TYPES[event_type].source
    return SERVICE_TYPES[event_type].source


def envelope(event_type: str, **overrides: Any) -> dict[str, Any]:
    """A complete CloudEvent (as JSON-ready dict) of this type with its example data; an operator
    event has no subject."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "3f6c9d1e-8a4b-4c1e-9d3f-0b6a2f1c7e55",
        "source": source_of(event_type),
        "type": event_type,
        "subject": "case-2020-000123",
        "time": "2020-05-04T09:12:00+02:00",
        "datacontenttype": "application/json",
        "data": dict(EXAMPLES[event_type]),
    }
    if event_type in OPERATOR_TYPES:
        del event["subject"]
    event.update(overrides)
    return event
