"""The correctness bar over generated streams: live (publish, then the simulated clock advanced
month by month) and `caseflow replay --until D` agree on every case object and on the set of
emitted event ids. 2,000 cases in the slow run, 300 in the default one."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from caseflow.domain import Policy
from caseflow.domain.calendar import months_after
from caseflow.ops.replay import replay
from tests.data.generate import lines
from tests.integration.pipeline_harness import pipeline

UNTIL = date(2021, 12, 31)


def steps(first: date, until: date, months: int) -> list[date]:
    days, day = [], first
    while day < until:
        days.append(day)
        day = months_after(day, months)
    return [*days, until]


async def check_agreement(tmp_path: Path, cases: int, seed: int, months: int) -> None:
    stream = lines(cases, seed)
    source = tmp_path / "stream.jsonl"
    source.write_bytes(b"\n".join(stream) + b"\n")
    document = replay(stream, until=UNTIL, policy=Policy(), now=datetime.now(UTC)).as_json(Policy())
    assert len(document["cases"]) == cases
    async with pipeline(tmp_path) as live:
        await live.publish(source)
        started = time.monotonic()
        for day in steps(date(2019, 1, 31), UNTIL, months):
            await live.advance(day)
        elapsed = time.monotonic() - started
        got = await live.cases(UNTIL)
        ids = await live.emitted_ids()
    expected_ids = {e["id"] for e in document["emitted"]}
    assert len(ids - expected_ids) == 0, sorted(ids - expected_ids)[:5]
    assert len(expected_ids - ids) == 0, sorted(expected_ids - ids)[:5]
    differing = [c for c in document["cases"] if got.get(c) != document["cases"][c]]
    assert not differing, json.dumps(
        {
            "case": differing[0],
            "live": got.get(differing[0]),
            "replay": document["cases"][differing[0]],
        },
        indent=1,
    )
    assert got.keys() == document["cases"].keys()
    print(f"{cases} cases, {len(expected_ids)} events: clock advanced in {elapsed:.1f} s")


async def test_generated_300_cases_live_equals_replay(tmp_path: Path) -> None:
    await check_agreement(tmp_path, 300, seed=7, months=6)


@pytest.mark.slow
async def test_generated_2000_cases_live_equals_replay(tmp_path: Path) -> None:
    await check_agreement(tmp_path, 2000, seed=2020, months=1)
