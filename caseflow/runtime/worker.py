"""One consuming worker in the foreground: `caseflow run intake|dublin|deadline|metrics`.

The broker and the database come from the settings alone (``CASEFLOW_BROKER_URL`` or host and
port, ``CASEFLOW_DATABASE_URL``); `caseflow run` fills them in from what `caseflow infra up`
recorded before it starts a worker.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Protocol

from caseflow.runtime.settings import Settings


class Worker(Protocol):
    async def start(self) -> None: ...

    async def run(self, stop: asyncio.Event) -> None: ...

    async def close(self) -> None: ...


async def serve(make: Callable[..., Worker], settings: Settings) -> None:
    """Run one worker until SIGTERM or SIGINT; the batch in hand is finished and committed.

    ``make`` builds the worker from the broker and database the settings point at (keywords
    ``bootstrap``, ``dsn`` and ``session_timeout_ms``)."""
    if not settings.database_url:
        raise RuntimeError("no database: set CASEFLOW_DATABASE_URL (or run `caseflow infra up`)")
    bootstrap, dsn = settings.bootstrap_servers, settings.database_url
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = make(
        bootstrap=bootstrap, dsn=dsn, session_timeout_ms=settings.consumer_session_timeout_ms
    )
    await worker.start()
    try:
        await worker.run(stop)
    finally:
        await worker.close()
