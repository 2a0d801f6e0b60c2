"""The two crash windows of a batch, hit on purpose with the real broker and PostgreSQL:
after publishing but before recording, and after recording but before the offset commit.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from caseflow.runtime.clock import SystemClock
from caseflow.runtime.kafka import BatchConsumer, Publisher
from caseflow.runtime.settings import Settings
from services.intake.admission import Outcome
from services.intake.ledger import Settled
from services.intake.pipeline import Intake
from services.intake.store import PostgresLedger, migrate_schema
from tests.integration.intake.conftest import create_topic, header, produce, read_topic
from tests.integration.intake.mix import expected, mixed


class Crashing(PostgresLedger):
    """Fails the first ``n`` batches, before or after their transaction, like a dying worker."""

    def __init__(self, pool: asyncpg.Pool, schema: str, *, when: str, n: int) -> None:
        super().__init__(pool, schema)
        self.when, self.left = when, n

    async def record(self, batch: Settled) -> list[Outcome | None]:
        if self.when == "before" and self.left:
            self.left -= 1
            raise ConnectionError("worker died after publishing")
        result = await super().record(batch)
        if self.when == "after" and self.left:
            self.left -= 1
            raise ConnectionError("worker died before committing offsets")
        return result


@pytest.fixture
async def schema(dsn: str) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    name = f"intake_w{uuid.uuid4().hex[:10]}"
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await migrate_schema(conn, name)
    try:
        yield pool, name
    finally:
        await pool.execute(f"DROP SCHEMA {name} CASCADE")
        await pool.close()


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_batch_that_dies_midway_is_retried_and_counted_once(
    when: str, bootstrap: str, schema: tuple[asyncpg.Pool, str], infra_settings: Settings
) -> None:
    pool, name = schema
    run = uuid.uuid4().hex[:10]
    topic = f"partner.events.w{run}"
    await create_topic(bootstrap, topic)
    records = mixed(run, 1000, seed=2)
    want = expected(records)
    await produce(bootstrap, topic, records)

    ledger = Crashing(pool, name, when=when, n=3)
    publisher = Publisher(bootstrap)
    await publisher.start()
    intake = Intake(ledger, publisher, settings=infra_settings, clock=SystemClock())
    consumer = BatchConsumer(
        bootstrap, f"w{run}", [topic], intake.on_records, max_records=200, session_timeout_ms=6000
    )
    await consumer.start()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while (await ledger.totals()).received < len(records):
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        await task
        await consumer.stop()
        await publisher.stop()

    assert consumer.retries == 3
    totals = await ledger.totals()
    assert totals.by_outcome() == dict(want)
    assert totals.received == len(records)
    published = await read_topic(
        bootstrap,
        "case.events",
        lambda r: (header(r, "ce_id") or "").startswith(f"{run}-"),
        until=lambda found: False,
        timeout=4,
    )
    distinct = {header(r, "ce_id") for r in published}
    assert len(distinct) == want["accepted"]
    if when == "before":
        # Published, not recorded: the retry sends the same ids again; consumers drop them.
        assert len(published) > len(distinct)
    else:
        # Recorded: the redelivered batch is recognised by its offsets and sent nowhere.
        assert len(published) == len(distinct)
