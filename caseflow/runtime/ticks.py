"""Pipeline time: clock ticks as control records in every partition of ``case.events``.

A tick says "it is now T" to every worker that owns a partition, in order with the case events
of that partition. Live, a ticker publishes the wall clock every few seconds; simulated,
`caseflow clock advance` publishes one tick and waits until every service has processed
everything up to it. The timer code path is the same in both modes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from caseflow.events.topics import CASE_EVENTS
from caseflow.runtime.kafka import Outgoing, Publisher

TICK_HEADER = "caseflow_control"
TICK = b"tick"
STAGE_HEADER = "caseflow_stage"
#: The stage of ticks straight from the clock; a service that forwards ticks names its own.
CLOCK_STAGE = "clock"


def tick_records(
    at: datetime,
    partitions: Sequence[int],
    mode: str,
    *,
    stage: str = CLOCK_STAGE,
    topic: str = CASE_EVENTS.name,
) -> list[Outgoing]:
    """One tick per partition. Forwarded ticks name the service that passed them on, so each
    stage advances only after the stage before it has published what the tick caused."""
    if at.tzinfo is None:
        raise ValueError("ticks carry timezone-aware instants")
    value = json.dumps({"at": at.isoformat(), "mode": mode}).encode()
    headers = ((TICK_HEADER, TICK), (STAGE_HEADER, stage.encode()))
    return [Outgoing(topic, value, None, headers, partition=p) for p in sorted(partitions)]


def stage_of(record: ConsumerRecord) -> str:
    for name, value in record.headers or ():
        if name == STAGE_HEADER:
            return bytes(value).decode(errors="replace")
    return CLOCK_STAGE


def tick_of(record: ConsumerRecord) -> datetime | None:
    """The instant of a tick record, or None for an ordinary event record."""
    for name, value in record.headers or ():
        if name == TICK_HEADER and value == TICK:
            try:
                return datetime.fromisoformat(json.loads(record.value)["at"])
            except (ValueError, KeyError, TypeError):
                return None
    return None


async def publish_tick(publisher: Publisher, at: datetime, mode: str) -> int:
    partitions = await publisher.partitions(CASE_EVENTS.name)
    await publisher.publish(tick_records(at, sorted(partitions), mode))
    return len(partitions)


async def high_watermarks(bootstrap: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
    """High-water marks from real fetch responses (ListOffsets(latest) is not trusted)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=1024,
        fetch_max_wait_ms=20,
    )
    await consumer.start()
    try:
        await consumer.topics()
        parts = [
            TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t))
        ]
        consumer.assign(parts)
        for tp in parts:
            consumer.seek(tp, 0)
        marks: dict[TopicPartition, int] = {}
        deadline = time.monotonic() + 10
        while len(marks) < len(parts) and time.monotonic() < deadline:
            await consumer.getmany(timeout_ms=50)
            for tp in parts:
                high = consumer.highwater(tp)
                if high is not None:
                    marks[tp] = high
        if len(marks) < len(parts):
            raise TimeoutError("no fetch response for some partitions")
        return marks
    finally:
        await consumer.stop()


async def committed(
    bootstrap: str, group: str, partitions: Sequence[TopicPartition]
) -> dict[TopicPartition, int]:
    """A group's committed offsets, read by a member that never joins (OffsetFetch only)."""
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await probe.start()
    try:
        offsets = {tp: await probe.committed(tp) for tp in partitions}
        return {tp: offset for tp, offset in offsets.items() if offset is not None}
    finally:
        await probe.stop()


async def wait_until_processed(
    bootstrap: str,
    groups: Mapping[str, Sequence[str]],
    *,
    timeout: float = 300.0,
    poll: float = 0.2,
) -> None:
    """Wait until every group has committed everything on its input topics, twice in a row.

    Services commit only after a batch's effects are durable and published, so a group that has
    committed up to the high-water mark has processed everything, and the records it published
    in turn raise other groups' high-water marks: the loop settles only when the whole pipeline
    is quiet.
    """
    topics = sorted({t for ts in groups.values() for t in ts})
    deadline = time.monotonic() + timeout
    quiet_rounds = 0
    while quiet_rounds < 2:
        if time.monotonic() > deadline:
            raise TimeoutError("the pipeline did not settle in time")
        marks = await high_watermarks(bootstrap, topics)
        behind = False
        for group, inputs in groups.items():
            done = await committed(bootstrap, group, [tp for tp in marks if tp.topic in inputs])
            for tp, high in marks.items():
                if tp.topic in inputs and done.get(tp, 0) < high:
                    behind = True
                    break
            if behind:
                break
        quiet_rounds = 0 if behind else quiet_rounds + 1
        if behind or quiet_rounds < 2:
            await asyncio.sleep(poll)
