"""`caseflow report` without `--events`: the live pipeline's facts are the events intake
accepted, and replaying intake's event log gives the figures the file it was fed with gives."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from caseflow.ops import report
from scenarios.letter_2020 import write
from tests.integration.pipeline_harness import pipeline

pytestmark = pytest.mark.infra


async def test_the_report_from_intakes_log_is_the_report_from_the_file(tmp_path: Path) -> None:
    events = tmp_path / "letter.jsonl"
    write(events, seed=3, scale=0.004)
    async with pipeline(tmp_path) as live:
        await live.publish(events)
        await live.advance(date(2020, 6, 30))
        intake = await asyncio.to_thread(report.from_intake, live.dsn, live.settings)
    from_file = report.from_file(events, live.settings)
    assert intake.live and intake.events == from_file.events
    assert "intake" in intake.describe(report.Messages("en"))
    december = date(2020, 12, 31)
    made = report.make(intake, december, live.settings)
    assert made.rows == report.make(from_file, december, live.settings).rows
    assert made.rows[-1]["taskforce_stock"] > 0
