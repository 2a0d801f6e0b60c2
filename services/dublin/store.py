"""The Dublin service's read queries over its own schema: the pipeline day, open claims by
transfer deadline, and the figures of its metrics. The writes are the shared `FoldStore`'s.
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from caseflow.domain.dublin import ACCEPTED_STAGES, OPEN_STAGES
from caseflow.events.envelope import legal_date_of
from services.dublin.views import (
    EXPIRING_WINDOWS,
    Figures,
    OpenClaim,
    member_state_label,
)


class DublinReader:
    def __init__(self, pool: asyncpg.Pool, schema: str = "dublin") -> None:
        self.pool = pool
        self.schema = schema

    async def pipeline_day(self, conn: asyncpg.Connection | None = None) -> date | None:
        """The day every partition has reached: the earliest partition clock, as a legal date."""
        query = f"SELECT min(at) FROM {self.schema}.clock"
        if conn is None:
            async with self.pool.acquire() as own:
                at = await own.fetchval(query)
        else:
            at = await conn.fetchval(query)
        return legal_date_of(at) if at is not None else None

    async def open_claims(self, first: date, last: date) -> list[OpenClaim]:
        """Accepted, not transferred, transfer deadline in [first, last]; soonest first."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"""SELECT case_id, member_state, stage, transfer_deadline
                    FROM {self.schema}.cases
                    WHERE stage = ANY($1::text[]) AND transfer_deadline BETWEEN $2 AND $3
                    ORDER BY transfer_deadline, case_id""",
                list(ACCEPTED_STAGES),
                first,
                last,
            )
        return [
            OpenClaim(r["case_id"], r["member_state"], r["stage"], r["transfer_deadline"])
            for r in rows
        ]

    async def figures(self) -> Figures:
        """Everything the metrics export, in one read-only transaction (one consistent view)."""
        s = self.schema
        async with self.pool.acquire() as conn, conn.transaction(readonly=True):
            as_of = await self.pipeline_day(conn)
            figures = Figures(as_of=as_of)
            for r in await conn.fetch(
                f"""SELECT stage, member_state, count(*) AS n FROM {s}.cases
                    WHERE stage = ANY($1::text[]) GROUP BY stage, member_state""",
                list(OPEN_STAGES),
            ):
                stage, n = r["stage"], r["n"]
                figures.open_by_stage[stage] = figures.open_by_stage.get(stage, 0) + n
                if r["member_state"] is not None:
                    label = member_state_label(r["member_state"])
                    figures.open_by_member_state[label] = (
                        figures.open_by_member_state.get(label, 0) + n
                    )
            completed = await conn.fetchval(
                f"SELECT count(*) FROM {s}.cases WHERE transferred_on IS NOT NULL"
            )
            figures.transfers[("completed", "")] = completed
            for r in await conn.fetch(
                f"""SELECT reason, count(*) AS n FROM {s}.cases, unnest(failure_reasons) AS reason
                    GROUP BY reason"""
            ):
                figures.transfers[("failed", r["reason"])] = r["n"]
            for r in await conn.fetch(
                f"""SELECT side_inflow_reason AS reason, count(*) AS n FROM {s}.cases
                    WHERE side_inflow_reason IS NOT NULL GROUP BY side_inflow_reason"""
            ):
                figures.side_inflow[r["reason"]] = r["n"]
            if as_of is not None:
                for days in EXPIRING_WINDOWS:
                    figures.expiring[days] = await conn.fetchval(
                        f"""SELECT count(*) FROM {s}.cases WHERE stage = ANY($1::text[])
                            AND transfer_deadline BETWEEN $2 AND $3""",
                        list(ACCEPTED_STAGES),
                        as_of,
                        as_of + timedelta(days=days),
                    )
        return figures


async def erase(conn: asyncpg.Connection, case_id: str, schema: str = "dublin") -> dict[str, int]:
    """Remove one case from the Dublin schema (erasure on request): its state and projection row
    (member state, transfer dates, failure reasons), its timeline and its rejected facts. Call
    inside the caller's transaction; returns the rows removed per table, idempotent."""
    removed = {}
    for table in ("cases", "history", "rejections"):
        status = await conn.execute(f"DELETE FROM {schema}.{table} WHERE case_id = $1", case_id)
        removed[f"{schema}.{table}"] = int(status.rsplit(" ", 1)[-1])
    return removed
