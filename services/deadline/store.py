"""The deadline service's own SQL over its schema: worklist pages and the metric aggregates.

Every query joins the pipeline clock of the case's partition, so "today" is the pipeline day the
case's worker has reached, exactly what the case object is computed as of.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import asyncpg

from caseflow.domain import TermState
from caseflow.runtime import snapshot

SCHEMA = "deadline"
#: The pipeline day of a partition: its clock as a legal date (Europe/Amsterdam).
_TODAY = "(cl.at AT TIME ZONE 'Europe/Amsterdam')::date"


@dataclass(frozen=True, slots=True)
class Candidate:
    case_id: str
    deadline: date
    today: date
    state: TermState


def _state(raw: str) -> TermState:
    return snapshot.load(TermState, json.loads(raw))


async def worklist_page(
    pool: asyncpg.Pool,
    *,
    within_days: int,
    cohort: str | None,
    track: int | None,
    after: tuple[date, str] | None,
    size: int,
) -> list[Candidate]:
    """Open cases whose stored deadline is within the window, in (deadline, case id) order,
    after the keyset ``after``. The stored deadline is a lower bound, so this is a superset."""
    after_deadline, after_id = after if after is not None else (date.min, "")
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f"""SELECT k.case_id, k.deadline, k.state, {_TODAY} AS today
                FROM {SCHEMA}.cases k JOIN {SCHEMA}.clock cl USING (kafka_partition)
                WHERE k.status = 'open' AND k.deadline IS NOT NULL AND k.state IS NOT NULL
                  AND k.deadline <= {_TODAY} + $1::int
                  AND ($2::text IS NULL OR k.cohort = $2)
                  AND ($3::int IS NULL OR k.track = $3)
                  AND (k.deadline, k.case_id) > ($4::date, $5::text)
                ORDER BY k.deadline, k.case_id
                LIMIT $6""",
            within_days,
            cohort,
            track,
            after_deadline,
            after_id,
            size,
        )
    return [Candidate(r["case_id"], r["deadline"], r["today"], _state(r["state"])) for r in rows]


async def open_by_state(pool: asyncpg.Pool, warning_days: int) -> list[tuple[str, str, str, int]]:
    """(cohort, track, state, count) of open cases with a running term: breached when the
    pipeline day is past the deadline, warning within ``warning_days`` of it, else within."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f"""SELECT k.cohort, coalesce(k.track::text, 'none') AS track,
                       CASE WHEN k.deadline < {_TODAY} THEN 'breached'
                            WHEN k.deadline - {_TODAY} <= $1 THEN 'warning'
                            ELSE 'within' END AS state,
                       count(*) AS n
                FROM {SCHEMA}.cases k JOIN {SCHEMA}.clock cl USING (kafka_partition)
                WHERE k.status = 'open' AND k.deadline IS NOT NULL
                GROUP BY 1, 2, 3""",
            warning_days,
        )
    return [(r["cohort"], r["track"], r["state"], r["n"]) for r in rows]


async def by_bucket(pool: asyncpg.Pool) -> list[tuple[str, str, int]]:
    """(cohort, bucket, count) of open cases by days to their deadline."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f"""SELECT cohort, bucket, count(*) AS n FROM (
                    SELECT k.cohort,
                           CASE WHEN k.deadline < {_TODAY} THEN 'past'
                                WHEN k.deadline - {_TODAY} <= 7 THEN 'le7'
                                WHEN k.deadline - {_TODAY} <= 14 THEN 'le14'
                                WHEN k.deadline - {_TODAY} <= 28 THEN 'le28'
                                WHEN k.deadline - {_TODAY} <= 56 THEN 'le56'
                                ELSE 'later' END AS bucket
                    FROM {SCHEMA}.cases k JOIN {SCHEMA}.clock cl USING (kafka_partition)
                    WHERE k.status = 'open' AND k.deadline IS NOT NULL) b
                GROUP BY 1, 2"""
        )
    return [(r["cohort"], r["bucket"], r["n"]) for r in rows]


async def by_status(pool: asyncpg.Pool) -> list[tuple[str, int]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT status, count(*) AS n FROM {SCHEMA}.cases WHERE status IS NOT NULL GROUP BY 1"
        )
    return [(r["status"], r["n"]) for r in rows]


async def penalised(pool: asyncpg.Pool) -> list[tuple[TermState, date]]:
    """States of the cases with a penalty running by their pipeline day, with that day."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f"""SELECT k.state, {_TODAY} AS today
                FROM {SCHEMA}.cases k JOIN {SCHEMA}.clock cl USING (kafka_partition)
                WHERE k.penalty_from IS NOT NULL AND k.penalty_from <= {_TODAY}
                  AND k.state IS NOT NULL"""
        )
    return [(_state(r["state"]), r["today"]) for r in rows]


async def erase(conn: asyncpg.Connection, case_id: str) -> dict[str, int]:
    """Remove one case from the deadline schema (erasure on request): its state and projection
    row, its timeline and its rejected facts. Call inside the caller's transaction; returns the
    rows removed per table, and a second call removes nothing."""
    removed = {}
    for table in ("cases", "history", "rejections"):
        status = await conn.execute(f"DELETE FROM {SCHEMA}.{table} WHERE case_id = $1", case_id)
        removed[f"{SCHEMA}.{table}"] = int(status.rsplit(" ", 1)[-1])
    return removed
