"""Kafka plumbing shared by every service: a batch consumer loop with at-least-once commits,
and a publisher that sends CloudEvents keyed by case id with mirrored headers.

Hot paths use aiokafka's ``getmany`` directly: per-record stream machinery costs far more than
caseflow's logic (see docs/decisions.md). Offsets are committed only after a batch's effects
(database writes, published records) are durable, so a crash means redelivery, never loss;
handlers are idempotent by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord

from caseflow.events import Envelope, encode, headers, key_for

if TYPE_CHECKING:
    from caseflow.runtime.settings import Settings

log = logging.getLogger(__name__)

Batch = list[ConsumerRecord]
BatchHandler = Callable[[Batch], Awaitable[None]]
#: Keyword arguments for any aiokafka client (security settings); empty for PLAINTEXT.
ClientOptions = Mapping[str, Any]


def client_options(settings: Settings) -> dict[str, Any]:
    """The aiokafka keyword arguments that authenticate a client as configured: nothing for
    PLAINTEXT (the embedded broker), else ``security_protocol``, ``sasl_mechanism`` and the
    SCRAM credentials (plus a default-CA ``ssl_context`` for SASL_SSL). The one place security
    settings become client arguments: every producer, consumer and admin client takes these.
    """
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    username, password = settings.kafka_sasl_username, settings.kafka_sasl_password
    if not username or password is None:
        raise ValueError(
            f"CASEFLOW_KAFKA_SECURITY_PROTOCOL={protocol} needs CASEFLOW_KAFKA_SASL_USERNAME "
            "and CASEFLOW_KAFKA_SASL_PASSWORD"
        )
    options: dict[str, Any] = {
        "security_protocol": protocol,
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": username,
        "sasl_plain_password": password.get_secret_value(),
    }
    if protocol == "SASL_SSL":
        from aiokafka.helpers import create_ssl_context

        options["ssl_context"] = create_ssl_context()
    return options


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One record to publish. ``partition`` is set only for control records (clock ticks)."""

    topic: str
    value: bytes
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int | None = None

    @classmethod
    def event(cls, topic: str, envelope: Envelope) -> Outgoing:
        return cls(topic, encode(envelope), key_for(envelope.subject), tuple(headers(envelope)))


class Publisher:
    """A producer tuned for the embedded broker and real Kafka alike (acks=all, small linger)."""

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = "caseflow",
        options: ClientOptions | None = None,
    ) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            acks="all",
            linger_ms=5,
            max_batch_size=256 * 1024,
            request_timeout_ms=30000,
            **(options or {}),
        )

    async def start(self) -> None:
        """Connect; a broker that does not answer leaves no half-started producer behind."""
        try:
            await self._producer.start()
        except BaseException:
            await self._producer.stop()
            raise

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, records: Iterable[Outgoing]) -> None:
        """Send all records and wait until the broker acknowledged every one of them."""
        futures = [
            await self._producer.send(
                r.topic, r.value, key=r.key, headers=list(r.headers), partition=r.partition
            )
            for r in records
        ]
        if futures:
            await asyncio.gather(*futures)

    async def partitions(self, topic: str) -> set[int]:
        found: set[int] = await self._producer.partitions_for(topic)
        return found


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: BatchConsumer) -> None:
        self._worker = worker

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        log.info("partitions revoked", extra={"partitions": sorted(str(tp) for tp in revoked)})
        if self._worker.on_revoked:
            await self._worker.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        log.info("partitions assigned", extra={"partitions": sorted(str(tp) for tp in assigned)})
        if self._worker.on_assigned:
            await self._worker.on_assigned(set(assigned))


class BatchConsumer:
    """Consume topics as a consumer group in batches; commit only after the handler succeeded.

    The handler gets every record of one ``getmany`` call (possibly several partitions, in
    order within each). If it raises, nothing is committed, the consumer seeks back to the last
    committed offsets and the batch is retried after a pause: an infrastructure failure (the
    database restarting) delays records but never skips them. Per-record problems (bad input)
    are the handler's to dead-letter; they must not raise.
    """

    def __init__(
        self,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        handler: BatchHandler,
        *,
        max_records: int = 1000,
        poll_ms: int = 200,
        session_timeout_ms: int = 10000,
        on_assigned: Callable[[set[TopicPartition]], Awaitable[None]] | None = None,
        on_revoked: Callable[[set[TopicPartition]], Awaitable[None]] | None = None,
        options: ClientOptions | None = None,
    ) -> None:
        self.topics = list(topics)
        self.handler = handler
        self.max_records = max_records
        self.poll_ms = poll_ms
        self.on_assigned = on_assigned
        self.on_revoked = on_revoked
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=max(500, session_timeout_ms // 5),
            max_poll_interval_ms=300000,
            rebalance_timeout_ms=session_timeout_ms * 2,
            max_partition_fetch_bytes=4 * 1024 * 1024,
            **(options or {}),
        )
        self.batches = 0
        self.retries = 0

    async def start(self) -> None:
        await self.consumer.start()
        self.consumer.subscribe(self.topics, listener=_Rebalance(self))

    async def stop(self) -> None:
        await self.consumer.stop()

    def highwater(self, tp: TopicPartition) -> int | None:
        """The fetch high-water mark: the broker's ListOffsets(latest) is not trusted."""
        high: int | None = self.consumer.highwater(tp)
        return high

    async def lag(self) -> dict[TopicPartition, int]:
        """Records not yet consumed, per assigned partition (high-water mark minus position)."""
        lags = {}
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is not None:
                lags[tp] = max(0, high - await self.consumer.position(tp))
        return lags

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            batches = await self.consumer.getmany(
                timeout_ms=self.poll_ms, max_records=self.max_records
            )
            records = [r for tp in sorted(batches, key=str) for r in batches[tp]]
            if not records:
                continue
            try:
                await self.handler(records)
            except Exception:
                self.retries += 1
                log.exception(
                    "batch failed; retrying from the last committed offsets",
                    extra={"records": len(records), "retry_in_s": backoff},
                )
                await self._rewind(batches)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = 0.5
            self.batches += 1
            await self._commit({tp: rs[-1].offset + 1 for tp, rs in batches.items() if rs})

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # The partitions moved to another worker mid-batch; it redelivers them and our
            # effects are idempotent, so there is nothing to undo.
            log.warning("commit skipped after rebalance", extra={"error": type(exc).__name__})
        except KafkaError:
            log.exception("commit failed; records will be redelivered")

    async def _rewind(self, batches: dict[TopicPartition, Batch]) -> None:
        for tp, records in batches.items():
            if not records or tp not in self.consumer.assignment():
                continue
            self.consumer.seek(tp, records[0].offset)


async def consume(
    consumer: BatchConsumer,
    stop: asyncio.Event,
    refresh: Callable[[], Awaitable[None]],
    every: float = 2.0,
) -> None:
    """Run the consumer until ``stop`` is set and, beside it, ``refresh`` (gauges such as the
    lag) every ``every`` seconds. A failing refresh is logged and tried again next time: metrics
    must never take the worker down."""

    async def periodically() -> None:
        while not stop.is_set():
            try:
                await refresh()
            except Exception:
                log.warning("metrics refresh failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    refresher = asyncio.create_task(periodically())
    try:
        await consumer.run(stop)
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
