"""The ledger in PostgreSQL (schema ``intake``): one SELECT to judge a batch, one transaction
to record it (log, case register, accounting, source offsets). No per-event round trips.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path

import asyncpg

from caseflow.runtime.db import migrate
from services.intake.admission import Accepted, CaseState, MemoryRegister, Outcome
from services.intake.ledger import (
    Partition,
    Settled,
    Totals,
    View,
    counted_before,
    demoted,
    next_positions,
    tally,
)

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA = "intake"
_SCHEMA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


async def migrate_schema(conn: asyncpg.Connection, schema: str = SCHEMA) -> list[int]:
    return await migrate(conn, schema, MIGRATIONS)


class PostgresLedger:
    """The ledger contract over an asyncpg pool. ``schema`` is fixed in production; tests use
    a schema of their own so their counts start from zero.
    """

    def __init__(self, pool: asyncpg.Pool, schema: str = SCHEMA) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"bad schema name {schema!r}")
        self.pool = pool
        s = schema
        self._view_sql = f"""
            SELECT
              ARRAY(SELECT event_id FROM {s}.event_log WHERE event_id = ANY($1::text[])),
              ARRAY(SELECT ROW(case_id, last_event_id, last_event_time, lodged_on, cohort, track)
                    FROM {s}.case_register WHERE case_id = ANY($2::text[])),
              ARRAY(SELECT ROW(o.topic, o.partition, o.next_offset)
                    FROM {s}.source_offsets o
                    JOIN unnest($3::text[], $4::integer[]) AS w(topic, partition)
                      USING (topic, partition))"""
        self._claim_sql = f"""
            INSERT INTO {s}.source_offsets (topic, partition, next_offset)
            SELECT topic, partition, 0 FROM unnest($1::text[], $2::integer[]) AS w(topic, partition)
            ON CONFLICT DO NOTHING"""
        # Row locks on the batch's partitions: a worker that lost them in a rebalance and is
        # still finishing the same records waits here, then sees they were counted.
        self._lock_sql = f"""
            SELECT o.topic, o.partition, o.next_offset FROM {s}.source_offsets o
            JOIN unnest($1::text[], $2::integer[]) AS w(topic, partition) USING (topic, partition)
            ORDER BY o.topic, o.partition FOR UPDATE OF o"""
        self._log_sql = f"""
            INSERT INTO {s}.event_log (event_id, case_id, event_type, partner, origin,
                source_topic, source_partition, source_offset, event_time, received_at, payload)
            SELECT e.id, e.case_id, e.type, e.partner, e.origin, e.topic, e.partition, e.offs,
                   e.time, $11, e.payload::jsonb
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                        $7::integer[], $8::bigint[], $9::timestamptz[], $10::text[])
                 AS e(id, case_id, type, partner, origin, topic, partition, offs, time, payload)
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id"""
        self._cases_sql = f"""
            INSERT INTO {s}.case_register AS r
                (case_id, last_event_id, last_event_time, lodged_on, cohort, track)
            SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::date[],
                                 $5::text[], $6::smallint[])
            ON CONFLICT (case_id) DO UPDATE SET
              lodged_on = COALESCE(r.lodged_on, EXCLUDED.lodged_on),
              cohort = CASE WHEN r.lodged_on IS NULL THEN EXCLUDED.cohort ELSE r.cohort END,
              track = COALESCE(EXCLUDED.track, r.track),
              last_event_id = CASE WHEN EXCLUDED.last_event_time >= r.last_event_time
                                   THEN EXCLUDED.last_event_id ELSE r.last_event_id END,
              last_event_time = GREATEST(r.last_event_time, EXCLUDED.last_event_time)"""
        self._count_sql = f"""
            INSERT INTO {s}.accounting AS a (origin, partner, outcome, reason, events)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
            ON CONFLICT (origin, partner, outcome, reason)
            DO UPDATE SET events = a.events + EXCLUDED.events"""
        self._advance_sql = f"""
            UPDATE {s}.source_offsets o SET next_offset = GREATEST(o.next_offset, w.next_offset)
            FROM unnest($1::text[], $2::integer[], $3::bigint[]) AS w(topic, partition, next_offset)
            WHERE o.topic = w.topic AND o.partition = w.partition"""
        self._totals_sql = f"SELECT origin, partner, outcome, reason, events FROM {s}.accounting"

    async def view(
        self,
        event_ids: Collection[str],
        case_ids: Collection[str],
        partitions: Collection[Partition],
    ) -> View:
        topics, numbers = _columns(partitions)
        row = await self.pool.fetchrow(
            self._view_sql, list(event_ids), list(case_ids), topics, numbers
        )
        assert row is not None
        known, cases, positions = row
        register = MemoryRegister(known, (CaseState(*c) for c in cases))
        return View(register, {(t, p): n for t, p, n in positions})

    async def record(self, batch: Settled) -> list[Outcome | None]:
        partitions = sorted(next_positions(batch.outcomes).items())
        topics, numbers = _columns(tp for tp, _ in partitions)
        async with self.pool.acquire() as conn, conn.transaction():
            positions: dict[Partition, int] = {}
            if partitions:
                await conn.execute(self._claim_sql, topics, numbers)
                rows = await conn.fetch(self._lock_sql, topics, numbers)
                positions = {(r[0], r[1]): r[2] for r in rows}
            fresh = [None if counted_before(o, positions) else o for o in batch.outcomes]
            logged_now = await self._log(conn, [o for o in fresh if o is not None], batch)
            await self._cases(conn, batch.cases)
            final = [None if o is None else demoted(o, logged_now) for o in fresh]
            counts = sorted(tally(o for o in final if o is not None).items())
            if counts:
                await conn.execute(
                    self._count_sql,
                    *(list(col) for col in zip(*(k for k, _ in counts), strict=True)),
                    [n for _, n in counts],
                )
            if partitions:
                await conn.execute(self._advance_sql, topics, numbers, [n for _, n in partitions])
        return final

    async def totals(self) -> Totals:
        rows = await self.pool.fetch(self._totals_sql)
        return Totals({(r[0], r[1], r[2], r[3]): r[4] for r in rows})

    async def _log(
        self, conn: asyncpg.Connection, outcomes: list[Outcome], batch: Settled
    ) -> set[str]:
        accepted = sorted(
            (o for o in outcomes if isinstance(o, Accepted)), key=lambda o: o.event_id
        )
        if not accepted:
            return set()
        rows = await conn.fetch(
            self._log_sql,
            [a.event_id for a in accepted],
            [a.case_id for a in accepted],
            [a.event_type for a in accepted],
            [a.partner for a in accepted],
            [a.origin.kind for a in accepted],
            [a.origin.topic for a in accepted],
            [a.origin.partition for a in accepted],
            [a.origin.offset for a in accepted],
            [a.envelope.time for a in accepted],
            [a.value.decode() for a in accepted],
            batch.received_at,
        )
        return {r[0] for r in rows}

    async def _cases(self, conn: asyncpg.Connection, cases: Collection[CaseState]) -> None:
        if not cases:
            return
        ordered = sorted(cases, key=lambda c: c.case_id)
        await conn.execute(
            self._cases_sql,
            [c.case_id for c in ordered],
            [c.last_event_id for c in ordered],
            [c.last_event_time for c in ordered],
            [c.lodged_on for c in ordered],
            [c.cohort for c in ordered],
            [c.track for c in ordered],
        )


async def erase(conn: asyncpg.Connection, case_id: str, schema: str = SCHEMA) -> dict[str, int]:
    """Remove one case from intake's tables (erasure on request): its accepted events with their
    payloads, and its register row. Call inside the caller's transaction. The accounting keeps
    its counts (no case id in it) and the source offsets stay, so nothing is counted again.
    Returns the rows removed per table; a second call removes nothing."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    return {
        f"{schema}.{table}": _deleted(
            await conn.execute(f"DELETE FROM {schema}.{table} WHERE case_id = $1", case_id)
        )
        for table in ("event_log", "case_register")
    }


async def accepted_events(conn: asyncpg.Connection, schema: str = SCHEMA) -> list[bytes]:
    """Every accepted partner event as intake republished it, in order of its time: the facts
    of the live pipeline, for a replay of them (`caseflow report`)."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    rows = await conn.fetch(
        f"SELECT payload::text FROM {schema}.event_log ORDER BY event_time, event_id"
    )
    return [r[0].encode() for r in rows]


def _deleted(status: str) -> int:
    """The row count of a ``DELETE n`` command status."""
    return int(status.rsplit(" ", 1)[-1])


def _columns(partitions: Iterable[Partition]) -> tuple[list[str], list[int]]:
    pairs = list(partitions)
    return [t for t, _ in pairs], [p for _, p in pairs]
