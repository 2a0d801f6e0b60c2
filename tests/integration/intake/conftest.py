"""Intake integration fixtures: a worker per test on its own source topic and schema.

The session's broker and PostgreSQL are shared (tests/integration/conftest.py); each test gets
a fresh topic, consumer group and schema, so its counts start at zero.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord

from caseflow.ops import registry
from caseflow.runtime.host import Host
from caseflow.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
PARTNERS_FILE = ROOT / "deploy" / "partners.dev.toml"
TOKENS = {p: f"demo-{p}-token" for p in ("ind", "police", "kmar", "coa", "dtv", "court", "lawyer")}


@dataclass
class Running:
    worker: Host
    settings: Settings
    bootstrap: str
    dsn: str
    schema: str
    topic: str
    run: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.worker.port}"

    async def produce(self, records: Iterable[tuple[bytes | None, bytes]]) -> list[Any]:
        """Send records to this test's source topic; returns their (partition, offset) metadata."""
        return await produce(self.bootstrap, self.topic, records)

    async def totals(self) -> dict[str, int]:
        conn = await asyncpg.connect(self.dsn)
        try:
            rows = await conn.fetch(
                f"SELECT outcome, sum(events)::bigint FROM {self.schema}.accounting GROUP BY 1"
            )
        finally:
            await conn.close()
        out = {"accepted": 0, "duplicate": 0, "rejected": 0}
        out.update({r[0]: r[1] for r in rows})
        out["received"] = sum(out.values())
        return out

    async def wait_received(self, n: int, timeout: float = 60.0) -> dict[str, int]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            totals = await self.totals()
            if totals["received"] >= n or asyncio.get_running_loop().time() > deadline:
                return totals
            await asyncio.sleep(0.2)

    async def logged(self, prefix: str) -> list[str]:
        conn = await asyncpg.connect(self.dsn)
        try:
            rows = await conn.fetch(
                f"SELECT event_id FROM {self.schema}.event_log WHERE event_id LIKE $1 || '%'",
                prefix,
            )
        finally:
            await conn.close()
        return [r[0] for r in rows]


async def create_topic(bootstrap: str, name: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def produce(
    bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes]]
) -> list[Any]:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_request_size=8 * 1024 * 1024
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in records]
        return list(await asyncio.gather(*futures))
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str,
    topic: str,
    keep: Callable[[ConsumerRecord], bool],
    *,
    until: Callable[[list[ConsumerRecord]], bool],
    timeout: float = 30.0,
) -> list[ConsumerRecord]:
    """Every record of ``topic`` that ``keep`` selects, read from the start until ``until``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        from aiokafka import TopicPartition

        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[ConsumerRecord] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while not until(found) and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=300, max_records=5000)
            found.extend(r for rs in batch.values() for r in rs if keep(r))
        return found
    finally:
        await consumer.stop()


def header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode()
    return None


@pytest.fixture
async def intake(bootstrap: str, dsn: str, infra_settings: Settings) -> AsyncIterator[Running]:
    run = uuid.uuid4().hex[:10]
    topic = f"partner.events.t{run}"
    schema = f"intake_t{run}"
    await create_topic(bootstrap, topic)
    settings = infra_settings.model_copy(
        update={
            "intake_topic": topic,
            "intake_group": f"intake-t{run}",
            "intake_port": 0,
            "partners_file": PARTNERS_FILE,
        }
    )
    worker = registry.host(
        "intake", settings, bootstrap=bootstrap, dsn=dsn, schema=schema, session_timeout_ms=6000
    )
    await worker.start()
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield Running(worker, settings, bootstrap, dsn, schema, topic, run)
    finally:
        stop.set()
        await task
        await worker.close()
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        finally:
            await conn.close()
