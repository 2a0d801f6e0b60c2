"""One service process, the same for intake, deadline, Dublin and metrics: a PostgreSQL pool with
the schema's migrations applied, a publisher, a batch consumer of the service's group and
topics, an HTTP server with ``/metrics``, ``/healthz`` and ``/readyz``, the consumer-lag gauge,
and an orderly close.

A service supplies a :class:`ServiceSpec` — how to build its batch handler, routes, collectors
and periodic refresh once the pool and publisher are up — never a lifecycle of its own. Where
it runs and what it consumes (:class:`Place`) comes from the operator's registry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from caseflow.domain import Policy
from caseflow.runtime.db import create_pool, migrate
from caseflow.runtime.kafka import BatchConsumer, BatchHandler, Publisher, client_options, consume
from caseflow.runtime.policy import policy_from
from caseflow.runtime.scrape import ScrapeCollector
from caseflow.runtime.settings import Settings

log = logging.getLogger(__name__)

#: How often the lag gauge (and a service's own refresh) is brought up to date.
REFRESH_SECONDS = 2.0
#: How long `/readyz` waits for the database.
READY_TIMEOUT_SECONDS = 2.0
Lag = Mapping[TopicPartition, int]


@dataclass(frozen=True, slots=True)
class Place:
    """Where one service runs and what it consumes (the registry's entry, resolved)."""

    name: str
    group: str
    topics: tuple[str, ...]
    port: int
    schema: str
    #: The schema's numbered migrations, applied at start (None: the schema is not ours).
    migrations: Path | None


@dataclass
class Parts:
    """What a service plugs into the host once the pool and the publisher are up."""

    #: Called with every consumed batch; raises only when infrastructure fails (then retried).
    handle: BatchHandler
    #: The service's object (its store, its pipeline…), for its routes and for tests.
    service: Any = None
    routes: Sequence[web.RouteDef] = ()
    #: Registered on the service's registry; scrape collectors are refreshed before a scrape.
    collectors: Sequence[Collector] = ()
    #: Every few seconds, with the consumer's lag per partition (gauges of its own).
    refresh: Callable[[Lag], Awaitable[None]] | None = None
    #: Extra fields of ``/healthz``.
    health: Callable[[], Mapping[str, Any]] | None = None
    on_assigned: Callable[[set[TopicPartition]], Awaitable[None]] | None = None
    #: Export ``caseflow_consumer_lag_records{service,topic,partition}`` (intake has its own).
    consumer_lag: bool = True
    #: The largest request body the HTTP server reads.
    max_body_bytes: int = 1024**2


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A service as the host runs it: its name and how to build its :class:`Parts`."""

    name: str
    plug: Callable[[Host], Awaitable[Parts]]
    #: Whether it publishes (metrics only reads): without, the host opens no producer.
    publishes: bool = True
    #: Logged on start, beside the port.
    describe: Callable[[Place], Mapping[str, Any]] = field(default=lambda _p: {})


class Host:
    """One worker of one service. ``start`` connects, ``run`` consumes until ``stop`` is set,
    ``close`` lets requests in flight finish and disconnects, in that order."""

    def __init__(
        self,
        spec: ServiceSpec,
        settings: Settings,
        place: Place,
        *,
        bootstrap: str,
        dsn: str,
        session_timeout_ms: int = 10000,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.place = place
        self.bootstrap = bootstrap
        self.dsn = dsn
        self.session_timeout_ms = session_timeout_ms
        self.policy: Policy = policy_from(settings)
        self.registry = CollectorRegistry()
        self.pool: asyncpg.Pool | None = None
        self.publisher: Publisher | None = None
        self.parts: Parts | None = None
        self.port: int | None = None
        self._consumer: BatchConsumer | None = None
        self._runner: web.AppRunner | None = None
        self._lag: Gauge | None = None
        self._closing = False

    @property
    def name(self) -> str:
        return self.place.name

    @property
    def schema(self) -> str:
        return self.place.schema

    @property
    def service(self) -> Any:
        """The service's own object (see :attr:`Parts.service`)."""
        return self.parts.service if self.parts is not None else None

    def need_publisher(self) -> Publisher:
        assert self.publisher is not None, f"{self.name} was built without a publisher"
        return self.publisher

    def need_pool(self) -> asyncpg.Pool:
        assert self.pool is not None, f"{self.name} is not started"
        return self.pool

    async def start(self) -> None:
        place, options = self.place, client_options(self.settings)
        self.pool = pool = await create_pool(self.dsn, min_size=1, max_size=4)
        if place.migrations is not None:
            async with pool.acquire() as conn:
                await migrate(conn, place.schema, place.migrations)
        if self.spec.publishes:
            self.publisher = Publisher(
                self.bootstrap, client_id=f"caseflow-{place.name}", options=options
            )
            await self.publisher.start()
        self.parts = parts = await self.spec.plug(self)
        self._consumer = BatchConsumer(
            self.bootstrap,
            place.group,
            place.topics,
            parts.handle,
            session_timeout_ms=self.session_timeout_ms,
            on_assigned=parts.on_assigned,
            options=options,
        )
        await self._consumer.start()
        for collector in parts.collectors:
            self.registry.register(collector)
        if parts.consumer_lag:
            self._lag = Gauge(
                "caseflow_consumer_lag_records",
                "Records behind the high-water mark, per partition.",
                ["service", "topic", "partition"],
                registry=self.registry,
            )
        app = web.Application(client_max_size=parts.max_body_bytes)
        app.add_routes(
            [
                web.get("/metrics", self._metrics),
                web.get("/healthz", self._healthz),
                web.get("/readyz", self._readyz),
                *parts.routes,
            ]
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.http_host, place.port).start()
        self.port = self._runner.addresses[0][1]
        log.info(
            "%s started",
            place.name,
            extra={
                "http_port": self.port,
                "group": place.group,
                "topics": list(place.topics),
                **self.spec.describe(place),
            },
        )

    async def run(self, stop: asyncio.Event) -> None:
        assert self._consumer is not None
        await consume(self._consumer, stop, self._refresh, REFRESH_SECONDS)

    async def close(self) -> None:
        self._closing = True
        # HTTP first: requests in flight finish while the publisher and pool are still up.
        if self._runner is not None:
            await self._runner.cleanup()
        if self._consumer is not None:
            await self._consumer.stop()
        if self.publisher is not None:
            await self.publisher.stop()
        if self.pool is not None:
            await self.pool.close()
        log.info("%s stopped", self.name)

    async def _refresh(self) -> None:
        assert self._consumer is not None and self.parts is not None
        lag = await self._consumer.lag()
        if self._lag is not None:
            for tp, n in lag.items():
                self._lag.labels(self.name, tp.topic, tp.partition).set(n)
        if self.parts.refresh is not None:
            await self.parts.refresh(lag)

    async def _metrics(self, _request: web.Request) -> web.Response:
        for collector in self.parts.collectors if self.parts is not None else ():
            if isinstance(collector, ScrapeCollector):
                await collector.refresh()
        # Rendering walks every series: off the event loop, so consuming never waits for it.
        body = await asyncio.to_thread(generate_latest, self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _request: web.Request) -> web.Response:
        consumer = self._consumer
        extra = self.parts.health() if self.parts is not None and self.parts.health else {}
        return web.json_response(
            {
                "status": "ok",
                "service": self.name,
                "batches": consumer.batches if consumer else 0,
                "retries": consumer.retries if consumer else 0,
                **extra,
            }
        )

    async def _readyz(self, _request: web.Request) -> web.Response:
        """Ready: started, not closing, and the database answers within a moment."""
        if self._closing or self.pool is None:
            return web.json_response({"ready": False, "reason": "stopping"}, status=503)
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                await self.pool.fetchval("SELECT 1")
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return web.json_response({"ready": False, "reason": "database"}, status=503)
        return web.json_response({"ready": True, "service": self.name})
