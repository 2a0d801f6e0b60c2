"""The ledger contract, run against the in-memory ledger and PostgreSQL alike.

Each case goes through the real batch procedure (pipeline.Intake) with a sink that only
collects what would be published, so what is proved is what the service relies on.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime

import asyncpg
import pytest

from caseflow.runtime.clock import ControlledClock
from caseflow.runtime.kafka import Outgoing
from caseflow.runtime.settings import load_settings
from services.intake.admission import Origin
from services.intake.ledger import Ledger
from services.intake.memory import MemoryLedger
from services.intake.pipeline import Intake, Item
from services.intake.store import PostgresLedger, migrate_schema
from tests.unit.intake.factory import CASE, raw

NOW = datetime(2020, 6, 1, tzinfo=UTC)
TOPIC = "partner.events"


class Collect:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def publish(self, records: Iterable[Outgoing]) -> None:
        self.sent.extend(records)


@pytest.fixture(params=["memory", "postgres"])
async def ledger(request: pytest.FixtureRequest, dsn: str) -> AsyncIterator[Ledger]:
    if request.param == "memory":
        yield MemoryLedger()
        return
    schema = f"intake_c{uuid.uuid4().hex[:10]}"
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        await migrate_schema(conn, schema)
    try:
        yield PostgresLedger(pool, schema)
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()


def intake(ledger: Ledger, sink: Collect | None = None) -> Intake:
    return Intake(ledger, sink or Collect(), settings=load_settings(), clock=ControlledClock(NOW))


def kafka(offset: int, record: bytes, partition: int = 0) -> Item:
    return Item(record, CASE.encode(), Origin.kafka(TOPIC, partition, offset))


def http(record: bytes, partner: str = "ind") -> Item:
    return Item(record, None, Origin.http(), partner)


def outcomes(results: Iterable[object]) -> list[str | None]:
    return [getattr(r, "outcome", None) for r in results]


async def test_an_accepted_event_is_known_to_the_next_batch(ledger: Ledger) -> None:
    worker = intake(ledger)
    first = await worker.process([kafka(0, raw("application.lodged", id="e1"))])
    assert outcomes(first) == ["accepted"]
    view = await ledger.view({"e1", "e2"}, {CASE, "case-none"}, set())
    assert view.register.known("e1") and not view.register.known("e2")
    case = view.register.case(CASE)
    assert case is not None and case.cohort == "regular" and case.track == 4
    assert view.register.case("case-none") is None


async def test_kafka_and_http_deduplicate_against_each_other(ledger: Ledger) -> None:
    sink = Collect()
    worker = intake(ledger, sink)
    lodged = raw("application.lodged", id="e1")
    assert outcomes(await worker.process([kafka(0, lodged)])) == ["accepted"]
    assert outcomes(await worker.process([http(lodged)])) == ["duplicate"]
    assert [r.topic for r in sink.sent] == ["case.events"]


async def test_a_redelivered_batch_is_neither_counted_nor_sent_twice(ledger: Ledger) -> None:
    sink = Collect()
    worker = intake(ledger, sink)
    batch = [
        kafka(0, raw("application.lodged", id="e1")),
        kafka(1, b"{broken"),
        kafka(2, raw("hearing.held", id="e2")),
    ]
    assert outcomes(await worker.process(batch)) == ["accepted", "rejected", "accepted"]
    # The worker died after the transaction, before committing offsets: Kafka redelivers.
    assert outcomes(await worker.process(batch)) == [None, None, None]
    assert len(sink.sent) == 3
    totals = await ledger.totals()
    assert totals.by_outcome() == {"accepted": 2, "duplicate": 0, "rejected": 1}
    assert totals.received == 3


async def test_a_stale_view_cannot_log_an_id_twice(ledger: Ledger) -> None:
    """Two workers judged the same id at once (HTTP on one, Kafka on another)."""
    lodged = raw("application.lodged", id="e1")
    one, two = intake(ledger), intake(ledger)
    view_one = await ledger.view({"e1"}, {CASE}, set())
    view_two = await ledger.view({"e1"}, {CASE}, set())
    assert not view_one.register.known("e1") and not view_two.register.known("e1")
    assert outcomes(await one.process([http(lodged)])) == ["accepted"]
    # The second worker's view is re-read per batch, so model its stale judgement directly:
    from services.intake.admission import admit
    from services.intake.ledger import Settled

    stale = admit(
        lodged,
        key=None,
        origin=Origin.http(),
        partner="ind",
        register=view_two.register,
        now=NOW,
        settings=load_settings(),
    )
    assert stale.outcome == "accepted"
    final = await ledger.record(Settled([stale], list(view_two.register.changed.values()), NOW))
    assert outcomes(final) == ["duplicate"]
    assert (await ledger.totals()).by_outcome() == {"accepted": 1, "duplicate": 1, "rejected": 0}
    assert outcomes(await two.process([http(lodged)])) == ["duplicate"]


async def test_the_first_lodging_stays_and_the_latest_event_is_last(ledger: Ledger) -> None:
    worker = intake(ledger)
    await worker.process(
        [
            kafka(0, raw("application.lodged", id="e1", time="2020-03-02T10:00:00+01:00")),
            kafka(1, raw("hearing.held", id="e2", time="2020-05-01T10:00:00+02:00")),
        ]
    )
    # An older event arrives late: it is accepted but is not the case's last event.
    late = raw("track.assigned", id="e3", time="2020-04-01T10:00:00+02:00")
    assert outcomes(await worker.process([kafka(2, late)])) == ["accepted"]
    case = (await ledger.view(set(), {CASE}, set())).register.case(CASE)
    assert case is not None
    assert (case.cohort, case.track, case.last_event_id) == ("taskforce", 2, "e2")
    assert str(case.lodged_on) == "2020-03-02"


async def test_totals_are_per_origin_partner_outcome_and_reason(ledger: Ledger) -> None:
    worker = intake(ledger)
    await worker.process(
        [
            kafka(0, raw("application.lodged", id="e1")),
            kafka(1, raw("application.lodged", id="e1")),
            kafka(2, raw("hearing.held", id="e2", subject="case-x"), partition=1),
            kafka(3, raw("application.lodged", id="e4", source="police")),
        ]
    )
    totals = await ledger.totals()
    assert totals.events == {
        ("kafka", "ind", "accepted", ""): 1,
        ("kafka", "ind", "duplicate", ""): 1,
        ("kafka", "ind", "rejected", "key_mismatch"): 1,
        ("kafka", "police", "rejected", "source_not_allowed"): 1,
    }
    assert totals.by_reason() == {"key_mismatch": 1, "source_not_allowed": 1}
