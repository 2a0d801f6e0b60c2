"""The correctness bar: the live pipeline (publish → intake → Dublin → deadline, simulated
clock advanced to D) and `caseflow replay --until D` agree on every case and every event id."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from caseflow.domain import Policy
from caseflow.ops.replay import replay
from tests.integration.pipeline_harness import pipeline

DATA = Path(__file__).resolve().parents[1] / "data"


async def test_sample_stream_live_equals_replay(tmp_path: Path) -> None:
    until = date(2021, 3, 1)
    sample = DATA / "sample.jsonl"
    expected = replay(
        sample.read_bytes().splitlines(),
        until=until,
        policy=Policy(),
        now=datetime.now(UTC),
    )
    document = expected.as_json(Policy())
    async with pipeline(tmp_path) as live:
        await live.publish(sample)
        await live.advance(date(2020, 6, 30))
        await live.advance(until)
        cases = await live.cases(until)
        ids = await live.emitted_ids()
    assert cases == document["cases"]
    assert ids == {e["id"] for e in document["emitted"]}
