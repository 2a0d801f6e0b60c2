"""The metrics service as the service host runs it: the projection (projection.py, store.py)
fed by a batch consumer of the four topics it reads, and the business metric families
(families.py) computed from it when Prometheus scrapes, cached for a few seconds
(caseflow.runtime.scrape) so that several scrapers do not multiply the database work.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from caseflow.runtime.host import Host, Parts, ServiceSpec
from caseflow.runtime.scrape import CACHE_SECONDS, ScrapeCollector
from services.metrics.families import Family, figures, legal_today, pipeline_clock
from services.metrics.projection import on_batch
from services.metrics.store import Projection


def prometheus_families(families: Iterable[Family]) -> list[Metric]:
    out: list[Metric] = []
    for f in families:
        cls = CounterMetricFamily if f.kind == "counter" else GaugeMetricFamily
        family = cls(f.name, f.help, labels=list(f.labels))
        for labels, value in f.samples:
            family.add_metric(list(labels), value)
        out.append(family)
    return out


class Projected:
    """One metrics worker's projection and the health metrics of its consumption."""

    def __init__(self, host: Host, cache_seconds: float) -> None:
        r = host.registry
        self.host = host
        self.projection = Projection(host.need_pool())
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
        self.compute_seconds = Gauge(
            "caseflow_metrics_compute_seconds",
            "Time the last computation of the business figures took.",
            registry=r,
        )
        self.collector = ScrapeCollector(self.compute, name="metrics", cache_seconds=cache_seconds)

    async def handle(self, batch: list[Any]) -> None:
        report = await on_batch(batch, self.projection, self.host.settings.cohort_cutoff)
        for topic, n in report.records.items():
            self.records.labels(topic).inc(n)
        for topic, n in report.duplicates.items():
            self.duplicates.labels(topic).inc(n)
        for topic, n in report.ignored.items():
            self.ignored.labels(topic).inc(n)
        self.last_processed.set(time.time())

    async def compute(self) -> list[Metric]:
        """Every business figure as of the pipeline day, from one snapshot of the projection."""
        started = time.perf_counter()
        today = legal_today(pipeline_clock(await self.projection.clock())[0])
        cutoff = self.host.policy.taskforce_cutoff
        aggregates = await self.projection.aggregates(today, cutoff)
        goal = self.host.settings.taskforce_goal
        computed = figures(aggregates, cutoff, goal, datetime.now(UTC))
        self.compute_seconds.set(time.perf_counter() - started)
        return prometheus_families(computed)


def spec(cache_seconds: float = CACHE_SECONDS) -> ServiceSpec:
    """The metrics service; its business figures are recomputed at most every
    ``cache_seconds``, whatever the number of scrapers."""

    async def plug(host: Host) -> Parts:
        projected = Projected(host, cache_seconds)
        return Parts(handle=projected.handle, service=projected, collectors=[projected.collector])

    return ServiceSpec("metrics", plug, publishes=False)


SPEC = spec()
