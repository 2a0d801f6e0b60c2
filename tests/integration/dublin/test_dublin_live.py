"""The Dublin service through the live pipeline (intake → Dublin → deadline, simulated clock):
every hand-computed stream agrees with `caseflow replay` at each clock step, the API and the
CLI answer the look-ahead, and the metrics add up; and the issue's done-when case."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from caseflow.domain import Policy
from caseflow.domain.derived import SideInflow
from caseflow.ops.replay import Replay, replay
from tests.integration.pipeline_harness import Pipeline, pipeline
from tests.unit.dublin.streams import STREAMS

TOKEN = "dublin-operator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
STEPS = [date(2020, 3, 21), date(2020, 9, 1), date(2021, 1, 1), date(2021, 9, 1)]


def lines(case_ids: set[str] | None = None) -> list[bytes]:
    return [
        line
        for stream in STREAMS
        if case_ids is None or stream.case_id in case_ids
        for line in stream.lines()
    ]


def write(path: Path, records: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(records) + b"\n")
    return path


def replayed(records: list[bytes], until: date) -> Replay:
    return replay(records, until=until, policy=Policy(), now=datetime.now(UTC))


async def get(live: Pipeline, path: str, headers: dict[str, str] | None = None) -> Any:
    url = f"http://127.0.0.1:{live.services['dublin'].port}{path}"
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=AUTH if headers is None else headers) as response,
    ):
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body if body is not None else await response.text()


async def check_api(live: Pipeline, expected: Replay) -> None:
    """At 1 Sep 2020, by hand: six accepted claims expire within 28 days, one within 7."""
    document = expected.as_json(Policy())
    status, body = await get(live, "/v1/dublin/expiring")
    assert status == 200
    assert body["as_of"] == "2020-09-01" and body["within_days"] == 28
    assert [(c["case_id"], c["transfer_deadline"], c["days_left"]) for c in body["claims"]] == [
        ("dub-15", "2020-09-02", 1),
        ("dub-18", "2020-09-09", 8),
        ("dub-23", "2020-09-16", 15),
        ("dub-24", "2020-09-16", 15),
        ("dub-01", "2020-09-20", 19),
        ("dub-07", "2020-09-23", 22),
    ]
    assert body["claims"][0] == {
        "case_id": "dub-15",
        "member_state": "DK",
        "stage": "transfer_scheduled",
        "transfer_deadline": "2020-09-02",
        "days_left": 1,
        "side_inflow_on": "2020-09-03",
    }
    assert [(w["week"], w["side_inflow"]) for w in body["forecast"]] == [
        ("2020-W36", 1),  # dub-15
        ("2020-W37", 1),  # dub-18
        ("2020-W38", 2),  # dub-23, dub-24
        ("2020-W39", 2),  # dub-01 (Mon 21 Sep), dub-07
        ("2020-W40", 4),  # dub-19, dub-05, dub-33, dub-08 (Sun 4 Oct)
        ("2020-W41", 0),
        ("2020-W42", 0),
        ("2020-W43", 0),
        ("2020-W44", 1),  # dub-09 (Sat 31 Oct)
        ("2020-W45", 1),  # dub-29
        ("2020-W46", 0),
        ("2020-W47", 1),  # dub-12 (Sun 22 Nov); dub-20 (1 Dec) is beyond the 12 weeks
    ]
    status, body = await get(live, "/v1/dublin/expiring?within_days=7")
    assert [c["case_id"] for c in body["claims"]] == ["dub-15"]
    for bad in ("within_days=-1", "within_days=abc", "days=3", "within_days=100000"):
        status, body = await get(live, f"/v1/dublin/expiring?{bad}")
        assert status == 400 and body["error"] == "bad_query" and body["detail"]
    status, body = await get(live, "/v1/dublin/expiring", headers={})
    assert status == 401

    status, body = await get(live, "/v1/cases/dub-21")
    assert status == 200
    run = expected.runs["dub-21"]
    assert {k: v for k, v in body.items() if k != "timeline"} == {
        "case_id": "dub-21",
        "as_of": "2020-09-01",
        "dublin": document["cases"]["dub-21"]["dublin"],
        "in_dublin_procedure": True,
    }
    assert {e["id"] for e in body["timeline"]} == {f"dub-21-{i}" for i in range(4)} | {
        e.id for e in run.dublin.emitted
    }
    status, body = await get(live, "/v1/cases/dub-17")
    assert body["dublin"]["stage"] == "nl_responsible" and body["in_dublin_procedure"] is False
    status, body = await get(live, "/v1/cases/dub-35")  # track 4: known, never Dublin
    assert status == 200 and body["dublin"] is None and body["in_dublin_procedure"] is False
    assert (await get(live, "/v1/cases/nobody"))[0] == 404
    assert (await get(live, "/v1/cases/not%20a%20case"))[0] == 400

    url = f"http://127.0.0.1:{live.services['dublin'].port}"
    cli = [sys.executable, "-m", "caseflow.ops.cli", "dublin", "expiring", "--url", url]
    env = {**os.environ, "CASEFLOW_OPERATOR_TOKEN": TOKEN}

    def call(*args: str, **env_: str) -> subprocess.CompletedProcess[str]:
        # In a thread: the service answering it runs on this test's event loop.
        return subprocess.run([*cli, *args], env=env_ or None, capture_output=True, text=True)

    out = await asyncio.to_thread(call, "--within-days", "7", "--format", "json", **env)
    assert out.returncode == 0, out.stderr
    assert [c["case_id"] for c in json.loads(out.stdout)["claims"]] == ["dub-15"]
    out = await asyncio.to_thread(call, **env)
    assert "dub-07" in out.stdout and "2020-W40" in out.stdout
    no_token = {k: v for k, v in os.environ.items() if k != "CASEFLOW_OPERATOR_TOKEN"}
    out = await asyncio.to_thread(call, "--format", "json", **no_token)
    assert out.returncode != 0 and "401" in out.stderr

    await check_metrics(live, expected)


async def check_metrics(live: Pipeline, expected: Replay) -> None:
    """The metrics from PostgreSQL agree with the replay's views and events."""
    cases = expected.as_json(Policy())["cases"]
    stages: dict[str, int] = {}
    for case in cases.values():
        if case["dublin"] is not None:
            stages[case["dublin"]["stage"]] = stages.get(case["dublin"]["stage"], 0) + 1
    inflow: dict[str, int] = {}
    for event in expected.emitted():
        if isinstance(event, SideInflow):
            inflow[event.reason] = inflow.get(event.reason, 0) + 1
    states = [run.dublin.state for run in expected.runs.values() if run.dublin.state is not None]
    failed = sum(state.failed_transfers for state in states)
    assert failed == 8  # dub-17 to 22, 30, 34 by 1 Sep; dub-32's came after expiry
    by_reason: dict[str, int] = {}
    for state in states:
        for report in state.failures:
            by_reason[report.reason] = by_reason.get(report.reason, 0) + 1
    assert sum(by_reason.values()) == failed
    status, text = await get(live, "/metrics")
    assert status == 200

    def value(sample: str) -> float:
        [line] = [x for x in text.splitlines() if x.startswith(sample + " ")]
        return float(line.split()[-1])

    for stage in ("claim_due", "claim_sent", "accepted", "transfer_scheduled"):
        assert value(f'caseflow_dublin_open_claims{{stage="{stage}"}}') == stages.get(stage, 0)
    assert value('caseflow_dublin_transfers_total{outcome="completed",reason=""}') == 2
    for reason, n in by_reason.items():
        assert value(f'caseflow_dublin_transfers_total{{outcome="failed",reason="{reason}"}}') == n
    for reason, n in inflow.items():
        assert value(f'caseflow_dublin_side_inflow_total{{reason="{reason}"}}') == n
    assert value('caseflow_dublin_claims_expiring{within_days="7"}') == 1
    assert value('caseflow_dublin_claims_expiring{within_days="28"}') == 6
    assert value('caseflow_dublin_open_claims_by_member_state{member_state="DK"}') == 1
    assert "dub-" not in text


