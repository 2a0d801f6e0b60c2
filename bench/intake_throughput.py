"""Intake throughput against a raw aiokafka consume→produce passthrough, same broker, same run.

    .venv/bin/python bench/intake_throughput.py [--events 50000] [--rounds 1]

Starts its own embedded broker (port 19097) and uses database ``caseflow_bench`` on the local
PostgreSQL (or pgserver), so a running `caseflow up` is left alone. Both sides read the same
pre-produced topic of ~300-byte valid partner events with their own consumer group and are
timed from their first record to their last effect: the passthrough's last produce ack and
commit, intake's last batch recorded in PostgreSQL (validate + dedupe + record + republish).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from caseflow.ops import infra  # noqa: E402
from caseflow.runtime.clock import SystemClock  # noqa: E402
from caseflow.runtime.kafka import BatchConsumer, Publisher  # noqa: E402
from caseflow.runtime.settings import Settings, load_settings  # noqa: E402
from services.intake.pipeline import Intake  # noqa: E402
from services.intake.store import PostgresLedger, migrate_schema  # noqa: E402

PARTITIONS = 6


def events(run: str, n: int) -> list[tuple[bytes, bytes]]:
    """``n`` valid events, ~300 bytes each: per case a lodging, then hearings and decisions."""
    out: list[tuple[bytes, bytes]] = []
    case_no = 0
    while len(out) < n:
        case_no += 1
        case = f"case-{run}-{case_no:07d}"
        for i, (kind, data) in enumerate(
            [
                ("application.lodged", {"kind": "first", "nationality": "ERI", "track": 4}),
                ("hearing.held", {"kind": "first", "mode": "in_person"}),
                ("hearing.held", {"kind": "substantive", "mode": "video"}),
                ("decision.issued", {"outcome": "granted"}),
            ]
        ):
            event = {
                "specversion": "1.0",
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{case}/{i}")),
                "source": "ind",
                "type": f"nl.asylum.{kind}",
                "subject": case,
                "time": f"2020-0{3 + i % 3}-0{1 + i}T09:{10 + i}:00+02:00",
                "datacontenttype": "application/json",
                "dataschema": "urn:cf:v1",
                "data": data,
            }
            out.append((case.encode(), json.dumps(event).encode()))
    return out[:n]


async def fill(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, v, key=k) for k, v in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def passthrough(bootstrap: str, source: str, n: int) -> float:
    """The floor: getmany → send every record on → await acks → commit, nothing else."""
    sink = f"bench.out.{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=f"bench-pass-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024
    )
    await consumer.start()
    await producer.start()
    done, started = 0, 0.0
    try:
        while done < n:
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            records = [r for rs in batches.values() for r in rs]
            if not records:
                continue
            if not started:
                started = time.perf_counter()
            futures = [await producer.send(sink, r.value, key=r.key) for r in records]
            await asyncio.gather(*futures)
            await consumer.commit()
            done += len(records)
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await producer.stop()


async def intake(bootstrap: str, dsn: str, source: str, n: int, settings: Settings) -> float:
    """The real pipeline and ledger, wired as services/intake/app.py wires them."""
    schema = f"intake_b{uuid.uuid4().hex[:8]}"
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        await migrate_schema(conn, schema)
    publisher = Publisher(bootstrap, client_id="bench-intake")
    await publisher.start()
    pipeline = Intake(
        PostgresLedger(pool, schema), publisher, settings=settings, clock=SystemClock()
    )
    state = {"done": 0, "started": 0.0, "ended": 0.0}
    finished = asyncio.Event()

    async def handler(records: list) -> None:  # type: ignore[type-arg]
        if not state["started"]:
            state["started"] = time.perf_counter()
        await pipeline.on_records(records)
        state["done"] += len(records)
        if state["done"] >= n:
            state["ended"] = time.perf_counter()
            finished.set()

    consumer = BatchConsumer(bootstrap, f"bench-intake-{uuid.uuid4().hex[:8]}", [source], handler)
    await consumer.start()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await finished.wait()
    finally:
        stop.set()
        await task
        await consumer.stop()
        await publisher.stop()
        totals = await PostgresLedger(pool, schema).totals()
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()
    if totals.by_outcome()["accepted"] != n:
        raise RuntimeError(f"expected {n} accepted, got {totals.by_outcome()}")
    return n / (state["ended"] - state["started"])


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the bench broker running")
    args = parser.parse_args(argv)
    # aiokafka logs every refused connect while the fresh broker comes up.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    settings = load_settings(
        home=ROOT / ".caseflow" / "bench",
        broker_port=int(os.environ.get("CASEFLOW_BENCH_BROKER_PORT", "19097")),
        database_name="caseflow_bench",
        log_level="warning",
    )
    state = await infra.up(settings)
    assert state.broker_address and state.postgres_dsn
    try:
        run = uuid.uuid4().hex[:8]
        records = events(run, args.events)
        size = statistics.mean(len(v) for _, v in records)
        source = f"bench.in.{run}"
        await fill(state.broker_address, source, records)
        cpus = os.cpu_count()
        print(f"{args.events} events of {size:.0f} bytes, {PARTITIONS} partitions, {cpus} CPUs")
        raw_rates, intake_rates = [], []
        for round_no in range(1, args.rounds + 1):
            raw_rates.append(await passthrough(state.broker_address, source, args.events))
            intake_rates.append(
                await intake(
                    state.broker_address, state.postgres_dsn, source, args.events, settings
                )
            )
            ratio = intake_rates[-1] / raw_rates[-1]
            print(
                f"round {round_no}: passthrough {raw_rates[-1]:8.0f} ev/s   "
                f"intake {intake_rates[-1]:8.0f} ev/s   ratio {ratio:.2f}"
            )
        raw, ours = statistics.median(raw_rates), statistics.median(intake_rates)
        print(f"median: passthrough {raw:.0f} ev/s, intake {ours:.0f} ev/s, ratio {ours / raw:.2f}")
    finally:
        if not args.keep:
            infra.down(settings)


if __name__ == "__main__":
    asyncio.run(main())
