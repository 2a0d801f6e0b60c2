"""Wiring of one intake worker: PostgreSQL ledger, publisher, batch consumer and HTTP server.

The composition root; nothing connects at import. `caseflow run intake` calls :func:`main`.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

import asyncpg
from aiohttp import web

from caseflow.runtime.clock import Clock, SystemClock
from caseflow.runtime.db import create_pool
from caseflow.runtime.kafka import BatchConsumer, Publisher, client_options, consume
from caseflow.runtime.operator import operator_token
from caseflow.runtime.settings import Settings
from caseflow.runtime.worker import serve
from services.intake.metrics import IntakeMetrics
from services.intake.partners import Partners
from services.intake.pipeline import Intake
from services.intake.store import SCHEMA, PostgresLedger, migrate_schema
from services.intake.web import create_web_app

log = logging.getLogger(__name__)

#: How often the lag gauge and the durable totals are refreshed.
REFRESH_SECONDS = 2.0


class Worker:
    """One intake worker. ``start`` connects everything, ``run`` consumes until ``stop`` is set,
    ``close`` lets in-flight work finish and disconnects.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        bootstrap: str,
        dsn: str,
        schema: str = SCHEMA,
        clock: Clock | None = None,
        session_timeout_ms: int = 10000,
    ) -> None:
        self.settings = settings
        self.bootstrap = bootstrap
        self.dsn = dsn
        self.schema = schema
        self.clock = clock or SystemClock()
        self.session_timeout_ms = session_timeout_ms
        self.metrics = IntakeMetrics()
        self.port: int | None = None
        self._pool: asyncpg.Pool | None = None
        self._publisher: Publisher | None = None
        self._consumer: BatchConsumer | None = None
        self._runner: web.AppRunner | None = None
        self._ledger: PostgresLedger | None = None

    async def start(self) -> None:
        s = self.settings
        self._pool = pool = await create_pool(self.dsn, min_size=1, max_size=4)
        async with pool.acquire() as conn:
            await migrate_schema(conn, self.schema)
        ledger = PostgresLedger(pool, self.schema)
        options = client_options(s)
        self._publisher = Publisher(self.bootstrap, client_id="caseflow-intake", options=options)
        await self._publisher.start()
        intake = Intake(ledger, self._publisher, settings=s, clock=self.clock, metrics=self.metrics)
        self._consumer = BatchConsumer(
            self.bootstrap,
            s.intake_group,
            [s.intake_topic],
            intake.on_records,
            session_timeout_ms=self.session_timeout_ms,
            options=options,
        )
        await self._consumer.start()
        partners = Partners.load(s.partners_file)
        if not partners:
            log.warning("no partners file (CASEFLOW_PARTNERS_FILE): HTTP intake answers 401")
        app = create_web_app(
            intake,
            partners,
            ledger,
            max_body_bytes=s.intake_max_body_bytes,
            max_batch_events=s.intake_max_batch_events,
            rate_per_second=s.intake_rate_per_second,
            health=self._health,
            operator_token=operator_token(s),
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, s.http_host, s.intake_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._ledger = ledger
        log.info(
            "intake started",
            extra={"topic": s.intake_topic, "group": s.intake_group, "http_port": self.port},
        )

    async def run(self, stop: asyncio.Event) -> None:
        assert self._consumer is not None
        await consume(self._consumer, stop, self._refresh, REFRESH_SECONDS)

    async def close(self) -> None:
        # HTTP first: requests in flight finish while the publisher and pool are still up.
        if self._runner is not None:
            await self._runner.cleanup()
        if self._consumer is not None:
            await self._consumer.stop()
        if self._publisher is not None:
            await self._publisher.stop()
        if self._pool is not None:
            await self._pool.close()
        log.info("intake stopped")

    def _health(self) -> dict[str, Any]:
        consumer = self._consumer
        return {
            "batches": consumer.batches if consumer else 0,
            "retries": consumer.retries if consumer else 0,
        }

    async def _refresh(self) -> None:
        assert self._consumer is not None
        lag = await self._consumer.lag()
        self.metrics.set_lag({tp.partition: n for tp, n in lag.items()})
        if self._ledger is not None:
            self.metrics.set_totals(await self._ledger.totals())


def main(settings: Settings) -> None:
    asyncio.run(serve(partial(Worker, settings), settings))
