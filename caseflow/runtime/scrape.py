"""Metric families computed when Prometheus scrapes, from a coroutine (a database read), cached.

The one scrape-time collector of every service: the service host awaits :meth:`refresh` on its
own event loop before it renders ``/metrics`` (in a thread), and :meth:`collect` only yields the
families computed last. The cache keeps several scrapers from multiplying the queries; a read
that fails or is slow serves the last families rather than failing the scrape.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator

from prometheus_client.core import Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
TIMEOUT_SECONDS = 10.0


class ScrapeCollector(Collector):
    """Families from ``compute``, recomputed on a scrape at most every ``cache_seconds``."""

    def __init__(
        self,
        compute: Callable[[], Awaitable[Iterable[Metric]]],
        *,
        name: str,
        cache_seconds: float = CACHE_SECONDS,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.compute = compute
        self.name = name
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self.families: list[Metric] = []
        #: Seconds the last successful computation took.
        self.seconds = 0.0
        self._at = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> None:
        """Recompute unless the families are fresher than the cache period; never raises."""
        async with self._lock:
            if not force and time.monotonic() - self._at < self.cache_seconds:
                return
            started = time.perf_counter()
            try:
                self.families = list(await asyncio.wait_for(self.compute(), self.timeout))
            except Exception:  # a scrape must not fail because the database hiccupped
                log.warning("%s metrics not refreshed; serving the last", self.name, exc_info=True)
                return
            self.seconds = time.perf_counter() - started
            self._at = time.monotonic()

    def describe(self) -> list[Metric]:
        return []  # computed on scrape: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        yield from self.families
