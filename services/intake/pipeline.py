"""One batch through intake, whichever door it came in by (a Kafka poll or an HTTP request).

Per batch: check every record (no I/O) → one ledger read → judge → publish accepted events
and dead letters, awaiting every ack → record log, register, accounting and source offsets in
one transaction → (Kafka) the caller commits offsets. A crash before the transaction means the
batch is judged and published again with the same event ids; after it, the recorded source
offsets keep a redelivered batch from being counted or sent twice. See docs/intake.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiokafka.structs import ConsumerRecord

from caseflow.events.topics import CASE_EVENTS, INTAKE_REJECTED, key_for
from caseflow.runtime.clock import Clock
from caseflow.runtime.kafka import Outgoing
from services.intake.admission import (
    Accepted,
    Candidate,
    Origin,
    Outcome,
    Register,
    Rejected,
    Settings,
    check,
    internal_error,
    judge,
)
from services.intake.ledger import Ledger, Settled
from services.intake.metrics import IntakeMetrics

log = logging.getLogger(__name__)

#: Dead letters keep the original bytes, but a record over this size (only ever a `too_large`
#: one) keeps its head only: the producer and the broker refuse records above ~1 MiB.
DEAD_LETTER_MAX_VALUE = 512 * 1024


class Sink(Protocol):
    async def publish(self, records: Iterable[Outgoing]) -> None: ...


@dataclass(frozen=True, slots=True)
class Item:
    """One record as received: its bytes, Kafka key, origin and authenticated partner."""

    raw: bytes
    key: bytes | None
    origin: Origin
    partner: str | None = None

    @classmethod
    def from_record(cls, record: ConsumerRecord) -> Item:
        return cls(
            record.value or b"",
            record.key,
            Origin.kafka(record.topic, record.partition, record.offset),
        )


class Intake:
    """The batch procedure over its adapters; Kafka and HTTP share one instance per worker.

    Batches run one at a time per worker (a lock), so a Kafka batch and an HTTP request with
    the same event id never judge it concurrently.
    """

    def __init__(
        self,
        ledger: Ledger,
        sink: Sink,
        *,
        settings: Settings,
        clock: Clock,
        metrics: IntakeMetrics | None = None,
    ) -> None:
        self.ledger = ledger
        self.sink = sink
        self.settings = settings
        self.clock = clock
        self.metrics = metrics or IntakeMetrics()
        self._lock = asyncio.Lock()

    async def on_records(self, records: Sequence[ConsumerRecord]) -> None:
        """The BatchConsumer handler: raises only when infrastructure fails (then retried)."""
        await self.process([Item.from_record(r) for r in records])

    async def process(self, items: Sequence[Item]) -> list[Outcome | None]:
        """Per item its outcome as counted, or None for a Kafka record counted earlier."""
        async with self._lock:
            started = time.perf_counter()
            now = self.clock.now()
            checked = [self._check(item, now) for item in items]
            candidates = [c for c in checked if isinstance(c, Candidate)]
            view = await self.ledger.view(
                {c.envelope.id for c in candidates},
                {c.envelope.subject for c in candidates},
                {
                    (i.origin.topic, i.origin.partition)
                    for i in items
                    if i.origin.topic is not None and i.origin.partition is not None
                },
            )
            judged: list[Outcome | None] = []
            for item, result in zip(items, checked, strict=True):
                if item.origin.kind == "kafka" and view.accounted(item.origin):
                    judged.append(None)
                elif isinstance(result, Candidate):
                    judged.append(self._judge(item, result, view.register))
                else:
                    judged.append(result)
            live = [(i, o) for i, o in zip(items, judged, strict=True) if o is not None]
            # Every ack first, then the transaction: see the module docstring.
            await self.sink.publish(self._records(live))
            changed = list(view.register.changed.values())
            final = iter(await self.ledger.record(Settled([o for _, o in live], changed, now)))
            outcomes = [None if o is None else next(final) for o in judged]
            kind = items[0].origin.kind if items else "kafka"
            self.metrics.observe(
                (o for o in outcomes if o is not None), kind, time.perf_counter() - started
            )
            return outcomes

    def _check(self, item: Item, now: datetime) -> Candidate | Rejected:
        try:
            return check(
                item.raw,
                key=item.key,
                origin=item.origin,
                partner=item.partner,
                now=now,
                settings=self.settings,
            )
        except Exception as exc:  # a bug must cost one record, not the worker
            log.exception("check failed", extra=_where(item))
            return internal_error(item.origin, item.partner, exc)

    def _judge(self, item: Item, candidate: Candidate, register: Register) -> Outcome:
        try:
            return judge(candidate, register, self.settings)
        except Exception as exc:  # a bug must cost one record, not the worker
            log.exception("judge failed", extra=_where(item))
            rejected = internal_error(item.origin, item.partner, exc)
            envelope = candidate.envelope
            return Rejected(
                rejected.reason,
                rejected.detail,
                candidate.partner,
                item.origin,
                envelope.id,
                envelope.type,
                envelope.subject,
            )

    def _records(self, judged: Iterable[tuple[Item, Outcome]]) -> list[Outgoing]:
        out = []
        for item, outcome in judged:
            if isinstance(outcome, Accepted):
                out.append(
                    Outgoing(
                        CASE_EVENTS.name, outcome.value, key_for(outcome.case_id), outcome.headers
                    )
                )
            elif isinstance(outcome, Rejected):
                out.append(dead_letter(item, outcome))
        return out


def dead_letter(item: Item, rejected: Rejected) -> Outgoing:
    """The original bytes, keyed by case id when known; why and whence in headers."""
    headers: list[tuple[str, bytes]] = [
        ("caseflow_reason", rejected.reason.encode()),
        ("caseflow_detail", rejected.detail.encode()),
        ("caseflow_origin", item.origin.kind.encode()),
        ("caseflow_partner", rejected.partner.encode()),
    ]
    origin = item.origin
    if origin.kind == "kafka":
        headers += [
            ("caseflow_source_topic", (origin.topic or "").encode()),
            ("caseflow_source_partition", str(origin.partition).encode()),
            ("caseflow_source_offset", str(origin.offset).encode()),
        ]
    if rejected.event_id is not None:
        headers.append(("ce_id", rejected.event_id.encode()))
    if rejected.event_type is not None:
        headers.append(("ce_type", rejected.event_type.encode()))
    value = item.raw
    if len(value) > DEAD_LETTER_MAX_VALUE:
        headers.append(("caseflow_truncated_from", str(len(value)).encode()))
        value = value[:DEAD_LETTER_MAX_VALUE]
    return Outgoing(INTAKE_REJECTED.name, value, key_for(rejected.case_id), tuple(headers))


def _where(item: Item) -> dict[str, object]:
    o = item.origin
    return {"origin": o.kind, "topic": o.topic, "partition": o.partition, "offset": o.offset}
