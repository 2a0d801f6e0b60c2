"""The live runner of a fold (deadline, Dublin): case events and clock ticks in, derived events
out, state in PostgreSQL. One batch at a time:

1. split the batch into facts per case and ticks per partition (ticks of the expected stage);
2. find the touched cases and the cases of ticked partitions that are due;
3. a chunk of cases at a time: run `timeline.advance` per case up to its partition's pipeline
   day (facts dated later stay pending until the clock gets there, which is what keeps live and
   replay identical), publish the derived events, save states, pending facts, rejections and
   timeline entries;
4. forward the ticks downstream (after every event they caused), then save the clocks; the
   consumer then commits the offsets.

A crash anywhere before the commit redelivers the batch, which recomputes the same events with
the same ids (consumers drop duplicates); nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aiokafka.structs import ConsumerRecord

from caseflow.domain import Derived, Fact, Policy
from caseflow.events import decode
from caseflow.events.codec import Decoded
from caseflow.events.envelope import legal_date_of
from caseflow.pipeline.store import CaseRow, FoldStore
from caseflow.pipeline.timeline import Fold, Progress, advance
from caseflow.pipeline.translate import envelope_of, fact_of
from caseflow.runtime.clock import start_of_day
from caseflow.runtime.kafka import Outgoing, Publisher
from caseflow.runtime.ticks import stage_of, tick_of, tick_records

log = logging.getLogger(__name__)

UNLIMITED = 2**31
#: Cases advanced, published and saved together (see ``handle``).
CHUNK = 2000


@dataclass(slots=True)
class BatchReport:
    """What one batch did, for the service's metrics."""

    facts: int = 0
    ticks: dict[int, datetime] = field(default_factory=dict)
    emitted: list[Derived] = field(default_factory=list)
    #: (seconds late, event) for timer-fired events, measured on the pipeline clock.
    fired: list[tuple[float, Derived]] = field(default_factory=list)
    rejected: list[tuple[Fact, str, str]] = field(default_factory=list)
    history: list[tuple[str, str, str, date, str]] = field(default_factory=list)
    undecodable: int = 0
    cases: int = 0


class FoldWorker:
    """Runs one fold over ``case.events`` for the partitions this worker owns."""

    def __init__(
        self,
        *,
        fold: Fold[Any],
        policy: Policy,
        store: FoldStore,
        publisher: Publisher,
        route: Callable[[Derived], str],
        tick_stage: str,
        forward_stage: str | None,
        forward_topic: str | None,
        chunk: int = CHUNK,
    ) -> None:
        self.fold = fold
        self.policy = policy
        self.store = store
        self.publisher = publisher
        self.route = route
        self.tick_stage = tick_stage
        self.forward_stage = forward_stage
        self.forward_topic = forward_topic
        self.chunk = chunk
        self.clocks: dict[int, datetime] = {}

    async def start(self) -> None:
        self.clocks = await self.store.clocks()

    async def handle(self, batch: list[ConsumerRecord]) -> BatchReport:
        report = BatchReport()
        facts: dict[str, list[Fact]] = {}
        partition_of: dict[str, int] = {}
        for record in batch:
            at = tick_of(record)
            if at is not None:
                if stage_of(record) == self.tick_stage:
                    p = record.partition
                    report.ticks[p] = max(at, report.ticks.get(p, at))
                continue
            decoded = decode(record.value, max_bytes=UNLIMITED)
            if not isinstance(decoded, Decoded):
                # case.events carries only what intake accepted: this is a contract breach
                # upstream, logged and counted, never a reason to stop.
                report.undecodable += 1
                log.error(
                    "undecodable record on case.events",
                    extra={
                        "partition": record.partition,
                        "offset": record.offset,
                        "reason": str(decoded.reason),
                    },
                )
                continue
            fact = fact_of(decoded.envelope)
            if fact is None:
                continue
            report.facts += 1
            facts.setdefault(fact.case_id, []).append(fact)
            partition_of[fact.case_id] = record.partition

        clocks = dict(self.clocks)
        for p, at in report.ticks.items():
            if p not in clocks or at > clocks[p]:
                clocks[p] = at
        due = {p: legal_date_of(clocks[p]) for p in report.ticks}
        # The touched cases first, then the due ones in the order their timers fall due. They
        # are advanced, published and saved a chunk at a time so that a tick making 100,000
        # timers due neither holds every state in memory nor starves the consumer's
        # heartbeats (a worker busy past its session timeout loses its partitions and redoes
        # the batch forever). A crash between chunks is safe: saved cases are no longer due,
        # the others are found again when the uncommitted batch is redelivered.
        ids = list(dict.fromkeys([*facts, *await self.store.due(due)]))
        for start in range(0, len(ids), self.chunk):
            chunk = ids[start : start + self.chunk]
            rows = await self.store.load(chunk, {})
            marks = len(report.emitted), len(report.rejected), len(report.history)
            changed = [
                self._advance(case_id, rows.get(case_id), facts, partition_of, clocks, report)
                for case_id in chunk
                if case_id in rows or case_id in facts
            ]
            report.cases += len(changed)
            await self.publisher.publish(
                Outgoing.event(self.route(event), envelope_of(event))
                for event in report.emitted[marks[0] :]
            )
            await self.store.save(
                changed, {}, report.rejected[marks[1] :], report.history[marks[2] :]
            )

        if self.forward_stage and self.forward_topic:
            forwarded = [
                r
                for p, at in report.ticks.items()
                for r in tick_records(
                    at, [p], mode="forwarded", stage=self.forward_stage, topic=self.forward_topic
                )
            ]
            await self.publisher.publish(forwarded)
        if report.ticks:
            await self.store.save([], {p: clocks[p] for p in report.ticks})
        self.clocks = clocks
        return report

    def _advance(
        self,
        case_id: str,
        row: CaseRow | None,
        facts: dict[str, list[Fact]],
        partition_of: dict[str, int],
        clocks: dict[int, datetime],
        report: BatchReport,
    ) -> CaseRow:
        """One case up to its partition's pipeline day; what it emitted goes into ``report``."""
        row = row or CaseRow(case_id, partition_of[case_id], None, [])
        incoming = [*row.pending, *facts.get(case_id, [])]
        clock = clocks.get(row.partition)
        if clock is None:
            # No pipeline time yet in this partition: keep the facts until the first tick.
            progress: Progress[Any] = Progress(row.state, pending=incoming)
        else:
            progress = advance(self.fold, row.state, incoming, legal_date_of(clock), self.policy)
            for due_day, event in progress.timers:
                lateness = (clock - start_of_day(due_day)).total_seconds()
                report.fired.append((max(0.0, lateness), event))
        report.emitted.extend(progress.emitted)
        report.rejected.extend((f, r.reason, r.detail) for f, r in progress.rejected)
        report.history.extend(
            (f.event_id, f.case_id, f.TYPE, f.on, "fact") for f in progress.applied
        )
        report.history.extend((e.id, e.case_id, e.TYPE, e.on, "derived") for e in progress.emitted)
        as_of = legal_date_of(clock) if clock is not None else None
        wake = progress.wake_on(self.fold, self.policy)
        return CaseRow(
            case_id, row.partition, progress.state, progress.pending, as_of, wake, known_wake=True
        )

    async def reload_clocks(self) -> None:
        """After a rebalance another worker may have moved these clocks on."""
        self.clocks = await self.store.clocks()
