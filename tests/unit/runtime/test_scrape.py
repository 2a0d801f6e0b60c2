"""The scrape-time collector: computed on a scrape, cached, and the last figures served when a
computation fails or hangs."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from caseflow.runtime.scrape import ScrapeCollector


def gauge(value: float) -> list[Metric]:
    family = GaugeMetricFamily("caseflow_test_cases", "Cases.")
    family.add_metric([], value)
    return [family]


async def test_figures_are_computed_at_most_once_per_cache_period() -> None:
    calls = []

    async def compute() -> list[Metric]:
        calls.append(1)
        return gauge(len(calls))

    collector = ScrapeCollector(compute, name="test", cache_seconds=60)
    registry = CollectorRegistry()
    registry.register(collector)
    await collector.refresh()
    await collector.refresh()
    assert len(calls) == 1
    assert "caseflow_test_cases 1.0" in generate_latest(registry).decode()
    await collector.refresh(force=True)
    assert "caseflow_test_cases 2.0" in generate_latest(registry).decode()


async def test_a_failing_or_hanging_read_serves_the_last_figures() -> None:
    answers: list[object] = [gauge(7), RuntimeError("database restarting"), "hang"]

    async def compute() -> list[Metric]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if answer == "hang":
            await asyncio.sleep(10)
        assert isinstance(answer, list)
        return answer

    collector = ScrapeCollector(compute, name="test", cache_seconds=0, timeout=0.05)
    for _ in range(3):
        await collector.refresh()
        assert [s.value for f in collector.collect() for s in f.samples] == [7.0]
