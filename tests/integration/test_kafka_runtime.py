"""The shared batch consumer: commits after success, retries a failed batch without loss."""

from __future__ import annotations

import asyncio
import uuid

from caseflow.runtime.kafka import Batch, BatchConsumer, Outgoing, Publisher


async def _consume_until(consumer: BatchConsumer, done: asyncio.Event, timeout: float) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        stop.set()
        await task


async def test_a_failing_batch_is_retried_and_nothing_is_skipped(bootstrap: str) -> None:
    run = uuid.uuid4().hex[:8]
    publisher = Publisher(bootstrap)
    await publisher.start()
    try:
        await publisher.publish(
            Outgoing("partner.events", f"{run}:{i}".encode(), f"case-{i % 7}".encode())
            for i in range(200)
        )
    finally:
        await publisher.stop()

    seen: list[bytes] = []
    failures = {"left": 2}
    done = asyncio.Event()

    async def handler(batch: Batch) -> None:
        mine = [r.value for r in batch if r.value.startswith(run.encode())]
        if mine and failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("database restarting")
        seen.extend(mine)
        if len(set(seen)) == 200:
            done.set()

    consumer = BatchConsumer(
        bootstrap,
        f"test-{run}",
        ["partner.events"],
        handler,
        max_records=64,
        session_timeout_ms=6000,
    )
    await consumer.start()
    try:
        await _consume_until(consumer, done, timeout=60)
        assert consumer.retries == 2
        assert set(seen) == {f"{run}:{i}".encode() for i in range(200)}
    finally:
        await consumer.stop()

    # A new member of the same group starts after the committed offsets: nothing is redelivered.
    again: list[bytes] = []
    idle = asyncio.Event()

    async def second(batch: Batch) -> None:
        again.extend(r.value for r in batch if r.value.startswith(run.encode()))

    consumer = BatchConsumer(
        bootstrap, f"test-{run}", ["partner.events"], second, session_timeout_ms=6000
    )
    await consumer.start()
    try:
        loop = asyncio.get_running_loop()
        loop.call_later(8, idle.set)
        await _consume_until(consumer, idle, timeout=20)
        assert again == []
        assert all(v == 0 for v in (await consumer.lag()).values())
    finally:
        await consumer.stop()
