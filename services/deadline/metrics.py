"""Business metrics of the deadline service, computed from PostgreSQL when Prometheus scrapes
(cached a few seconds, aggregated in SQL, never a case id as a label).

Warnings and breaches are counted by the generic ``caseflow_fold_emitted_total{type=...}``
(types ``deadline.warning``, ``deadline.breached``, ``decision.late``, ...), not duplicated here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.deadline import store
from services.deadline.handlers import penalty_totals

if TYPE_CHECKING:
    from caseflow.pipeline.service import FoldService

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
SCRAPE_TIMEOUT = 10.0


class DeadlineCollector(Collector):
    """Runs the aggregate queries on the service's event loop from the scrape thread."""

    def __init__(self, service: FoldService, loop: asyncio.AbstractEventLoop) -> None:
        self.service = service
        self.loop = loop
        self._lock = threading.Lock()
        self._at = 0.0
        self._cached: list[Metric] = []

    def describe(self) -> list[Metric]:
        return []  # computed on scrape: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if time.monotonic() - self._at > CACHE_SECONDS and self._off_loop():
                try:
                    future = asyncio.run_coroutine_threadsafe(self._compute(), self.loop)
                    self._cached = future.result(SCRAPE_TIMEOUT)
                    self._at = time.monotonic()
                except Exception:  # a slow or failed query serves the last figures
                    log.warning("deadline metrics not refreshed", exc_info=True)
            yield from self._cached

    def _off_loop(self) -> bool:
        """On the loop's own thread waiting for it would deadlock: serve the cache instead."""
        try:
            return asyncio.get_running_loop() is not self.loop
        except RuntimeError:
            return True

    async def _compute(self) -> list[Metric]:
        pool, policy = self.service.pool, self.service.policy
        assert pool is not None
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
        statuses = GaugeMetricFamily(
            "caseflow_deadline_cases", "Cases by status.", labels=["status"]
        )
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


def collectors(service: FoldService, registry: CollectorRegistry) -> None:
    registry.register(DeadlineCollector(service, asyncio.get_running_loop()))
