"""The pipeline clock: `caseflow run clock` publishes the wall clock as a tick into every
partition of ``case.events`` every few seconds and right at every Amsterdam midnight, so timers
fire even when partners are silent, on the day they fall due (ticks are idempotent — a service
keeps the latest — so two clocks do no harm); `advance` moves the simulated clock for
`caseflow clock advance`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from caseflow.events.envelope import LEGAL_TZ
from caseflow.events.topics import CASE_EVENTS
from caseflow.ops.infra import endpoints
from caseflow.ops.registry import pipeline_groups
from caseflow.runtime.faust_app import create_app
from caseflow.runtime.kafka import Publisher, client_options
from caseflow.runtime.settings import Settings
from caseflow.runtime.ticks import publish_tick, tick_records, wait_until_processed

log = logging.getLogger(__name__)


def next_tick(now: datetime, every: float) -> datetime:
    """When the live clock ticks next: ``every`` seconds after ``now``, or at the next midnight
    in Amsterdam if that comes first — timers fall due at the start of a legal day, and a tick
    right on the day's boundary fires them without waiting for the next period."""
    local = now.astimezone(LEGAL_TZ)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=LEGAL_TZ)
    return min(now + timedelta(seconds=every), midnight.astimezone(UTC))


async def sleep_until(
    target: datetime, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> None:
    """Sleep until the wall clock has reached ``target`` (never wakes a moment early)."""
    while (left := (target - now()).total_seconds()) > 0:
        await asyncio.sleep(left)


def create_clock_app(settings: Settings) -> Any:
    """The live clock as a Faust app: one task that publishes the wall clock as a tick into
    every partition of ``case.events`` every ``tick_seconds`` and on every Amsterdam midnight.
    A low-volume job, which is what Faust's tasks are for."""
    app = create_app("clock", settings)
    topic = app.topic(CASE_EVENTS.name, key_type=bytes, value_type=bytes)

    async def tick() -> None:
        while not app.should_stop:
            await sleep_until(next_tick(datetime.now(UTC), settings.tick_seconds))
            for record in tick_records(datetime.now(UTC), range(settings.partitions), "live"):
                await topic.send(
                    value=record.value, partition=record.partition, headers=list(record.headers)
                )

    app.task(tick)
    return app


def main(settings: Settings) -> None:
    """`caseflow run clock`: the Faust worker handles SIGTERM and Ctrl-C itself."""
    import faust

    app = create_clock_app(settings)
    log.info("live clock started", extra={"every_s": settings.tick_seconds})
    faust.Worker(app, loglevel=settings.log_level, quiet=True).execute_from_commandline()


def noon(day: date) -> datetime:
    """The instant a simulated day is ticked at: midday in Amsterdam, safely inside the day."""
    return datetime.combine(day, time(12), tzinfo=LEGAL_TZ)


async def advance(settings: Settings, to: date, *, timeout: float = 600.0) -> None:
    """Move the simulated clock to ``to`` and return once every service has processed up to it:
    first the pipeline settles on what was already published, then the tick goes out, then the
    pipeline settles again (timers fired, side-inflow passed on, ticks forwarded)."""
    bootstrap, _dsn = endpoints(settings)
    groups = pipeline_groups(settings)
    options = client_options(settings)
    await wait_until_processed(bootstrap, groups, timeout=timeout, options=options)
    publisher = Publisher(bootstrap, client_id="caseflow-clock", options=options)
    await publisher.start()
    try:
        await publish_tick(publisher, noon(to), "simulated")
    finally:
        await publisher.stop()
    await wait_until_processed(bootstrap, groups, timeout=timeout, options=options)
