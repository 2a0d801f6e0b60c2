"""The ledger: what intake writes per batch (log, case register, accounting, source positions).

Two implementations prove the same contract (tests/integration/intake/test_ledger_contract.py):
memory.py for tests, store.py for PostgreSQL. Both take a batch in two steps:
:meth:`Ledger.view` loads what admission needs to judge it, :meth:`Ledger.record` writes the
outcomes in one transaction, after the batch was published.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from services.intake.admission import (
    Accepted,
    CaseState,
    Duplicate,
    MemoryRegister,
    Origin,
    Outcome,
)

#: (topic, partition) of a Kafka source.
Partition = tuple[str, int]
#: (origin, partner, outcome, reason or "") -> number of events.
TallyKey = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class View:
    """What one batch is judged against: a register with only its events and cases, and the
    next unaccounted offset of each source partition (records before it were already counted).
    """

    #: Only this batch's events and cases; ``changed`` is what the batch must write back.
    register: MemoryRegister
    positions: Mapping[Partition, int]

    def accounted(self, origin: Origin) -> bool:
        if origin.topic is None or origin.partition is None or origin.offset is None:
            return False
        return origin.offset < self.positions.get((origin.topic, origin.partition), 0)


@dataclass(frozen=True, slots=True)
class Settled:
    """A judged, published batch, ready to be recorded."""

    outcomes: Sequence[Outcome]
    #: Case states the batch changed (last write per case).
    cases: Sequence[CaseState]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Totals:
    """Durable counts since the log began, all workers together."""

    events: Mapping[TallyKey, int] = field(default_factory=dict)

    @property
    def received(self) -> int:
        return sum(self.events.values())

    def by_outcome(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (_origin, _partner, outcome, _reason), n in self.events.items():
            out[outcome] += n
        return {k: out[k] for k in ("accepted", "duplicate", "rejected")}

    def by_reason(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (_origin, _partner, outcome, reason), n in self.events.items():
            if outcome == "rejected":
                out[reason] += n
        return dict(sorted(out.items()))


class Ledger(Protocol):
    async def view(
        self,
        event_ids: Collection[str],
        case_ids: Collection[str],
        partitions: Collection[Partition],
    ) -> View: ...

    async def record(self, batch: Settled) -> list[Outcome | None]:
        """Write the batch; return its outcomes as finally counted, aligned with the input.

        A record another worker already counted (a rebalance mid-batch) becomes None, and an
        accepted event whose id was logged first elsewhere is counted as a duplicate.
        """
        ...

    async def totals(self) -> Totals: ...


def counted_before(outcome: Outcome, positions: Mapping[Partition, int]) -> bool:
    """A Kafka record before its partition's recorded position was counted by an earlier batch
    (redelivered after a crash or a rebalance): it must not be counted, logged or sent again.
    """
    origin = outcome.origin
    if origin.kind != "kafka" or origin.topic is None or origin.partition is None:
        return False
    return (origin.offset or 0) < positions.get((origin.topic, origin.partition), 0)


def demoted(outcome: Outcome, logged_now: Collection[str]) -> Outcome:
    """An accepted event whose id was already in the log (another worker or path, a moment
    earlier) counts as a duplicate: the log, not the batch's view, has the last word.
    """
    if isinstance(outcome, Accepted) and outcome.event_id not in logged_now:
        return Duplicate(
            outcome.event_id, outcome.event_type, outcome.case_id, outcome.partner, outcome.origin
        )
    return outcome


def tally(outcomes: Iterable[Outcome]) -> Counter[TallyKey]:
    counts: Counter[TallyKey] = Counter()
    for o in outcomes:
        counts[(o.origin.kind, o.partner, o.outcome, o.reason or "")] += 1
    return counts


def next_positions(outcomes: Iterable[Outcome]) -> dict[Partition, int]:
    """Per Kafka source partition, the offset after the last record of the batch."""
    positions: dict[Partition, int] = {}
    for o in outcomes:
        origin = o.origin
        if origin.kind == "kafka" and origin.topic is not None and origin.partition is not None:
            tp = (origin.topic, origin.partition)
            positions[tp] = max(positions.get(tp, 0), (origin.offset or 0) + 1)
    return positions
