"""Side-inflow exactly once per case although the Dublin worker — a real `caseflow run dublin`
process — is SIGKILLed around the expiry moments and restarted: one distinct
`national_procedure.entered` id per case on case.events (a redelivered batch may repeat a record
with the same id; the at-least-once design allows that), one national term started per case by
the deadline service, and the whole outcome equal to replay."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer

from caseflow.domain import Policy
from caseflow.domain.derived import SideInflow
from caseflow.events import decode
from caseflow.events.codec import Decoded
from caseflow.events.topics import CASE_DEADLINES, CASE_EVENTS
from caseflow.ops.clock import noon
from caseflow.ops.replay import replay
from caseflow.runtime.kafka import Publisher
from caseflow.runtime.ticks import publish_tick, wait_until_processed
from tests.integration.dublin.test_dublin_live import lines, write
from tests.integration.pipeline_harness import Pipeline, pipeline

ROOT = Path(__file__).resolve().parents[3]
UNTIL = date(2021, 1, 1)


class DublinProcess:
    """`python -m caseflow.ops.cli run dublin` on the harness's broker and database."""

    def __init__(self, home: Path, log: Path) -> None:
        self.env = {
            **os.environ,
            "CASEFLOW_HOME": str(home),
            "CASEFLOW_CLOCK": "simulated",
            "CASEFLOW_DUBLIN_PORT": "0",
            "CASEFLOW_LOG_FORMAT": "text",
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "caseflow.ops.cli", "run", "dublin"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-2000:]
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def tick(live: Pipeline, day: date) -> None:
    publisher = Publisher(live.bootstrap)
    await publisher.start()
    try:
        await publish_tick(publisher, noon(day), "simulated")
    finally:
        await publisher.stop()


async def settle(live: Pipeline) -> None:
    await wait_until_processed(live.bootstrap, live.groups, timeout=180)


async def records(bootstrap: str) -> list[tuple[str, str, str, date]]:
    """(id, type, case id, legal date) of every derived record on case.events and
    case.deadlines, duplicates included."""
    consumer = AIOKafkaConsumer(
        CASE_EVENTS.name,
        CASE_DEADLINES.name,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    found: list[tuple[str, str, str, date]] = []
    try:
        idle = 0
        while idle < 3:
            batches = await consumer.getmany(timeout_ms=500)
            idle = 0 if batches else idle + 1
            for batch in batches.values():
                for record in batch:
                    decoded = decode(record.value, max_bytes=2**31)
                    if isinstance(decoded, Decoded) and decoded.envelope.source in (
                        "dublin",
                        "deadline",
                    ):
                        e = decoded.envelope
                        kind = e.type.removeprefix("nl.asylum.")
                        found.append((e.id, kind, e.subject, e.legal_date))
    finally:
        await consumer.stop()
    return found


async def seen(bootstrap: str, event_id: str, timeout: float = 60.0) -> None:
    """Return as soon as a record with this id is on case.events."""
    consumer = AIOKafkaConsumer(
        CASE_EVENTS.name,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                for batch in (await consumer.getmany(timeout_ms=20)).values():
                    for record in batch:
                        decoded = decode(record.value, max_bytes=2**31)
                        if isinstance(decoded, Decoded) and decoded.envelope.id == event_id:
                            return
    finally:
        await consumer.stop()


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_side_inflow_exactly_once_when_the_dublin_worker_is_killed(tmp_path: Path) -> None:
    data = lines()
    expected = replay(data, until=UNTIL, policy=Policy(), now=datetime.now(UTC))
    document = expected.as_json(Policy())
    inflows = {e.case_id: e.id for e in expected.emitted() if isinstance(e, SideInflow)}
    worker = DublinProcess(tmp_path / "home", tmp_path / "dublin.log")
    async with pipeline(tmp_path) as live:
        # The in-process Dublin worker leaves the group; the real process takes its place.
        await live.stop_service("dublin")
        worker.start()
        try:
            await live.publish(write(tmp_path / "streams.jsonl", data))
            await tick(live, date(2020, 8, 10))
            await settle(live)

            # Three side-inflows fall due on 11 Aug: kill while the tick is in the worker's hands.
            await tick(live, date(2020, 8, 11))
            await asyncio.sleep(0.15)
            worker.kill()
            worker.start()
            await settle(live)

            # Kill after the side-inflow is published and before the batch is saved and
            # committed: a lock held on the worker's table stalls its save in between, so the
            # restarted worker surely redoes the batch and publishes the side-inflow again.
            blocker = await asyncpg.connect(live.dsn)
            stall = blocker.transaction()
            await stall.start()
            await blocker.execute("LOCK TABLE dublin.cases IN EXCLUSIVE MODE")  # reads pass
            await tick(live, date(2020, 8, 15))
            await seen(live.bootstrap, inflows["dub-17"])
            worker.kill()
            await stall.rollback()
            await blocker.close()
            worker.start()
            await settle(live)

            # And once more unstalled, the instant the side-inflow shows.

            await tick(live, date(2020, 9, 17))
            await seen(live.bootstrap, inflows["dub-24"])
            worker.kill()
            worker.start()
            await settle(live)

            await tick(live, UNTIL)
            await settle(live)
            cases = await live.cases(UNTIL)
            found = await records(live.bootstrap)
        finally:
            worker.stop()

    assert len(inflows) >= 15
    inflow_days = {e.case_id: e.on for e in expected.emitted() if isinstance(e, SideInflow)}
    entered = {(i, case) for i, kind, case, _ in found if kind == "national_procedure.entered"}
    per_case: dict[str, set[str]] = {}
    for event_id, case in entered:
        per_case.setdefault(case, set()).add(event_id)
    assert per_case == {case: {event_id} for case, event_id in inflows.items()}
    records_of_17 = [i for i, *_ in found if i == inflows["dub-17"]]
    assert len(records_of_17) == 2  # the redone batch republished it: same id, one side-inflow
    # The national term the side-inflow starts, started once (distinct ids, that day).
    started = Counter(
        case
        for i, kind, case, on in set(found)
        if kind == "term.started" and inflow_days.get(case) == on
    )
    assert started == Counter(inflows.keys()), started
    assert cases == document["cases"]
    assert {i for i, *_ in found} == {
        e["id"]
        for e in document["emitted"]
        if e["source"] == "deadline" or e["type"] == "nl.asylum.national_procedure.entered"
    }
