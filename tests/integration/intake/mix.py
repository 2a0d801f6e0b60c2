"""A reproducible mix of good and bad partner records, and what intake must make of them.

The expectation comes from the offline core (handlers.admit over an in-memory register): the
service must agree with `caseflow replay` record for record.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime

from caseflow.runtime.settings import load_settings
from services.intake.admission import MemoryRegister, Origin, admit
from tests.unit.intake.factory import event

Record = tuple[bytes | None, bytes]


def mixed(run: str, n: int, seed: int = 4) -> list[Record]:
    """``n`` records: about three in four good, the rest each kind of trouble."""
    rng = random.Random(seed)
    records: list[Record] = []
    sent_ids: list[tuple[str, bytes]] = []
    case_no = 0
    while len(records) < n:
        case_no += 1
        case = f"case-{run}-{case_no}"
        key = case.encode()
        day = rng.choice(["2020-03-02", "2020-05-04"])
        good = [
            event("registration.recorded", source="police", time=f"{day}T08:00:00+01:00"),
            event("application.lodged", time=f"{day}T09:00:00+01:00"),
            event("hearing.held", time=f"{day}T10:00:00+01:00"),
            event("decision.issued", time=f"{day}T11:00:00+01:00"),
        ]
        for i, ev in enumerate(good):
            ev.update(id=f"{run}-{case_no}-{i}", subject=case)
            value = json.dumps(ev).encode()
            records.append((key, value))
            sent_ids.append((case, value))
            if rng.random() < 0.1:
                records.append(_trouble(rng, run, case_no, case, sent_ids))
    return records[:n]


def _trouble(
    rng: random.Random, run: str, case_no: int, case: str, sent: list[tuple[str, bytes]]
) -> Record:
    key = case.encode()
    tag = f"{run}-{case_no}-x{rng.randrange(10**9)}"
    kind = rng.randrange(8)
    if kind == 0:  # a resend of something already sent for this case: a duplicate
        same_case = [v for c, v in sent if c == case]
        return key, rng.choice(same_case)
    if kind == 1:
        return key, b'{"specversion": "1.0", "id": "' + tag.encode()
    if kind == 2:
        ghost = f"{case}-ghost"
        return ghost.encode(), json.dumps(event("hearing.held", id=tag, subject=ghost)).encode()
    if kind == 3:
        return b"case-other", json.dumps(event("hearing.held", id=tag, subject=case)).encode()
    if kind == 4:
        return None, json.dumps(event("hearing.held", id=tag, subject=case)).encode()
    if kind == 5:
        return key, json.dumps(event("hearing.held", id=tag, subject=case, source="coa")).encode()
    if kind == 6:
        bad = event("track.assigned", id=tag, subject=case, data={"track": 9})
        return key, json.dumps(bad).encode()
    future = event("hearing.held", id=tag, subject=case, time="2120-01-01T00:00:00Z")
    return key, json.dumps(future).encode()


def expected(records: list[Record]) -> Counter[str]:
    """Outcome counts by the offline core, in send order (Kafka keeps order per key)."""
    register = MemoryRegister()
    settings = load_settings()
    now = datetime.now(UTC)
    counts: Counter[str] = Counter()
    for n, (key, value) in enumerate(records):
        outcome = admit(
            value,
            key=key,
            origin=Origin.kafka("mix", 0, n),
            partner=None,
            register=register,
            now=now,
            settings=settings,
        )
        counts[outcome.outcome] += 1
    return counts
