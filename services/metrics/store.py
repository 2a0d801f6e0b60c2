"""The metrics service's SQL: the idempotent projection (schema ``metrics``) and the aggregate
queries the collector runs on scrape. Every write of a batch is one transaction of set-based
statements (unnest arrays), never a statement per event.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from caseflow.domain.dublin import ACCEPTED_STAGES, OPEN_STAGES
from services.metrics.families import (
    DUE_WITHIN_DAYS,
    FORECAST_WINDOW_DAYS,
    INSTRUMENT_MARKED,
    TRANSFER_DUE_WITHIN_DAYS,
    Aggregates,
    PenaltyRow,
)
from services.metrics.projection import Row, Tick

SCHEMA = "metrics"

#: Patchable case columns and their SQL types; the UPDATE below is generated from this list.
COLUMNS: dict[str, str] = {
    "cohort": "text",
    "kind": "text",
    "track": "integer",
    "lodged_on": "date",
    "phase": "text",
    "deadline": "date",
    "term_start": "date",
    "term_from_lodging": "boolean",
    "decided_on": "date",
    "outcome": "text",
    "timeliness": "text",
    "transfer_deadline": "date",
    "dublin_stage": "text",
    **{
        f"{p}_{c}": t
        for p in ("stat", "court")
        for c, t in (
            ("first_day", "date"),
            ("rates", "integer[]"),
            ("tier_days", "integer"),
            ("cap_eur", "integer"),
            ("capped_on", "date"),
            ("final_eur", "integer"),
        )
    },
}


def _value(column: str, sql_type: str) -> str:
    if sql_type == "integer[]":
        return f"ARRAY(SELECT jsonb_array_elements_text(p.doc->'{column}')::integer)"
    return f"(p.doc->>'{column}')::{sql_type}"


_SETS = [
    f"{c} = CASE WHEN p.doc ? '{c}' THEN {_value(c, t)} ELSE c.{c} END" for c, t in COLUMNS.items()
]

PATCH_SQL = f"""
UPDATE {SCHEMA}.cases AS c SET {", ".join(_SETS)}
FROM (SELECT unnest($1::text[]) AS case_id, unnest($2::jsonb[]) AS doc) AS p
WHERE c.case_id = p.case_id
"""

INSERT_EVENTS_SQL = f"""
INSERT INTO {SCHEMA}.events (event_id, topic, type, case_id, on_date, label, amount_eur)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[],
                     $7::integer[])
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""

CLOCK_SQL = f"""
INSERT INTO {SCHEMA}.clock (stage, partition, at, mode)
SELECT * FROM unnest($1::text[], $2::integer[], $3::timestamptz[], $4::text[])
ON CONFLICT (stage, partition) DO UPDATE SET at = EXCLUDED.at, mode = EXCLUDED.mode
WHERE EXCLUDED.at >= {SCHEMA}.clock.at
"""


