"""`caseflow infra`: the broker answers Kafka clients, topics and schemas exist, down stops all."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from caseflow.events import decode, encode, headers, key_for
from caseflow.events.codec import Decoded
from caseflow.events.envelope import Envelope
from caseflow.events.topics import TOPICS
from caseflow.ops import infra, registry
from caseflow.ops.infra import pid_alive
from caseflow.runtime.db import migrate
from caseflow.runtime.settings import load_settings
from tests.integration.pipeline_harness import free_port


def _lodging(case_id: str) -> Envelope:
    return Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "ind",
            "type": "nl.asylum.application.lodged",
            "subject": case_id,
            "time": "2020-05-04T09:12:00+02:00",
            "data": {"kind": "first", "nationality": "SYR", "track": 4},
        }
    )


async def test_every_catalogue_topic_exists_with_the_configured_partitions(bootstrap: str) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        assert {t.name for t in TOPICS} <= await consumer.topics()
        for topic in TOPICS:
            assert consumer.partitions_for_topic(topic.name) == set(range(6)), topic.name
    finally:
        await consumer.stop()


async def test_a_cloudevent_produced_keyed_by_case_comes_back_from_its_partition(
    bootstrap: str,
) -> None:
    envelope = _lodging(f"case-it-{uuid.uuid4().hex[:8]}")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            "partner.events",
            encode(envelope),
            key=key_for(envelope.subject),
            headers=headers(envelope),
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition("partner.events", meta.partition)
        consumer.assign([partition])
        consumer.seek(partition, meta.offset)
        record = await asyncio.wait_for(consumer.getone(), timeout=10)
    finally:
        await consumer.stop()

    assert record.key == envelope.subject.encode()
    assert dict(record.headers)["ce_id"] == envelope.id.encode()
    assert dict(record.headers)["ce_type"] == b"nl.asylum.application.lodged"
    decoded = decode(record.value)
    assert isinstance(decoded, Decoded)
    assert decoded.envelope == envelope


async def test_same_case_always_maps_to_the_same_partition(bootstrap: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        case = f"case-it-{uuid.uuid4().hex[:8]}"
        partitions = {
            (await producer.send_and_wait("partner.events", b"{}", key=key_for(case))).partition
            for _ in range(5)
        }
    finally:
        await producer.stop()
    assert len(partitions) == 1


async def test_every_service_owns_a_migrated_schema(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        schemas = {
            r["schema_name"]
            for r in await conn.fetch("SELECT schema_name FROM information_schema.schemata")
        }
    finally:
        await conn.close()
    assert set(registry.schemas()) == {"intake", "deadline", "dublin", "metrics"}
    assert set(registry.schemas()) <= schemas


async def test_migrations_applied_twice_are_a_no_op(dsn: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_first.sql").write_text("CREATE TABLE thing (id int PRIMARY KEY);")
    (folder / "002_second.sql").write_text("ALTER TABLE thing ADD COLUMN name text;")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(dsn)
    try:
        assert await migrate(conn, schema, folder) == [1, 2]
        await conn.execute(f"INSERT INTO {schema}.thing VALUES (1, 'kept')")
        assert await migrate(conn, schema, folder) == []
        assert await conn.fetchval(f"SELECT name FROM {schema}.thing") == "kept"
        (folder / "001_first.sql").write_text("CREATE TABLE thing (id bigint PRIMARY KEY);")
        with pytest.raises(RuntimeError, match="changed after it was applied"):
            await migrate(conn, schema, folder)
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


async def test_concurrent_workers_migrate_once(dsn: str) -> None:
    conns = [await asyncpg.connect(dsn) for _ in range(3)]
    schema = f"t_{uuid.uuid4().hex[:10]}"
    try:
        results = await asyncio.gather(
            *(migrate(c, schema, registry.schemas()["intake"]) for c in conns)
        )
        applied = [r for r in results if r]
        assert applied == [[1]], "exactly one worker applies the migration, the others none"
    finally:
        await conns[0].execute(f"DROP SCHEMA {schema} CASCADE")
        for c in conns:
            await c.close()


def test_infra_cli_up_twice_status_and_down_leaves_no_process(tmp_path: Path) -> None:
    env_args = ["--home", str(tmp_path / "home")]
    port = free_port()
    env = {"CASEFLOW_BROKER_PORT": str(port), "CASEFLOW_DATABASE_NAME": "caseflow_test_infra"}

    full_env = {**os.environ, **env}
    cli = [sys.executable, "-m", "caseflow.ops.cli", *env_args]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], capture_output=True, text=True, env=full_env, timeout=120
        )

    first = run("infra", "up")
    assert first.returncode == 0, first.stderr
    state = json.loads((tmp_path / "home" / "infra.json").read_text())
    again = run("infra", "up")
    assert again.returncode == 0, again.stderr
    assert (
        json.loads((tmp_path / "home" / "infra.json").read_text())["broker_pid"]
        == state["broker_pid"]
    )
    status = run("infra", "status", "--json")
    assert status.returncode == 0
    report = json.loads(status.stdout)
    assert report["broker"]["answering"] and report["postgres"]["answering"]
    assert run("infra", "down").returncode == 0
    assert not pid_alive(state["broker_pid"])
    assert run("infra", "status").returncode == 1
    assert not infra.port_open("127.0.0.1", port)
    assert load_settings().broker_port == 19092
