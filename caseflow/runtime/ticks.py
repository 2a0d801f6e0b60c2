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
from caseflow.runtime.kafka import ClientOptions, Outgoing, Publisher

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


class PipelineProbe:
    """Reads high-water marks (from real fetch responses: ListOffsets(latest) is not trusted)
    and groups' committed offsets, with clients opened once and reused round after round."""

    def __init__(
        self,
        bootstrap: str,
        groups: Mapping[str, Sequence[str]],
        *,
        options: ClientOptions | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.groups = {group: tuple(inputs) for group, inputs in groups.items()}
        self.topics = sorted({t for ts in self.groups.values() for t in ts})
        self._fetcher = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            max_partition_fetch_bytes=1024,
            fetch_max_wait_ms=20,
            **(options or {}),
        )
        self._committed = {
            group: AIOKafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=group,
                enable_auto_commit=False,
                **(options or {}),
            )
            for group in self.groups
        }
        self.partitions: list[TopicPartition] = []

    async def __aenter__(self) -> PipelineProbe:
        try:
            await self._fetcher.start()
            for consumer in self._committed.values():
                await consumer.start()
        except BaseException:
            await self.__aexit__()  # a broker that does not answer leaves no client open
            raise
        await self._fetcher.topics()
        self.partitions = [
            TopicPartition(t, p)
            for t in self.topics
            for p in sorted(self._fetcher.partitions_for_topic(t) or ())
        ]
        self._fetcher.assign(self.partitions)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._fetcher.stop()
        for consumer in self._committed.values():
            await consumer.stop()

    async def high_watermarks(self, timeout: float = 10.0) -> dict[TopicPartition, int]:
        """Fresh marks: assigning anew forgets the last ones, so every mark read is from a
        fetch made for this call (each partition is fetched from its start, a few bytes)."""
        self._fetcher.assign(self.partitions)
        for tp in self.partitions:
            self._fetcher.seek(tp, 0)
        marks: dict[TopicPartition, int] = {}
        deadline = time.monotonic() + timeout
        while len(marks) < len(self.partitions) and time.monotonic() < deadline:
            await self._fetcher.getmany(timeout_ms=50)
            for tp in self.partitions:
                high = self._fetcher.highwater(tp)
                if high is not None:
                    marks[tp] = high
        if len(marks) < len(self.partitions):
            raise TimeoutError("no fetch response for some partitions")
        return marks

    async def behind(self) -> str | None:
        """The first group that has not committed up to the high-water mark, or None."""
        marks = await self.high_watermarks()
        for group, inputs in self.groups.items():
            consumer = self._committed[group]
            for tp, high in marks.items():
                if tp.topic in inputs and ((await consumer.committed(tp)) or 0) < high:
                    return group
        return None


async def wait_until_processed(
    bootstrap: str,
    groups: Mapping[str, Sequence[str]],
    *,
    timeout: float = 300.0,
    poll: float = 0.1,
    options: ClientOptions | None = None,
) -> None:
    """Wait until every group has committed everything on its input topics, twice in a row.

    Services commit only after a batch's effects are durable and published, so a group that has
    committed up to the high-water mark has processed everything, and the records it published
    in turn raise other groups' high-water marks: the loop settles only when the whole pipeline
    is quiet.
    """
    deadline = time.monotonic() + timeout
    async with PipelineProbe(bootstrap, groups, options=options) as probe:
        quiet_rounds = 0
        while quiet_rounds < 2:
            stuck = await probe.behind()
            if stuck is not None and time.monotonic() > deadline:
                raise TimeoutError(f"the pipeline did not settle in time ({stuck} is behind)")
            quiet_rounds = 0 if stuck else quiet_rounds + 1
            if quiet_rounds < 2:
                await asyncio.sleep(poll)