async def test_dublin_streams_live_equals_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEFLOW_OPERATOR_TOKEN", TOKEN)
    records = lines()
    async with pipeline(tmp_path) as live:
        await live.publish(write(tmp_path / "streams.jsonl", records))
        for step in STEPS:
            await live.advance(step)
            expected = replayed(records, step)
            document = expected.as_json(Policy())
            assert await live.cases(step) == document["cases"], step
            assert await live.emitted_ids() == {e["id"] for e in document["emitted"]}, step
            if step == date(2020, 9, 1):
                await check_api(live, expected)


async def test_failed_transfer_starts_national_term_day_after_deadline_live_equals_replay(
    tmp_path: Path,
) -> None:
    """docs/legal.md, worked example: lodged 6 Jan 2020, accepted 14 Feb, transfer failed (COVID
    suspension) → transfer deadline 14 Aug; NL responsible 15 Aug, the national 6-month term
    starts that day, its 21-month maximum counts from the lodging (6 Oct 2021)."""
    records = lines({"dub-17"})
    until = date(2020, 8, 20)
    async with pipeline(tmp_path) as live:
        await live.publish(write(tmp_path / "failed.jsonl", records))
        await live.advance(date(2020, 8, 14))
        before = await live.cases(date(2020, 8, 14))
        await live.advance(until)
        case = (await live.cases(until))["dub-17"]
        ids = await live.emitted_ids()
    assert before["dub-17"]["term"]["starts_on"] is None
    assert case["dublin"]["transfer_deadline"] == "2020-08-14"
    assert case["term"]["starts_on"] == "2020-08-15"
    assert case["term"]["deadline"] == "2021-02-15"
    assert case["term"]["absolute_deadline"] == "2021-10-06"
    document = replayed(records, until).as_json(Policy())
    assert case == document["cases"]["dub-17"]
    assert ids == {e["id"] for e in document["emitted"]}
