"""The ledger in memory: for unit tests and the ledger contract (tests/integration/intake)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from services.intake.admission import Accepted, CaseState, MemoryRegister, Outcome
from services.intake.ledger import (
    Partition,
    Settled,
    TallyKey,
    Totals,
    View,
    counted_before,
    demoted,
    next_positions,
    tally,
)


@dataclass(frozen=True, slots=True)
class LogEntry:
    event_id: str
    case_id: str
    event_type: str
    partner: str
    value: bytes


class MemoryLedger:
    """The ledger contract without a database; a batch's view is a copy, as in PostgreSQL,
    so nothing of a batch is remembered until :meth:`record` (a failed publish leaves no trace).
    """

    def __init__(self) -> None:
        self.log: dict[str, LogEntry] = {}
        self.cases: dict[str, CaseState] = {}
        self.counts: Counter[TallyKey] = Counter()
        self.positions: dict[Partition, int] = {}

    async def view(
        self,
        event_ids: Collection[str],
        case_ids: Collection[str],
        partitions: Collection[Partition],
    ) -> View:
        register = MemoryRegister(
            (i for i in event_ids if i in self.log),
            (self.cases[c] for c in case_ids if c in self.cases),
        )
        positions = {tp: self.positions[tp] for tp in partitions if tp in self.positions}
        return View(register, positions)

    async def record(self, batch: Settled) -> list[Outcome | None]:
        fresh = [None if counted_before(o, self.positions) else o for o in batch.outcomes]
        logged_now: set[str] = set()
        for o in fresh:
            if isinstance(o, Accepted) and o.event_id not in self.log:
                self.log[o.event_id] = LogEntry(
                    o.event_id, o.case_id, o.event_type, o.partner, o.value
                )
                logged_now.add(o.event_id)
        for case in batch.cases:
            self.cases[case.case_id] = _merged(self.cases.get(case.case_id), case)
        final = [None if o is None else demoted(o, logged_now) for o in fresh]
        self.counts.update(tally(o for o in final if o is not None))
        for tp, offset in next_positions(batch.outcomes).items():
            self.positions[tp] = max(self.positions.get(tp, 0), offset)
        return final

    async def totals(self) -> Totals:
        return Totals(dict(self.counts))


def _merged(old: CaseState | None, new: CaseState) -> CaseState:
    """Same rule as the PostgreSQL upsert: the first lodging stays, the latest event wins."""
    if old is None:
        return new
    latest = new if new.last_event_time >= old.last_event_time else old
    return CaseState(
        new.case_id,
        latest.last_event_id,
        latest.last_event_time,
        old.lodged_on if old.lodged_on is not None else new.lodged_on,
        old.cohort if old.lodged_on is not None else new.cohort,
        new.track if new.track is not None else old.track,
    )
