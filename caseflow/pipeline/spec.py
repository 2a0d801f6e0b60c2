"""A fold service (deadline, Dublin) as the service host runs it: a :class:`FoldSpec` says which
fold, where its events and ticks go, its projection, routes and collectors; :meth:`FoldSpec.
service` turns it into the host's spec — the fold's store and live worker on ``case.events``,
the fold metrics, the pipeline clock gauges and ``/v1/clock``.

Both fold services run this one mechanism; each app.py only supplies its FoldSpec.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.registry import Collector

from caseflow.domain import Derived, Policy
from caseflow.pipeline.live import BatchReport, FoldWorker
from caseflow.pipeline.store import FoldStore
from caseflow.pipeline.timeline import Fold
from caseflow.runtime.host import Host, Lag, Parts, ServiceSpec
from caseflow.runtime.settings import Settings

FIRE_LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400)


@dataclass(frozen=True, slots=True)
class FoldSpec:
    name: str
    fold: Fold[Any]
    route: Callable[[Derived], str]
    tick_stage: str
    forward_stage: str | None
    forward_topic: str | None
    projection: Callable[[Any, Policy, date | None], dict[str, Any]] | None = None
    #: Extra routes of the service's own API, given the running fold.
    routes: Callable[[RunningFold], list[web.RouteDef]] = field(default=lambda _f: [])
    #: Extra collectors (computed on scrape), given the running fold.
    collectors: Callable[[RunningFold], Sequence[Collector]] = field(default=lambda _f: ())

    def service(self) -> ServiceSpec:
        """The host's spec of this fold service."""
        return ServiceSpec(self.name, self._plug)

    async def _plug(self, host: Host) -> Parts:
        store = FoldStore(host.need_pool(), host.schema, self.fold, host.policy, self.projection)
        worker = FoldWorker(
            fold=self.fold,
            policy=host.policy,
            store=store,
            publisher=host.need_publisher(),
            route=self.route,
            tick_stage=self.tick_stage,
            forward_stage=self.forward_stage,
            forward_topic=self.forward_topic,
        )
        await worker.start()
        running = RunningFold(self, host, store, worker, FoldMetrics(self.name, host.registry))
        return Parts(
            handle=running.handle,
            service=running,
            routes=[web.get("/v1/clock", running.clock_route), *self.routes(running)],
            collectors=self.collectors(running),
            refresh=running.refresh,
            on_assigned=running.assigned,
        )


class FoldMetrics:
    """Pipeline metrics every fold service exports; names carry the service as a label."""

    def __init__(self, service: str, registry: CollectorRegistry) -> None:
        self.registry = r = registry
        s = service
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


@dataclass(slots=True)
class RunningFold:
    """One worker's fold: its store and live worker, on the host that runs them."""

    spec: FoldSpec
    host: Host
    store: FoldStore
    worker: FoldWorker
    metrics: FoldMetrics

    @property
    def settings(self) -> Settings:
        return self.host.settings

    @property
    def policy(self) -> Policy:
        return self.host.policy

    @property
    def schema(self) -> str:
        return self.host.schema

    @property
    def pool(self) -> Any:
        return self.host.need_pool()

    async def handle(self, batch: list[Any]) -> None:
        started = time.perf_counter()
        report = await self.worker.handle(batch)
        self.metrics.observe(report, time.perf_counter() - started)

    async def assigned(self, _partitions: set[Any]) -> None:
        """After a rebalance another worker may have moved these partitions' clocks on."""
        await self.worker.reload_clocks()

    def pipeline_clock(self) -> datetime | None:
        return min(self.worker.clocks.values(), default=None)

    async def refresh(self, _lag: Lag) -> None:
        clock = self.pipeline_clock()
        if clock is not None:
            self.metrics.clock.set(clock.timestamp())
            self.metrics.clock_lag.set((datetime.now(UTC) - clock).total_seconds())

    async def clock_route(self, _request: web.Request) -> web.Response:
        clocks = self.worker.clocks
        return web.json_response(
            {
                "partitions": {str(p): at.isoformat() for p, at in sorted(clocks.items())},
                "pipeline": (c.isoformat() if (c := self.pipeline_clock()) else None),
            }
        )
