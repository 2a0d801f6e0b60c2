"""The reliability bar: a deadline worker killed with SIGKILL at random moments during a
simulated year, and restarted, loses nothing and adds nothing (emitted ids equal a clean replay's
after dropping duplicate records); two workers, one stopped: its partitions and timers move to
the other and nothing is lost."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from caseflow.domain import Policy
from caseflow.ops.replay import replay
from tests.data.generate import lines
from tests.integration.deadline.test_generated import UNTIL, steps
from tests.integration.pipeline_harness import Pipeline, pipeline

ROOT = Path(__file__).resolve().parents[3]


class WorkerProcess:
    """`caseflow run deadline` as a real process on the harness's broker and database."""

    def __init__(self, live: Pipeline, log: Path) -> None:
        self.env = {
            **os.environ,
            "CASEFLOW_HOME": str(live.settings.home),
            "CASEFLOW_DEADLINE_PORT": "0",
            "CASEFLOW_LOG_LEVEL": "warning",
            # A killed worker's partitions move after this long: keeps each kill to seconds.
            "CASEFLOW_CONSUMER_SESSION_TIMEOUT_MS": "4000",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "caseflow.ops.cli", "run", "deadline"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def expected(stream: list[bytes]) -> dict:
    return replay(stream, until=UNTIL, policy=Policy(), now=datetime.now(UTC)).as_json(Policy())


async def run_with_kills(tmp_path: Path, *, cases: int, kills: int, seed: int, months: int) -> None:
    rng = random.Random(seed)
    stream = lines(cases, seed)
    source = tmp_path / "stream.jsonl"
    source.write_bytes(b"\n".join(stream) + b"\n")
    document = expected(stream)
    year = steps(date(2020, 2, 29), date(2020, 12, 31), months)
    doomed = set(rng.sample(range(len(year)), kills))
    async with pipeline(tmp_path, deadline_workers=0) as live:
        worker = WorkerProcess(live, tmp_path / "deadline.log")
        worker.start()
        try:
            await live.publish(source)
            await live.advance(date(2019, 12, 31))

            async def kill_later(delay: float) -> None:
                await asyncio.sleep(delay)
                worker.kill()
                await asyncio.sleep(rng.uniform(0, 0.5))
                worker.start()

            for i, day in enumerate(year):
                killer = None
                if i in doomed:
                    # A random moment while the tick's timers and the month's facts are being
                    # processed (most of an advance), or just before it starts.
                    killer = asyncio.create_task(kill_later(rng.uniform(0.0, 1.2)))
                await live.advance(day)
                if killer is not None:
                    await killer  # a kill after the advance settled is caught up by the next
            await live.advance(UNTIL)
            got = await live.cases(UNTIL)
            records = await live.emitted()
        finally:
            worker.stop()
    assert worker.starts == kills + 1
    ids = set(records)
    expected_ids = {e["id"] for e in document["emitted"]}
    assert not expected_ids - ids, f"missing: {sorted(expected_ids - ids)[:5]}"
    assert not ids - expected_ids, f"unexpected: {sorted(ids - expected_ids)[:5]}"
    assert got == document["cases"]
    repeated = sum(n - 1 for n in Counter(records).values())
    print(f"{kills} kills: {len(ids)} ids, {repeated} duplicate records dropped by id")


async def test_sigkill_three_times_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    await run_with_kills(tmp_path, cases=300, kills=3, seed=11, months=2)


@pytest.mark.slow
async def test_sigkill_ten_times_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    await run_with_kills(tmp_path, cases=600, kills=10, seed=12, months=1)


async def test_stopped_worker_hands_partitions_and_timers_over(tmp_path: Path) -> None:
    stream = lines(300, 13)
    source = tmp_path / "stream.jsonl"
    source.write_bytes(b"\n".join(stream) + b"\n")
    document = expected(stream)
    async with pipeline(tmp_path, deadline_workers=2) as live:
        await live.publish(source)
        await live.advance(date(2019, 12, 31))
        await live.advance(date(2020, 6, 30))
        a, b = live.services["deadline"], live.services["deadline-1"]
        assert a._consumer.consumer.assignment() and b._consumer.consumer.assignment()
        await live.stop_service("deadline-1")
        await live.advance(date(2020, 12, 31))
        await live.advance(UNTIL)
        got = await live.cases(UNTIL)
        ids = await live.emitted_ids()
        owned = a._consumer.consumer.assignment()
    assert ids == {e["id"] for e in document["emitted"]}
    assert got == document["cases"]
    assert len(owned) == live.settings.partitions
