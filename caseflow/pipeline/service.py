"""A fold service (deadline, Dublin) wired up: pool and migrations, store, publisher, batch
consumer on ``case.events``, and an HTTP server with `/metrics`, `/healthz` and `/v1/clock`.

Each service's app.py supplies a :class:`FoldSpec` and its own API routes; this is the one
composition of the live runner, so both services run the same mechanism.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from caseflow.domain import Derived, Policy
from caseflow.events.topics import CASE_EVENTS
from caseflow.pipeline.live import BatchReport, FoldWorker
from caseflow.pipeline.store import FoldStore
from caseflow.pipeline.timeline import Fold
from caseflow.runtime.db import create_pool, migrate
from caseflow.runtime.kafka import BatchConsumer, Publisher, client_options, consume
from caseflow.runtime.policy import policy_from
from caseflow.runtime.settings import Settings
from caseflow.runtime.worker import serve as run_worker

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0
FIRE_LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400)


@dataclass(frozen=True, slots=True)
class FoldSpec:
    name: str
    fold: Fold[Any]
    migrations: Path
    route: Callable[[Derived], str]
    tick_stage: str
    forward_stage: str | None
    forward_topic: str | None
    port: Callable[[Settings], int]
    projection: Callable[[Any, Policy, date | None], dict[str, Any]] | None = None
    #: Extra routes of the service's own API, given the running service.
    routes: Callable[[FoldService], list[web.RouteDef]] = field(default=lambda _s: [])
    #: Extra collectors (computed on scrape), given the running service and its registry.
    collectors: Callable[[FoldService, CollectorRegistry], None] = field(
        default=lambda _s, _r: None
    )


class FoldMetrics:
    """Pipeline metrics every fold service exports; names carry the service as a label."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        r, s = self.registry, service
        self.consumed = Counter(
            "caseflow_fold_facts_total", "Case facts consumed.", ["service"], registry=r
        ).labels(s)
        self.emitted = Counter(
            "caseflow_fold_emitted_total",
            "Derived events published, by type.",
            ["service", "type"],
            registry=r,
        )
        self.rejected = Counter(
            "caseflow_fold_rejections_total",
            "Legally impossible facts rejected, by reason.",
            ["service", "reason"],
            registry=r,
        )
        self.undecodable = Counter(
            "caseflow_fold_undecodable_total",
            "Records on case.events that did not decode.",
            ["service"],
            registry=r,
        ).labels(s)
        self.fire_lag = Histogram(
            "caseflow_timer_fire_lag_seconds",
            "Pipeline time between a timer falling due and its event being emitted.",
            ["service"],
            buckets=FIRE_LAG_BUCKETS,
            registry=r,
        ).labels(s)
        self.batch_seconds = Histogram(
            "caseflow_fold_batch_seconds",
            "Time to process one consumed batch.",
            ["service"],
            registry=r,
        ).labels(s)
        self.clock = Gauge(
            "caseflow_pipeline_clock_timestamp_seconds",
            "The pipeline clock: the latest tick processed, as a Unix time.",
            ["service"],
            registry=r,
        ).labels(s)
        self.clock_lag = Gauge(
            "caseflow_pipeline_clock_lag_seconds",
            "Wall clock minus the pipeline clock (grows when ticks stop arriving).",
            ["service"],
            registry=r,
        ).labels(s)
        self.last_processed = Gauge(
            "caseflow_fold_last_processed_timestamp_seconds",
            "Wall time of the last batch processed.",
            ["service"],
            registry=r,
        ).labels(s)
        self.consumer_lag = Gauge(
            "caseflow_consumer_lag_records",
            "Records behind the high-water mark, per partition.",
            ["service", "topic", "partition"],
            registry=r,
        )
        self.service = s

    def observe(self, report: BatchReport, seconds: float) -> None:
        self.consumed.inc(report.facts)
        self.undecodable.inc(report.undecodable)
        for event in report.emitted:
            self.emitted.labels(self.service, event.TYPE.removeprefix("nl.asylum.")).inc()
        for _fact, reason, _detail in report.rejected:
            self.rejected.labels(self.service, reason).inc()
        for lateness, _event in report.fired:
            self.fire_lag.observe(lateness)
        self.batch_seconds.observe(seconds)
        self.last_processed.set(time.time())


