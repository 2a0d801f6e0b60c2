"""`caseflow run clock`: the live clock. It publishes the wall clock as a tick into every
partition of ``case.events`` every few seconds, so timers fire even when partners are silent.
Ticks are idempotent (a service keeps the latest), so two tickers do no harm.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, date, datetime, time

from caseflow.events.envelope import LEGAL_TZ
from caseflow.runtime.infra import endpoints
from caseflow.runtime.kafka import Publisher
from caseflow.runtime.settings import Settings
from caseflow.runtime.supervisor import pipeline_groups
from caseflow.runtime.ticks import publish_tick, wait_until_processed

log = logging.getLogger(__name__)


async def tick_forever(bootstrap: str, every: float, stop: asyncio.Event) -> None:
    publisher = Publisher(bootstrap, client_id="caseflow-clock")
    await publisher.start()
    try:
        while not stop.is_set():
            try:
                await publish_tick(publisher, datetime.now(UTC), "live")
            except Exception:  # a broker hiccup delays a tick; the next one catches up
                log.warning("tick not published", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
    finally:
        await publisher.stop()


async def serve(settings: Settings) -> None:
    bootstrap, _dsn = endpoints(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("live clock started", extra={"every_s": settings.tick_seconds})
    await tick_forever(bootstrap, settings.tick_seconds, stop)


def main(settings: Settings) -> None:
    asyncio.run(serve(settings))


def noon(day: date) -> datetime:
    """The instant a simulated day is ticked at: midday in Amsterdam, safely inside the day."""
    return datetime.combine(day, time(12), tzinfo=LEGAL_TZ)


async def advance(settings: Settings, to: date, *, timeout: float = 600.0) -> None:
    """Move the simulated clock to ``to`` and return once every service has processed up to it:
    first the pipeline settles on what was already published, then the tick goes out, then the
    pipeline settles again (timers fired, side-inflow passed on, ticks forwarded)."""
    bootstrap, _dsn = endpoints(settings)
    groups = pipeline_groups()
    await wait_until_processed(bootstrap, groups, timeout=timeout)
    publisher = Publisher(bootstrap, client_id="caseflow-clock")
    await publisher.start()
    try:
        await publish_tick(publisher, noon(to), "simulated")
    finally:
        await publisher.stop()
    await wait_until_processed(bootstrap, groups, timeout=timeout)
