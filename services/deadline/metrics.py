"""Business metrics of the deadline service, computed from PostgreSQL when Prometheus scrapes
(caseflow.runtime.scrape: cached a few seconds; aggregated in SQL; never a case id as a label).

Warnings and breaches are counted by the generic ``caseflow_fold_emitted_total{type=...}``
(types ``deadline.warning``, ``deadline.breached``, ``decision.late``, ...), not duplicated here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from caseflow.domain import Policy
from caseflow.runtime.scrape import ScrapeCollector
from services.deadline import store
from services.deadline.views import penalty_totals

if TYPE_CHECKING:
    from caseflow.pipeline.spec import RunningFold


async def compute(pool: asyncpg.Pool, policy: Policy) -> list[Metric]:
    """The business figures of every case, aggregated in SQL as of each partition's day."""
    warning_days = max(policy.warning_thresholds, default=0)
    open_cases = GaugeMetricFamily(
        "caseflow_deadline_open_cases",
        "Open cases with a running term, by cohort, track and term state "
        f"(warning: deadline within {warning_days} days; breached: past it).",
        labels=["cohort", "track", "state"],
    )
    for cohort, track, state, n in await store.open_by_state(pool, warning_days):
        open_cases.add_metric([cohort, track, state], n)
    buckets = GaugeMetricFamily(
        "caseflow_deadline_time_to_deadline_cases",
        "Open cases by days to their deadline (le7, le14, le28, le56, later, past).",
        labels=["cohort", "bucket"],
    )
    for cohort, bucket, n in await store.by_bucket(pool):
        buckets.add_metric([cohort, bucket], n)
    statuses = GaugeMetricFamily("caseflow_deadline_cases", "Cases by status.", labels=["status"])
    for status, n in await store.by_status(pool):
        statuses.add_metric([status], n)
    penalties = GaugeMetricFamily(
        "caseflow_deadline_penalty_accrued_euros",
        "Penalty accrued as of each case's pipeline day, summed, by kind (Awb 4:17, 8:55d).",
        labels=["kind"],
    )
    states = await store.penalised(pool)
    for kind, eur in penalty_totals(states, policy).items():
        penalties.add_metric([kind], eur)
    return [open_cases, buckets, statuses, penalties]


def collectors(fold: RunningFold) -> list[Collector]:
    pool, policy = fold.pool, fold.policy
    return [ScrapeCollector(lambda: compute(pool, policy), name="deadline")]
