"""Wiring of one metrics worker: pool and migrations, the projection, a batch consumer on the
four topics it reads (group ``caseflow-metrics``) and `/metrics` + `/healthz` over HTTP.

The business metrics come from a custom collector computed on scrape from the projection,
cached for a few seconds so that several scrapers do not multiply the database work.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from caseflow.events.topics import CASE_DEADLINES, CASE_EVENTS, DUBLIN_EVENTS, INTAKE_REJECTED
from caseflow.runtime.db import create_pool, migrate
from caseflow.runtime.kafka import BatchConsumer, client_options, consume
from caseflow.runtime.settings import Settings
from caseflow.runtime.worker import serve
from services.metrics.figures import Family, figures, legal_today, pipeline_clock
from services.metrics.handlers import on_batch
from services.metrics.store import SCHEMA, Projection

log = logging.getLogger(__name__)

GROUP = "caseflow-metrics"
TOPICS = (CASE_EVENTS.name, CASE_DEADLINES.name, DUBLIN_EVENTS.name, INTAKE_REJECTED.name)
MIGRATIONS = Path(__file__).parent / "migrations"
#: Business figures are recomputed at most this often, whatever the number of scrapers.
CACHE_SECONDS = 5.0
REFRESH_SECONDS = 2.0


class ProjectionCollector:
    """A prometheus_client collector yielding the last computed figures (no I/O in collect:
    the HTTP handler refreshes them asynchronously before the registry is rendered)."""

    def __init__(self) -> None:
        self.families: list[Family] = []

    def collect(self) -> Iterator[Metric]:
        for f in self.families:
            cls = CounterMetricFamily if f.kind == "counter" else GaugeMetricFamily
            family = cls(f.name, f.help, labels=list(f.labels))
            for labels, value in f.samples:
                family.add_metric(list(labels), value)
            yield family


class MetricsService:
    """One metrics worker. ``start`` connects, ``run`` consumes until ``stop``."""

    def __init__(
        self,
        settings: Settings,
        *,
        bootstrap: str,
        dsn: str,
        session_timeout_ms: int = 10000,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.settings = settings
        self.bootstrap = bootstrap
        self.dsn = dsn
        self.session_timeout_ms = session_timeout_ms
        self.cache_seconds = cache_seconds
        self.registry = CollectorRegistry()
        self.collector = ProjectionCollector()
        self.registry.register(self.collector)
        r = self.registry
        self.records = Counter(
            "caseflow_metrics_records",
            "Records consumed by the metrics service (events, duplicates, ticks), by topic.",
            ["topic"],
            registry=r,
        )
        self.duplicates = Counter(
            "caseflow_metrics_duplicates",
            "Events dropped because the projection had already counted their id, by topic.",
            ["topic"],
            registry=r,
        )
        self.ignored = Counter(
            "caseflow_metrics_ignored_records",
            "Records that are neither an event nor a tick (undecodable), by topic.",
            ["topic"],
            registry=r,
        )
        self.last_processed = Gauge(
            "caseflow_metrics_last_processed_timestamp_seconds",
            "Wall time of the last batch projected.",
            registry=r,
        )
        self.lag = Gauge(
            "caseflow_consumer_lag_records",
            "Records behind the high-water mark, per partition.",
            ["service", "topic", "partition"],
            registry=r,
        )
        self.compute_seconds = Gauge(
            "caseflow_metrics_compute_seconds",
            "Time the last computation of the business figures took.",
            registry=r,
        )
        self.pool: asyncpg.Pool | None = None
        self.projection: Projection | None = None
        self.port: int | None = None
        self._consumer: BatchConsumer | None = None
        self._runner: web.AppRunner | None = None
        self._computed_at = 0.0
        self._compute_lock = asyncio.Lock()

    async def start(self) -> None:
        self.pool = pool = await create_pool(self.dsn, min_size=1, max_size=4)
        async with pool.acquire() as conn:
            await migrate(conn, SCHEMA, MIGRATIONS)
        self.projection = Projection(pool)
        self._consumer = BatchConsumer(
            self.bootstrap,
            GROUP,
            TOPICS,
            self._handle,
            session_timeout_ms=self.session_timeout_ms,
            options=client_options(self.settings),
        )
        await self._consumer.start()
        app = web.Application()
        app.add_routes([web.get("/metrics", self._metrics), web.get("/healthz", self._healthz)])
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.metrics_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("metrics started", extra={"http_port": self.port, "topics": list(TOPICS)})

    async def _handle(self, batch: list[Any]) -> None:
        assert self.projection is not None
        report = await on_batch(batch, self.projection, self.settings.cohort_cutoff)
        for topic, n in report.records.items():
            self.records.labels(topic).inc(n)
        for topic, n in report.duplicates.items():
            self.duplicates.labels(topic).inc(n)
        for topic, n in report.ignored.items():
            self.ignored.labels(topic).inc(n)
        self.last_processed.set(time.time())

    async def run(self, stop: asyncio.Event) -> None:
        assert self._consumer is not None
        await consume(self._consumer, stop, self._refresh, REFRESH_SECONDS)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._consumer is not None:
            await self._consumer.stop()
        if self.pool is not None:
            await self.pool.close()
        log.info("metrics stopped")

    async def compute(self, *, force: bool = False) -> None:
        """Recompute the business figures unless they are fresher than the cache period."""
        assert self.projection is not None
        async with self._compute_lock:
            if not force and time.monotonic() - self._computed_at < self.cache_seconds:
                return
            started = time.perf_counter()
            clock = await self.projection.clock()
            today = legal_today(pipeline_clock(clock)[0])
            aggregates = await self.projection.aggregates(today)
            self.collector.families = figures(
                aggregates, self.settings.cohort_cutoff, datetime.now(UTC)
            )
            self._computed_at = time.monotonic()
            self.compute_seconds.set(time.perf_counter() - started)

    async def _refresh(self) -> None:
        assert self._consumer is not None
        for tp, n in (await self._consumer.lag()).items():
            self.lag.labels("metrics", tp.topic, tp.partition).set(n)

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            await self.compute()
        except Exception:  # serve the last figures and the health metrics rather than a 500
            log.warning("computing the business figures failed", exc_info=True)
        body = await asyncio.to_thread(generate_latest, self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _request: web.Request) -> web.Response:
        consumer = self._consumer
        return web.json_response(
            {
                "service": "metrics",
                "batches": consumer.batches if consumer else 0,
                "retries": consumer.retries if consumer else 0,
            }
        )


def main(settings: Settings) -> None:
    asyncio.run(serve(partial(MetricsService, settings), settings))
