"""The batch procedure with in-memory adapters: a record that breaks a check costs one record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from caseflow.runtime.clock import ControlledClock
from caseflow.runtime.kafka import Outgoing
from caseflow.runtime.settings import load_settings
from services.intake import pipeline
from services.intake.admission import Origin
from services.intake.memory import MemoryLedger
from services.intake.pipeline import Intake, Item
from tests.unit.intake.factory import CASE, raw


class Collect:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def publish(self, records: Iterable[Outgoing]) -> None:
        self.sent.extend(records)


async def test_an_unexpected_error_dead_letters_that_record_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_judge = pipeline.judge

    def judge(candidate: Any, register: Any, settings: Any) -> Any:
        if candidate.envelope.id == "boom":
            raise KeyError("a bug")
        return real_judge(candidate, register, settings)

    monkeypatch.setattr(pipeline, "judge", judge)
    ledger, sink = MemoryLedger(), Collect()
    intake = Intake(
        ledger, sink, settings=load_settings(), clock=ControlledClock(datetime.now(UTC))
    )
    items = [
        Item(raw("application.lodged", id="ok-1"), CASE.encode(), Origin.kafka("t", 0, 0)),
        Item(raw("hearing.held", id="boom"), CASE.encode(), Origin.kafka("t", 0, 1)),
        Item(raw("hearing.held", id="ok-2"), CASE.encode(), Origin.kafka("t", 0, 2)),
    ]
    outcomes = await intake.process(items)
    assert [o.outcome for o in outcomes if o] == ["accepted", "rejected", "accepted"]
    letter = next(r for r in sink.sent if r.topic == "intake.rejected")
    assert dict(letter.headers)["caseflow_reason"] == b"internal_error"
    assert letter.value == items[1].raw and letter.key == CASE.encode()
    assert (await ledger.totals()).by_reason() == {"internal_error": 1}
