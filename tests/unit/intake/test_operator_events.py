"""Intake refuses operator events: a partner can never mark an instrument unlawful, over Kafka
or HTTP, with or without a subject, whatever source it claims."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from caseflow.runtime.settings import load_settings
from services.intake.admission import Origin, Rejected, admit
from services.intake.memory import MemoryRegister
from tests.unit.intake.factory import CASE, event

NOW = datetime(2024, 1, 10, 12, tzinfo=UTC)
MARKING = "nl.asylum.policy.instrument_invalidated"
DATA = {"instrument": "WBV 2022/22", "ruling": "ECLI:NL:RBDHA:2023:136"}


def marking(**overrides: Any) -> bytes:
    body = event(MARKING, source="operator", data=DATA, time="2024-01-09T12:00:00+01:00")
    del body["subject"]
    body.update(overrides)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("record", "origin", "partner"),
    [
        pytest.param(marking(), Origin.kafka("partner.events", 0, 1), None, id="kafka"),
        pytest.param(marking(source="ind"), Origin.http(), "ind", id="http-as-ind"),
        pytest.param(
            marking(subject=CASE), Origin.kafka("partner.events", 0, 2), None, id="subject"
        ),
    ],
)
def test_a_partner_cannot_send_an_operator_event(
    record: bytes, origin: Origin, partner: str | None
):
    outcome = admit(
        record,
        key=CASE.encode(),
        origin=origin,
        partner=partner,
        register=MemoryRegister(),
        now=NOW,
        settings=load_settings(),
    )
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "operator_only"
