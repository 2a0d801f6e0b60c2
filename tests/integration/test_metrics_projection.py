"""The metrics projection in PostgreSQL: redelivered or re-batched records change nothing, and
the figures a scrape computes are those of the events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import asyncpg
import pytest

from caseflow.ops.registry import schemas
from caseflow.runtime.db import create_pool, migrate
from services.metrics.families import figures
from services.metrics.projection import on_batch
from services.metrics.store import SCHEMA, Projection, erase
from tests.unit.metrics.records import dead_letter, event, tick

pytestmark = pytest.mark.infra
CUTOFF = date(2020, 4, 1)
GOAL = date(2021, 7, 1)
D = date.fromisoformat


@pytest.fixture
async def projection(dsn: str) -> AsyncIterator[Projection]:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        await migrate(conn, SCHEMA, schemas()["metrics"])
    finally:
        await conn.close()
    pool = await create_pool(dsn)
    try:
        yield Projection(pool)
    finally:
        await pool.close()


def stream() -> list[object]:
    lodge = {"kind": "first", "nationality": "SYR", "track": 4}
    return [
        event(
            "case.events",
            "tf-1",
            1,
            "application.lodged",
            D("2019-12-01"),
            lodge,
            cohort="taskforce",
        ),
        event(
            "case.events",
            "tf-2",
            1,
            "application.lodged",
            D("2019-12-08"),
            lodge,
            cohort="taskforce",
        ),
        event(
            "case.events", "rg-1", 1, "application.lodged", D("2020-06-02"), lodge, cohort="regular"
        ),
        event(
            "case.deadlines",
            "tf-1",
            2,
            "term.started",
            D("2019-12-01"),
            {
                "starts_on": "2019-12-01",
                "deadline": "2020-06-01",
                "absolute_deadline": "2021-09-01",
            },
            source="deadline",
        ),
        event(
            "case.deadlines",
            "tf-2",
            2,
            "term.started",
            D("2019-12-08"),
            {
                "starts_on": "2019-12-08",
                "deadline": "2020-06-08",
                "absolute_deadline": "2021-09-08",
            },
            source="deadline",
        ),
        # Lodged before the cut-off on the Dublin track: taskforce cohort, but no term runs on
        # the cut-off, so not in the assignment (caseflow.domain.taskforce).
        event(
            "case.events",
            "db-1",
            1,
            "application.lodged",
            D("2019-12-10"),
            {**lodge, "track": 1},
            cohort="taskforce",
        ),
        # Off the Dublin track before any claim: the term runs from the lodging (term.changed
        # without term.started), so it is in the assignment.
        event(
            "case.events",
            "db-2",
            1,
            "application.lodged",
            D("2019-12-11"),
            {**lodge, "track": 1},
            cohort="taskforce",
        ),
        event(
            "case.deadlines",
            "db-2",
            2,
            "term.changed",
            D("2019-12-20"),
            {"old_deadline": None, "new_deadline": "2020-06-11", "cause": "track"},
            source="deadline",
        ),
        event(
            "case.deadlines",
            "rg-1",
            2,
            "term.started",
            D("2020-06-02"),
            {
                "starts_on": "2020-06-02",
                "deadline": "2020-12-02",
                "absolute_deadline": "2022-03-02",
            },
            source="deadline",
        ),
        event(
            "case.deadlines",
            "tf-1",
            3,
            "penalty.accruing",
            D("2020-06-20"),
            {
                "kind": "statutory",
                "first_day": "2020-06-20",
                "per_day_eur": [23, 35, 45],
                "tier_days": 14,
                "cap_eur": 1442,
            },
            source="deadline",
        ),
        event(
            "case.events",
            "tf-2",
            3,
            "decision.issued",
            D("2020-11-20"),
            {"outcome": "granted"},
            cohort="taskforce",
        ),
        event(
            "case.deadlines",
            "tf-2",
            4,
            "decision.late",
            D("2020-11-20"),
            {
                "outcome": "granted",
                "deadline": "2020-06-08",
                "days_late": 165,
                "statutory_penalty_eur": 0,
                "court_penalty_eur": 0,
            },
            source="deadline",
        ),
        dead_letter("unknown_case", source_offset=4),
        tick("case.events", datetime(2020, 12, 1, 11, tzinfo=UTC), "clock"),
        tick("case.deadlines", datetime(2020, 12, 1, 11, tzinfo=UTC), "deadline"),
    ]


async def snapshot(projection: Projection) -> dict[str, list[tuple[tuple[str, ...], float]]]:
    agg = await projection.aggregates(D("2020-12-01"), CUTOFF)
    now = datetime(2021, 1, 1, tzinfo=UTC)
    return {f.name: sorted(f.samples) for f in figures(agg, CUTOFF, GOAL, now)}


async def test_the_figures_of_a_small_stream(projection: Projection) -> None:
    await on_batch(stream(), projection, CUTOFF)
    found = {name: dict(samples) for name, samples in (await snapshot(projection)).items()}
    assert found["caseflow_taskforce_assignment_cases"][()] == 3  # tf-1, tf-2, db-2
    assert found["caseflow_taskforce_decided_cases"][()] == 1
    assert found["caseflow_decisions_total"][("taskforce", "late")] == 1
    assert found["caseflow_open_cases_due"][("regular", "7")] == 1  # due 2 Dec
    assert found["caseflow_open_cases_overdue"][("taskforce",)] == 2  # tf-1, db-2: June
    assert found["caseflow_penalty_accrued_euros"][("statutory",)] == 1442  # capped by now
    assert found["caseflow_penalty_exposure_euros"][("statutory",)] == 1442
    assert found["caseflow_dead_letters_total"][("unknown_case",)] == 1
    assert found["caseflow_forecast_taskforce_decisions_window"][()] == 1
    assert found["caseflow_pipeline_clock_simulated"][()] == 1


async def test_redelivery_and_other_batching_change_nothing(projection: Projection) -> None:
    records = stream()
    first = await on_batch(records, projection, CUTOFF)
    once = await snapshot(projection)
    again = await on_batch(records, projection, CUTOFF)
    for record in records:  # one record per batch this time
        await on_batch([record], projection, CUTOFF)
    assert await snapshot(projection) == once
    assert sum(first.new.values()) == 13 and sum(again.new.values()) == 0
    assert sum(again.duplicates.values()) == 13


#: The durable counters (docs/metrics.md, contract point 2) and the projection's own.
COUNTERS = (
    "caseflow_applications_lodged_total",
    "caseflow_decisions_total",
    "caseflow_late_decisions_total",
    "caseflow_breaches_total",
    "caseflow_warnings_total",
    "caseflow_penalty_capped_total",
    "caseflow_penalty_capped_euros_total",
    "caseflow_transfers_total",
    "caseflow_side_inflow_total",
    "caseflow_dead_letters_total",
    "caseflow_metrics_events_total",
)


async def test_an_erased_case_keeps_its_counts_but_not_its_data(projection: Projection) -> None:
    records = [
        *stream(),
        event(
            "case.deadlines",
            "tf-2",
            5,
            "deadline.breached",
            D("2020-06-09"),
            {"deadline": "2020-06-08"},
            source="deadline",
        ),
    ]
    await on_batch(records, projection, CUTOFF)
    before = await snapshot(projection)
    assert dict(before["caseflow_breaches_total"])[("taskforce",)] == 1
    async with projection.pool.acquire() as conn, conn.transaction():
        removed = await erase(conn, "tf-2")
    assert removed == {"metrics.events": 5, "metrics.cases": 1}
    after = await snapshot(projection)
    for name in COUNTERS:
        assert after[name] == before[name], name  # not one step down, cohort and all
    # The data is gone: the case is no longer open, lodged, decided or in the assignment ...
    assert dict(after["caseflow_taskforce_assignment_cases"])[()] == 2
    async with projection.pool.acquire() as conn:
        kept = [tuple(r) for r in await conn.fetch(f"SELECT * FROM {SCHEMA}.kept_counts")]
        assert not await conn.fetchval(
            f"SELECT count(*) FROM {SCHEMA}.events WHERE case_id = 'tf-2'"
        )
        # ... and what is kept names neither the case nor an event.
        assert kept and not [r for r in kept if any("tf-2" in str(v) for v in r)]
        assert not [r for r in kept if r[0] not in ("case.events", "case.deadlines")]
        again = await erase(conn, "tf-2")
    assert sum(again.values()) == 0
    assert await snapshot(projection) == after
