"""The deadline service's operator API and CLI against the live pipeline on the sample stream:
the case object equals replay's, the worklist is the right cases in the right order, bad input
gets 400/404, the credential is enforced, and the business metrics add up."""

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

from caseflow.domain import Policy, case_view
from caseflow.domain.view import worklist_entry
from caseflow.ops.api_client import merge
from caseflow.ops.replay import Replay, replay
from caseflow.pipeline.store import FoldStore
from tests.integration.pipeline_harness import Pipeline, pipeline

DATA = Path(__file__).resolve().parents[2] / "data"
SAMPLE = DATA / "sample.jsonl"
TOKEN = "operator-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def replayed(until: date) -> Replay:
    return replay(
        SAMPLE.read_bytes().splitlines(), until=until, policy=Policy(), now=datetime.now(UTC)
    )


def expected_worklist(run: Replay, within: int, **filters: Any) -> list[tuple[str, str, int]]:
    rows = []
    for case_id, case in run.runs.items():
        state = case.term.state
        if state is None:
            continue
        entry = worklist_entry(state, run.as_of, Policy())
        if entry is None or entry.days_left > within:
            continue
        if filters.get("track") and state.track != filters["track"]:
            continue
        rows.append((entry.deadline.isoformat(), case_id, entry.days_left))
    return sorted(rows)


async def dublin_part(live: Pipeline, case_id: str, as_of: date) -> dict[str, Any] | None:
    """What the Dublin service's API serves for a case: its part of the case object."""
    store: FoldStore = live.services["dublin"].service.store
    row = await store.case(case_id)
    if row is None or row.state is None:
        return None
    return {"dublin": case_view(None, row.state, as_of, Policy())["dublin"]}


async def get(session: aiohttp.ClientSession, url: str, **kw: Any) -> tuple[int, Any]:
    async with session.get(url, **kw) as response:
        return response.status, await response.json(content_type=None)


async def test_operator_api_answers_like_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEFLOW_OPERATOR_TOKEN", TOKEN)
    early, until = date(2020, 11, 20), date(2021, 3, 1)
    async with pipeline(tmp_path) as live:
        base = f"http://127.0.0.1:{live.services['deadline'].port}"
        await live.publish(SAMPLE)
        async with aiohttp.ClientSession(headers=AUTH) as http:
            await live.advance(early)
            run = replayed(early)
            status, answer = await get(http, f"{base}/v1/worklist?within_days=28")
            assert status == 200
            got = [(c["deadline"], c["case_id"], c["days_left"]) for c in answer["cases"]]
            assert got == expected_worklist(run, 28)
            assert got and not any(c["breached"] for c in answer["cases"])

            await live.advance(until)
            run = replayed(until)
            document = run.as_json(Policy())
            for case_id, expected in document["cases"].items():
                status, case = await get(http, f"{base}/v1/cases/{case_id}")
                assert status == 200, case_id
                assert case["as_of"] == until.isoformat()
                assert [e["origin"] for e in case["timeline"]].count("fact") >= 1
                shown = merge(case, await dublin_part(live, case_id, until))
                assert {k: v for k, v in shown.items() if k not in ("timeline", "as_of")} == (
                    expected
                ), case_id

            status, answer = await get(http, f"{base}/v1/worklist?within_days=60&limit=50")
            items = answer["cases"]
            assert [(c["deadline"], c["case_id"], c["days_left"]) for c in items] == (
                expected_worklist(run, 60)
            )
            assert all(c["breached"] == (c["days_left"] < 0) for c in items)
            for c in items:
                entry = worklist_entry(run.runs[c["case_id"]].term.state, until, Policy())
                assert entry is not None
                assert c["exposure_eur"] == {
                    "if_decided_on_deadline": entry.exposure_if_decided_on_deadline_eur,
                    "if_decided_today": entry.exposure_if_decided_today_eur,
                }
            status, one = await get(http, f"{base}/v1/worklist?within_days=60&limit=1")
            assert [c["case_id"] for c in one["cases"]] == [items[0]["case_id"]]
            status, tf = await get(http, f"{base}/v1/worklist?within_days=60&cohort=taskforce")
            assert {c["cohort"] for c in tf["cases"]} <= {"taskforce"}
            assert [c["case_id"] for c in tf["cases"]] == [
                c["case_id"] for c in items if c["cohort"] == "taskforce"
            ]
            status, t4 = await get(http, f"{base}/v1/worklist?within_days=60&track=4")
            assert [c["case_id"] for c in t4["cases"]] == [
                cid for _d, cid, _n in expected_worklist(run, 60, track=4)
            ]

            for bad in (
                "within_days=-1",
                "within_days=abc",
                "cohort=nobody",
                "track=9",
                "limit=0",
                "colour=red",
            ):
                status, body = await get(http, f"{base}/v1/worklist?{bad}")
                assert status == 400 and body["error"] == "bad_query", bad
            status, body = await get(http, f"{base}/v1/cases/case-nobody")
            assert status == 404 and body["error"] == "unknown_case"

        async with aiohttp.ClientSession() as anonymous:
            status, body = await get(anonymous, f"{base}/v1/cases/case-a")
            assert status == 401
            wrong = {"Authorization": "Bearer nope"}
            status, body = await get(anonymous, f"{base}/v1/worklist", headers=wrong)
            assert status == 401
            async with anonymous.get(f"{base}/metrics") as response:
                metrics = await response.text()

        open_cases = sum(
            1 for c in document["cases"].values() if c["status"] == "open" and c["term"]
        )
        assert _sum(metrics, "caseflow_deadline_open_cases") == open_cases
        assert _sum(metrics, "caseflow_deadline_time_to_deadline_cases") == open_cases
        statutory = sum(c["penalty"]["statutory_eur"] for c in document["cases"].values())
        assert statutory > 0
        assert _sum(metrics, 'caseflow_deadline_penalty_accrued_euros{kind="statutory"}') == (
            statutory
        )

        printed = await asyncio.to_thread(_cli, live, "case", "show", "case-a")
        assert json.loads(printed) == document["cases"]["case-a"]
        # A Dublin case: its dublin part comes from the Dublin service's API.
        printed = await asyncio.to_thread(_cli, live, "case", "show", "case-d")
        assert json.loads(printed) == document["cases"]["case-d"]
        assert document["cases"]["case-d"]["dublin"] is not None
        listing = json.loads(
            await asyncio.to_thread(
                _cli, live, "worklist", "--within-days", "60", "--format", "json"
            )
        )
        assert [c["case_id"] for c in listing["cases"]] == [c["case_id"] for c in items]


def _sum(metrics: str, prefix: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if (line.startswith(prefix) and line[len(prefix)] in "{ ") or line.startswith(prefix + ","):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _cli(live: Pipeline, *args: str) -> str:
    env = {
        **os.environ,
        "CASEFLOW_HOME": str(live.settings.home),
        "CASEFLOW_DEADLINE_PORT": str(live.services["deadline"].port),
        "CASEFLOW_DUBLIN_PORT": str(live.services["dublin"].port),
        "CASEFLOW_OPERATOR_TOKEN": TOKEN,
    }
    done = subprocess.run(
        [sys.executable, "-m", "caseflow.ops.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
