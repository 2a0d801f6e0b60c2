"""PostgreSQL persistence of a fold per case: state snapshots, pending facts, wake-up days and
the pipeline clock per partition. The deadline and Dublin services each keep these tables in
their own schema (see their 001 migrations) and add their own projection columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from caseflow.domain import FACT_TYPES, Fact, Policy
from caseflow.pipeline.timeline import Fold, wake_on
from caseflow.runtime import snapshot


@dataclass(slots=True)
class CaseRow:
    case_id: str
    partition: int
    state: Any
    pending: list[Fact]
    #: The pipeline day the state was advanced to (None before the partition's first tick).
    as_of: date | None = None
    #: The next day the case needs attention, when the caller already knows it (computing it
    #: right after advancing reuses the timers the fold just computed for the same state).
    wake: date | None = None
    known_wake: bool = False


def dump_fact(fact: Fact) -> dict[str, Any]:
    return {"type": fact.TYPE, **snapshot.dump(fact)}


def load_fact(data: Mapping[str, Any]) -> Fact:
    body = dict(data)
    return snapshot.load(FACT_TYPES[body.pop("type")], body)


class FoldStore:
    """The fold's tables in one schema. ``projection`` adds service-specific columns."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        fold: Fold[Any],
        policy: Policy,
        projection: Callable[[Any, Policy, date | None], dict[str, Any]] | None = None,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.fold = fold
        self.policy = policy
        self.projection = projection

    def _row(self, record: Mapping[str, Any]) -> CaseRow:
        state = record["state"]
        return CaseRow(
            record["case_id"],
            record["kafka_partition"],
            snapshot.load(self.fold.state_type, json.loads(state)) if state else None,
            [load_fact(f) for f in json.loads(record["pending"])],
        )

    async def load(self, case_ids: Sequence[str], due: Mapping[int, date]) -> dict[str, CaseRow]:
        """The rows of these cases, and of every case in a ticked partition due by its day."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"""SELECT case_id, kafka_partition, state, pending FROM {self.schema}.cases
                    WHERE case_id = ANY($1::text[])
                    UNION
                    SELECT c.case_id, c.kafka_partition, c.state, c.pending
                    FROM {self.schema}.cases c
                    JOIN unnest($2::int[], $3::date[]) AS d(kafka_partition, today)
                      ON c.kafka_partition = d.kafka_partition AND c.wake_on <= d.today""",
                list(case_ids),
                list(due),
                list(due.values()),
            )
        return {r["case_id"]: self._row(r) for r in rows}

    async def due(self, due: Mapping[int, date]) -> list[str]:
        """Ids of the cases in these partitions due by each partition's day, earliest first."""
        if not due:
            return []
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"""SELECT c.case_id FROM {self.schema}.cases c
                    JOIN unnest($1::int[], $2::date[]) AS d(kafka_partition, today)
                      ON c.kafka_partition = d.kafka_partition AND c.wake_on <= d.today
                    ORDER BY c.wake_on, c.case_id""",
                list(due),
                list(due.values()),
            )
        return [r["case_id"] for r in rows]

    async def case(self, case_id: str) -> CaseRow | None:
        async with self.pool.acquire() as conn:
            record = await conn.fetchrow(
                f"SELECT case_id, kafka_partition, state, pending FROM {self.schema}.cases "
                "WHERE case_id = $1",
                case_id,
            )
        return self._row(record) if record is not None else None

    async def timeline(self, case_id: str) -> list[dict[str, Any]]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"""SELECT event_id, event_type, on_date, origin FROM {self.schema}.history
                    WHERE case_id = $1 ORDER BY on_date, recorded_at, event_id""",
                case_id,
            )
        return [
            {
                "id": r["event_id"],
                "type": r["event_type"],
                "on": r["on_date"].isoformat(),
                "origin": r["origin"],
            }
            for r in rows
        ]

    async def states(self) -> list[Any]:
        """Every case's state (for figures over the whole stock), read in one pass."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT state FROM {self.schema}.cases WHERE state IS NOT NULL"
            )
        return [snapshot.load(self.fold.state_type, json.loads(r["state"])) for r in rows]

    async def clocks(self) -> dict[int, datetime]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(f"SELECT kafka_partition, at FROM {self.schema}.clock")
        return {r["kafka_partition"]: r["at"] for r in rows}

    async def save(
        self,
        rows: Iterable[CaseRow],
        clocks: Mapping[int, datetime],
        rejections: Iterable[tuple[Fact, str, str]] = (),
        history: Iterable[tuple[str, str, str, date, str]] = (),
    ) -> None:
        """Upsert the changed cases, the partitions' clocks, the rejections and the timeline
        entries (event id, case id, type, date, origin) in one transaction."""
        records = []
        extra_columns: list[str] = []
        for row in rows:
            state = snapshot.dump(row.state) if row.state is not None else None
            extra = self.projection(row.state, self.policy, row.as_of) if self.projection else {}
            extra_columns = extra_columns or list(extra)
            records.append(
                (
                    row.case_id,
                    row.partition,
                    json.dumps(state) if state is not None else None,
                    json.dumps([dump_fact(f) for f in row.pending]),
                    row.wake
                    if row.known_wake
                    else wake_on(self.fold, row.state, row.pending, self.policy),
                    *[extra[c] for c in extra_columns],
                )
            )
        columns = ["case_id", "kafka_partition", "state", "pending", "wake_on", *extra_columns]
        placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
        async with self.pool.acquire() as conn, conn.transaction():
            if records:
                await conn.executemany(
                    f"""INSERT INTO {self.schema}.cases ({", ".join(columns)})
                        VALUES ({placeholders})
                        ON CONFLICT (case_id) DO UPDATE SET {updates}, updated_at = now()""",
                    records,
                )
            if clocks:
                await conn.executemany(
                    f"""INSERT INTO {self.schema}.clock (kafka_partition, at) VALUES ($1, $2)
                        ON CONFLICT (kafka_partition) DO UPDATE
                        SET at = GREATEST({self.schema}.clock.at, EXCLUDED.at)""",
                    list(clocks.items()),
                )
            rejected = [
                (f.event_id, f.case_id, f.TYPE, reason, detail, f.on)
                for f, reason, detail in rejections
            ]
            if rejected:
                await conn.executemany(
                    f"""INSERT INTO {self.schema}.rejections
                        (event_id, case_id, event_type, reason, detail, on_date)
                        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING""",
                    rejected,
                )
            entries = list(history)
            if entries:
                await conn.executemany(
                    f"""INSERT INTO {self.schema}.history
                        (event_id, case_id, event_type, on_date, origin)
                        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING""",
                    entries,
                )
