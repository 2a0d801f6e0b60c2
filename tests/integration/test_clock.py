"""`caseflow run clock`: the live clock ticks every partition of case.events on the wall clock."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from caseflow.runtime.ticks import CLOCK_STAGE, stage_of, tick_of


async def _ticks_since(bootstrap: str, since: datetime) -> dict[int, datetime]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    latest: dict[int, datetime] = {}
    try:
        parts = [TopicPartition("case.events", p) for p in range(6)]
        consumer.assign(parts)
        for tp in parts:
            consumer.seek(tp, 0)
        while batches := await consumer.getmany(timeout_ms=500):
            for tp, records in batches.items():
                for record in records:
                    at = tick_of(record)
                    if at is not None and at >= since and stage_of(record) == CLOCK_STAGE:
                        latest[tp.partition] = max(at, latest.get(tp.partition, at))
    finally:
        await consumer.stop()
    return latest


async def test_live_clock_ticks_every_partition_until_stopped(bootstrap: str, dsn: str) -> None:
    started = datetime.now(UTC)
    env = {
        **os.environ,
        "CASEFLOW_BROKER_URL": bootstrap,
        "CASEFLOW_DATABASE_URL": dsn,
        "CASEFLOW_TICK_SECONDS": "0.5",
    }
    clock = subprocess.Popen(
        [sys.executable, "-m", "caseflow.ops.cli", "run", "clock"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        latest: dict[int, datetime] = {}
        for _ in range(60):
            await asyncio.sleep(0.5)
            latest = await _ticks_since(bootstrap, started)
            if len(latest) == 6:
                break
        assert sorted(latest) == list(range(6))
        assert all(abs((at - datetime.now(UTC)).total_seconds()) < 30 for at in latest.values())
    finally:
        clock.send_signal(signal.SIGTERM)
        _out, err = clock.communicate(timeout=30)
    assert clock.returncode == 0, err[-2000:]
