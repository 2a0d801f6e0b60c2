"""The Dublin business metrics (``caseflow_dublin_…``), computed on scrape from the service's
PostgreSQL projection so that every worker reports the same durable totals, cached a few
seconds so that several scrapers do not multiply the queries. Labels are bounded: stage,
outcome, failure and side-inflow reasons, window, and the enumerated Dublin member states.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.dublin.handlers import (
    EXPIRING_WINDOWS,
    FAILURE_REASONS,
    OPEN_STAGES,
    SIDE_INFLOW_REASONS,
    Figures,
)
from services.dublin.store import DublinReader

if TYPE_CHECKING:
    from caseflow.pipeline.service import FoldService

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
QUERY_TIMEOUT_SECONDS = 10.0


def families(figures: Figures) -> list[Metric]:
    """The metric families of one set of figures; known label values are always present (at
    0) so that rates and alerts see a series before the first event of its kind."""
    open_claims = GaugeMetricFamily(
        "caseflow_dublin_open_claims",
        "Dublin procedures still running, by stage.",
        labels=["stage"],
    )
    for stage in OPEN_STAGES:
        open_claims.add_metric([stage], figures.open_by_stage.get(stage, 0))
    by_state = GaugeMetricFamily(
        "caseflow_dublin_open_claims_by_member_state",
        "Claims sent and not concluded, by requested member state.",
        labels=["member_state"],
    )
    for state, n in sorted(figures.open_by_member_state.items()):
        by_state.add_metric([state], n)
    transfers = CounterMetricFamily(
        "caseflow_dublin_transfers",
        "Transfers completed, and transfer attempts failed by reason.",
        labels=["outcome", "reason"],
    )
    transfers.add_metric(["completed", ""], figures.transfers.get(("completed", ""), 0))
    failed = {reason for outcome, reason in figures.transfers if outcome == "failed"}
    for reason in sorted(failed | set(FAILURE_REASONS)):
        transfers.add_metric(["failed", reason], figures.transfers.get(("failed", reason), 0))
    inflow = CounterMetricFamily(
        "caseflow_dublin_side_inflow",
        "Cases that entered the national procedure (zij-instroom), by reason.",
        labels=["reason"],
    )
    for reason in sorted(set(SIDE_INFLOW_REASONS) | set(figures.side_inflow)):
        inflow.add_metric([reason], figures.side_inflow.get(reason, 0))
    found: list[Metric] = [open_claims, by_state, transfers, inflow]
    if figures.as_of is not None:
        expiring = GaugeMetricFamily(
            "caseflow_dublin_claims_expiring",
            "Accepted claims whose transfer deadline falls within the window from the pipeline "
            "day.",
            labels=["within_days"],
        )
        for days in EXPIRING_WINDOWS:
            expiring.add_metric([str(days)], figures.expiring.get(days, 0))
        found.append(expiring)
    return found


class DublinCollector(Collector):
    """Reads the figures on the service's event loop from the scrape's thread (the service
    renders /metrics in a worker thread), with a short cache; a failed read serves the last
    figures rather than failing the scrape."""

    def __init__(
        self,
        read: Callable[[], Coroutine[Any, Any, Figures]],
        loop: asyncio.AbstractEventLoop,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self._read = read
        self._loop = loop
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._figures: Figures | None = None
        self._read_at = float("-inf")

    def _current(self) -> Figures | None:
        with self._lock:
            if time.monotonic() - self._read_at < self._cache_seconds:
                return self._figures
            if _on_loop(self._loop):
                return self._figures  # blocking the loop on itself would deadlock
            try:
                future = asyncio.run_coroutine_threadsafe(self._read(), self._loop)
                self._figures = future.result(QUERY_TIMEOUT_SECONDS)
                self._read_at = time.monotonic()
            except Exception:  # a scrape must not fail because the database hiccupped
                log.warning("dublin metrics query failed; serving the last figures", exc_info=True)
            return self._figures

    def collect(self) -> Iterator[Metric]:
        figures = self._current()
        if figures is not None:
            yield from families(figures)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def collectors(service: FoldService, registry: CollectorRegistry) -> None:
    assert service.pool is not None
    reader = DublinReader(service.pool, service.schema)
    registry.register(DublinCollector(reader.figures, asyncio.get_running_loop()))