class Tx:
    """The writes of one batch, inside one transaction."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert_events(self, rows: Sequence[Row]) -> set[str]:
        """Insert the rows not seen before; returns the ids that are new."""
        if not rows:
            return set()
        columns = list(zip(*[_row_tuple(r) for r in rows], strict=True))
        inserted = await self.conn.fetch(INSERT_EVENTS_SQL, *[list(c) for c in columns])
        return {r["event_id"] for r in inserted}

    async def patch_cases(self, patches: Mapping[str, Mapping[str, Any]]) -> None:
        if not patches:
            return
        ids = sorted(patches)  # a fixed lock order: concurrent workers cannot deadlock
        await self.conn.execute(
            f"INSERT INTO {SCHEMA}.cases (case_id) SELECT unnest($1::text[]) "
            "ON CONFLICT (case_id) DO NOTHING",
            ids,
        )
        await self.conn.execute(PATCH_SQL, ids, [json.dumps(patches[i]) for i in ids])

    async def set_clock(self, ticks: Iterable[Tick]) -> None:
        ticks = list(ticks)
        if ticks:
            await self.conn.execute(
                CLOCK_SQL,
                [t.stage for t in ticks],
                [t.partition for t in ticks],
                [t.at for t in ticks],
                [t.mode for t in ticks],
            )


def _row_tuple(r: Row) -> tuple[Any, ...]:
    return (r.event_id, r.topic, r.type, r.case_id, r.on_date, r.label, r.amount_eur)


class Projection:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield Tx(conn)

    async def clock(self) -> list[tuple[str, datetime, str]]:
        rows = await self.pool.fetch(f"SELECT stage, at, mode FROM {SCHEMA}.clock")
        return [(r["stage"], r["at"], r["mode"]) for r in rows]

    async def aggregates(self, today: date | None, cutoff: date) -> Aggregates:
        """The aggregates as of ``today`` (the pipeline day); date-bound ones need a day.
        ``cutoff``: the Taskforce's (the policy's cohort cut-off)."""
        agg = Aggregates()
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            agg.clock = [
                (r["stage"], r["at"], r["mode"])
                for r in await conn.fetch(f"SELECT stage, at, mode FROM {SCHEMA}.clock")
            ]
            agg.event_counts = [
                (r["topic"], r["type"], r["label"], r["n"], r["eur"])
                for r in await conn.fetch(
                    f"""SELECT topic, type, label, sum(n) AS n, sum(eur) AS eur FROM (
                            SELECT topic, type, label, count(*) AS n,
                                   coalesce(sum(amount_eur), 0) AS eur
                            FROM {SCHEMA}.events GROUP BY 1, 2, 3
                            UNION ALL
                            SELECT topic, type, label, n, amount_eur FROM {SCHEMA}.kept_counts
                        ) AS counted GROUP BY 1, 2, 3"""
                )
            ]
            agg.open_cases = [
                (r["cohort"], r["track"], r["phase"], r["n"])
                for r in await conn.fetch(
                    f"""SELECT coalesce(cohort, 'unknown') AS cohort,
                               coalesce(track::text, 'none') AS track,
                               CASE WHEN dublin_stage = ANY($1::text[]) THEN 'dublin'
                                    ELSE coalesce(phase, 'lodged') END AS phase,
                               count(*) AS n
                        FROM {SCHEMA}.cases
                        WHERE lodged_on IS NOT NULL AND decided_on IS NULL
                        GROUP BY 1, 2, 3""",
                    list(OPEN_STAGES),
                )
            ]
            agg.backlog = await _backlog(conn, cutoff, today)
            by_cohort = await _by_cohort(
                conn, ("decision.on_time", "decision.late", "deadline.breached")
            )
            agg.decisions = [
                (c, "late" if t == "decision.late" else "within", n)
                for c, t, _label, n in by_cohort
                if t != "deadline.breached"
            ]
            agg.late = [(c, str(label), n) for c, t, label, n in by_cohort if t == "decision.late"]
            agg.breaches = [(c, n) for c, t, _label, n in by_cohort if t == "deadline.breached"]
            agg.markings = [
                (r["label"], r["on"])
                for r in await conn.fetch(
                    f"""SELECT label, min(on_date) AS on FROM {SCHEMA}.events
                        WHERE type = $1 AND label IS NOT NULL AND on_date IS NOT NULL
                        GROUP BY 1""",
                    INSTRUMENT_MARKED,
                )
            ]
            agg.penalties = await _penalties(conn)
            agg.claims = [
                (r["dublin_stage"], r["n"])
                for r in await conn.fetch(
                    f"""SELECT dublin_stage, count(*) AS n FROM {SCHEMA}.cases
                        WHERE dublin_stage = ANY($1::text[]) GROUP BY 1""",
                    list(OPEN_STAGES),
                )
            ]
            if today is not None:
                await _dated(conn, agg, today)
        return agg


async def _dated(conn: asyncpg.Connection, agg: Aggregates, today: date) -> None:
    open_with_term = (
        f"FROM {SCHEMA}.cases WHERE lodged_on IS NOT NULL AND decided_on IS NULL"
        " AND deadline IS NOT NULL"
    )
    buckets = ", ".join(
        f"count(*) FILTER (WHERE deadline - $1::date BETWEEN 0 AND {d}) AS d{d}"
        for d in DUE_WITHIN_DAYS
    )
    rows = await conn.fetch(
        f"SELECT coalesce(cohort, 'unknown') AS cohort, {buckets}, "
        f"count(*) FILTER (WHERE deadline < $1::date) AS overdue {open_with_term} GROUP BY 1",
        today,
    )
    agg.due = [(r["cohort"], d, r[f"d{d}"]) for r in rows for d in DUE_WITHIN_DAYS]
    agg.overdue = [(r["cohort"], r["overdue"]) for r in rows]
    agg.deadlines_after = [
        r["deadline"]
        for r in await conn.fetch(
            f"SELECT deadline {open_with_term} AND deadline >= $1::date", today
        )
    ]
    transfers = await conn.fetchrow(
        f"""SELECT {
            ", ".join(
                f"count(*) FILTER (WHERE transfer_deadline - $1::date BETWEEN 0 AND {d}) AS d{d}"
                for d in TRANSFER_DUE_WITHIN_DAYS
            )
        }
            FROM {SCHEMA}.cases WHERE dublin_stage = ANY($2::text[])""",
        today,
        list(ACCEPTED_STAGES),
    )
    agg.transfers_due = [(d, transfers[f"d{d}"]) for d in TRANSFER_DUE_WITHIN_DAYS]


async def _by_cohort(
    conn: asyncpg.Connection, types: Sequence[str]
) -> list[tuple[str, str, str | None, int]]:
    """(cohort, type, label, events) of the given types: the cohort of the event's case, or the
    one kept with the counts of an erased case."""
    rows = await conn.fetch(
        f"""SELECT cohort, type, label, sum(n) AS n FROM (
                SELECT coalesce(c.cohort, 'unknown') AS cohort, e.type, e.label, count(*) AS n
                FROM {SCHEMA}.events e LEFT JOIN {SCHEMA}.cases c USING (case_id)
                WHERE e.type = ANY($1::text[]) GROUP BY 1, 2, 3
                UNION ALL
                SELECT coalesce(cohort, 'unknown'), type, label, n FROM {SCHEMA}.kept_counts
                WHERE type = ANY($1::text[])
            ) AS counted GROUP BY 1, 2, 3""",
        list(types),
    )
    return [(r["cohort"], r["type"], r["label"], r["n"]) for r in rows]


async def _backlog(
    conn: asyncpg.Connection, cutoff: date, today: date | None
) -> list[tuple[date, date | None, date | None, bool, int]]:
    """The Taskforce predicate's inputs of every case lodged before the cut-off, grouped: the
    term runs from ``term_start``, or from the lodging when a term.changed started it there."""
    rows = await conn.fetch(
        f"""SELECT lodged_on,
                   CASE WHEN term_from_lodging THEN lodged_on ELSE term_start END AS term_start,
                   decided_on,
                   coalesce(decided_on > $2::date - {FORECAST_WINDOW_DAYS}
                            AND decided_on <= $2::date, false) AS recent,
                   count(*) AS n
            FROM {SCHEMA}.cases WHERE lodged_on < $1::date GROUP BY 1, 2, 3, 4""",
        cutoff,
        today,
    )
    return [(r["lodged_on"], r["term_start"], r["decided_on"], r["recent"], r["n"]) for r in rows]


async def _penalties(conn: asyncpg.Connection) -> dict[str, list[PenaltyRow]]:
    found: dict[str, list[PenaltyRow]] = {}
    for kind, p in (("statutory", "stat"), ("court", "court")):
        rows = await conn.fetch(
            f"""SELECT decided_on, {p}_first_day AS first_day, {p}_rates AS rates,
                       {p}_tier_days AS tier_days, {p}_cap_eur AS cap_eur, {p}_final_eur AS final
                FROM {SCHEMA}.cases WHERE {p}_first_day IS NOT NULL"""
        )
        found[kind] = [
            PenaltyRow(
                r["decided_on"],
                r["first_day"],
                tuple(r["rates"] or ()),
                r["tier_days"] or 0,
                r["cap_eur"] or 0,
                r["final"],
            )
            for r in rows
        ]
    return found


KEEP_COUNTS_SQL = f"""
INSERT INTO {SCHEMA}.kept_counts (topic, type, label, cohort, n, amount_eur)
SELECT e.topic, e.type, e.label, c.cohort, count(*), coalesce(sum(e.amount_eur), 0)
FROM {SCHEMA}.events e LEFT JOIN {SCHEMA}.cases c USING (case_id)
WHERE e.case_id = $1 GROUP BY 1, 2, 3, 4
"""


async def erase(conn: asyncpg.Connection, case_id: str) -> dict[str, int]:
    """Remove one case from the metrics projection (erasure on request): its row and every event
    counted for it. What those events counted stays in ``kept_counts`` — grouped by topic, type,
    label and the case's cohort, with no case id and no event id — so the durable counters never
    step down. Call inside the caller's transaction; returns the rows removed per table,
    idempotent (a second call finds nothing to remove or keep)."""
    await conn.execute(KEEP_COUNTS_SQL, case_id)
    removed = {}
    for table in ("events", "cases"):
        status = await conn.execute(f"DELETE FROM {SCHEMA}.{table} WHERE case_id = $1", case_id)
        removed[f"{SCHEMA}.{table}"] = int(status.rsplit(" ", 1)[-1])
    return removed
