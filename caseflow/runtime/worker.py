"""One consuming worker in the foreground: `caseflow run intake|dublin|deadline|metrics`."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Protocol

from caseflow.runtime.infra import endpoints
from caseflow.runtime.settings import Settings


class Worker(Protocol):
    async def start(self) -> None: ...

    async def run(self, stop: asyncio.Event) -> None: ...

    async def close(self) -> None: ...


async def serve(make: Callable[..., Worker], settings: Settings) -> None:
    """Run one worker until SIGTERM or SIGINT; the batch in hand is finished and committed.

    ``make`` builds the worker from the broker and database the settings point at (keywords
    ``bootstrap``, ``dsn`` and ``session_timeout_ms``)."""
    bootstrap, dsn = endpoints(settings)
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