class FoldService:
    """One worker of a fold service. ``start`` connects, ``run`` consumes until ``stop``."""

    def __init__(
        self,
        spec: FoldSpec,
        settings: Settings,
        *,
        bootstrap: str,
        dsn: str,
        session_timeout_ms: int = 10000,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.policy = policy_from(settings)
        self.bootstrap = bootstrap
        self.dsn = dsn
        self.session_timeout_ms = session_timeout_ms
        self.metrics = FoldMetrics(spec.name)
        self.pool: asyncpg.Pool | None = None
        self.store: FoldStore | None = None
        self.worker: FoldWorker | None = None
        self.port: int | None = None
        self._publisher: Publisher | None = None
        self._consumer: BatchConsumer | None = None
        self._runner: web.AppRunner | None = None

    @property
    def schema(self) -> str:
        return self.spec.name

    async def start(self) -> None:
        spec = self.spec
        self.pool = pool = await create_pool(self.dsn, min_size=1, max_size=4)
        async with pool.acquire() as conn:
            await migrate(conn, self.schema, spec.migrations)
        self.store = FoldStore(pool, self.schema, spec.fold, self.policy, spec.projection)
        options = client_options(self.settings)
        self._publisher = Publisher(
            self.bootstrap, client_id=f"caseflow-{spec.name}", options=options
        )
        await self._publisher.start()
        self.worker = FoldWorker(
            fold=spec.fold,
            policy=self.policy,
            store=self.store,
            publisher=self._publisher,
            route=spec.route,
            tick_stage=spec.tick_stage,
            forward_stage=spec.forward_stage,
            forward_topic=spec.forward_topic,
        )
        await self.worker.start()
        self._consumer = BatchConsumer(
            self.bootstrap,
            f"caseflow-{spec.name}",
            [CASE_EVENTS.name],
            self._handle,
            session_timeout_ms=self.session_timeout_ms,
            on_assigned=self._assigned,
            options=options,
        )
        await self._consumer.start()
        spec.collectors(self, self.metrics.registry)
        app = web.Application()
        app.add_routes(
            [
                web.get("/metrics", self._metrics),
                web.get("/healthz", self._healthz),
                web.get("/v1/clock", self._clock),
                *spec.routes(self),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.http_host, spec.port(self.settings)).start()
        self.port = self._runner.addresses[0][1]
        log.info("%s started", spec.name, extra={"http_port": self.port})

    async def _handle(self, batch: list[Any]) -> None:
        assert self.worker is not None
        started = time.perf_counter()
        report = await self.worker.handle(batch)
        self.metrics.observe(report, time.perf_counter() - started)

    async def _assigned(self, _partitions: set[Any]) -> None:
        if self.worker is not None:
            await self.worker.reload_clocks()

    async def run(self, stop: asyncio.Event) -> None:
        assert self._consumer is not None
        await consume(self._consumer, stop, self._refresh, REFRESH_SECONDS)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._consumer is not None:
            await self._consumer.stop()
        if self._publisher is not None:
            await self._publisher.stop()
        if self.pool is not None:
            await self.pool.close()
        log.info("%s stopped", self.spec.name)

    def pipeline_clock(self) -> datetime | None:
        clocks = self.worker.clocks.values() if self.worker else ()
        return min(clocks, default=None)

    async def _refresh(self) -> None:
        assert self._consumer is not None
        for tp, n in (await self._consumer.lag()).items():
            self.metrics.consumer_lag.labels(self.spec.name, tp.topic, tp.partition).set(n)
        clock = self.pipeline_clock()
        if clock is not None:
            self.metrics.clock.set(clock.timestamp())
            self.metrics.clock_lag.set((datetime.now(UTC) - clock).total_seconds())

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = await asyncio.to_thread(generate_latest, self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _request: web.Request) -> web.Response:
        consumer = self._consumer
        return web.json_response(
            {
                "service": self.spec.name,
                "batches": consumer.batches if consumer else 0,
                "retries": consumer.retries if consumer else 0,
            }
        )

    async def _clock(self, _request: web.Request) -> web.Response:
        clocks = self.worker.clocks if self.worker else {}
        return web.json_response(
            {
                "partitions": {str(p): at.isoformat() for p, at in sorted(clocks.items())},
                "pipeline": (c.isoformat() if (c := self.pipeline_clock()) else None),
            }
        )


async def serve(spec: FoldSpec, settings: Settings) -> None:
    """Run one worker of this fold until SIGTERM or SIGINT (caseflow.runtime.worker)."""
    await run_worker(partial(FoldService, spec, settings), settings)
