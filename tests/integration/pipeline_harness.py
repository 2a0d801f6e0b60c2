"""A whole pipeline in one process on its own broker and database, for the agreement tests:
intake, Dublin and deadline workers as asyncio tasks (and, on request, the metrics worker), the
simulated clock, and readers of the live state in the shape of the replay contract."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer

from caseflow.domain import case_view
from caseflow.events import decode
from caseflow.events.codec import Decoded
from caseflow.events.topics import CASE_DEADLINES, CASE_EVENTS, DUBLIN_EVENTS
from caseflow.ops import infra, registry
from caseflow.ops.clock import noon
from caseflow.ops.publish import publish_kafka
from caseflow.pipeline.store import FoldStore
from caseflow.runtime.db import create_pool
from caseflow.runtime.host import Host
from caseflow.runtime.kafka import Publisher
from caseflow.runtime.policy import policy_from
from caseflow.runtime.settings import Settings, load_settings
from caseflow.runtime.ticks import publish_tick, wait_until_processed
from services.deadline.app import FOLD as DEADLINE
from services.dublin.app import FOLD as DUBLIN
from services.metrics.app import spec as metrics_spec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pipeline:
    settings: Settings
    bootstrap: str
    dsn: str
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stops: list[asyncio.Event] = field(default_factory=list)
    services: dict[str, Host] = field(default_factory=dict)
    #: In-process deadline workers; 0 when a test runs them as processes of its own.
    deadline_workers: int = 1
    #: Also run the metrics worker (its consumer group then counts for "settled").
    metrics: bool = False

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        names = ("intake", "dublin", "deadline", *(("metrics",) if self.metrics else ()))
        return {
            group: topics
            for name in names
            if (consumer := registry.SERVICES[name].consumer(self.settings)) is not None
            for group, topics in [consumer]
        }

    async def start(self) -> None:
        def host(name: str, **extra: Any) -> Host:
            return registry.host(
                name,
                self.settings,
                bootstrap=self.bootstrap,
                dsn=self.dsn,
                session_timeout_ms=6000,
                **extra,
            )

        self.services = {"intake": host("intake"), "dublin": host("dublin")}
        for i in range(self.deadline_workers):
            self.services["deadline" if i == 0 else f"deadline-{i}"] = host("deadline")
        if self.metrics:
            self.services["metrics"] = host("metrics", spec=metrics_spec(cache_seconds=0.5))
        for service in self.services.values():
            await self._run(service)

    async def _run(self, service: Any) -> None:
        await service.start()
        stop = asyncio.Event()
        self.stops.append(stop)
        self.tasks.append(asyncio.create_task(service.run(stop)))

    async def stop_service(self, name: str) -> None:
        """Stop one worker cleanly (finishes its batch, leaves the group)."""
        i = list(self.services).index(name)
        self.stops[i].set()
        with contextlib.suppress(Exception):
            await self.tasks[i]
        await self.services[name].close()

    async def stop(self) -> None:
        for stop in self.stops:
            stop.set()
        for task in self.tasks:
            with contextlib.suppress(Exception):
                await task
        for service in self.services.values():
            with contextlib.suppress(Exception):
                await service.close()

    async def publish(self, path: Path) -> None:
        await publish_kafka(path, bootstrap=self.bootstrap, topic="partner.events", url=None)

    async def advance(self, to: date) -> None:
        await wait_until_processed(self.bootstrap, self.groups, timeout=120)
        publisher = Publisher(self.bootstrap)
        await publisher.start()
        try:
            await publish_tick(publisher, noon(to), "simulated")
        finally:
            await publisher.stop()
        await wait_until_processed(self.bootstrap, self.groups, timeout=120)

    async def cases(self, as_of: date) -> dict[str, Any]:
        """Every case's object of the replay contract, from the live services' state."""
        policy = policy_from(self.settings)
        pool = await create_pool(self.dsn, min_size=1, max_size=2)
        try:
            deadline = FoldStore(pool, "deadline", DEADLINE.fold, policy)
            dublin = FoldStore(pool, "dublin", DUBLIN.fold, policy)
            async with pool.acquire() as conn:
                ids = {r["case_id"] for r in await conn.fetch("SELECT case_id FROM deadline.cases")}
                ids |= {r["case_id"] for r in await conn.fetch("SELECT case_id FROM dublin.cases")}
            views = {}
            for case_id in sorted(ids):
                term_row, dublin_row = await deadline.case(case_id), await dublin.case(case_id)
                term = term_row.state if term_row else None
                dub = dublin_row.state if dublin_row else None
                if term is not None or dub is not None:
                    views[case_id] = case_view(term, dub, as_of, policy)
        finally:
            await pool.close()
        return views

    async def emitted_ids(self) -> set[str]:
        """Ids of every derived event on the output topics (side-inflow on case.events)."""
        return set(await self.emitted())

    async def emitted(self) -> list[str]:
        """Ids of every derived event record on the output topics, duplicates included."""
        consumer = AIOKafkaConsumer(
            CASE_DEADLINES.name,
            DUBLIN_EVENTS.name,
            CASE_EVENTS.name,
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        await consumer.start()
        ids: list[str] = []
        try:
            idle = 0
            while idle < 3:
                batches = await consumer.getmany(timeout_ms=500)
                idle = 0 if batches else idle + 1
                for records in batches.values():
                    for record in records:
                        decoded = decode(record.value, max_bytes=2**31)
                        if isinstance(decoded, Decoded) and decoded.envelope.source in (
                            "deadline",
                            "dublin",
                        ):
                            ids.append(decoded.envelope.id)
        finally:
            await consumer.stop()
        return ids


@contextlib.asynccontextmanager
async def pipeline(
    tmp: Path,
    *,
    deadline_workers: int = 1,
    metrics: bool = False,
    settings: dict[str, Any] | None = None,
) -> AsyncIterator[Pipeline]:
    """A fresh broker and database for one test: nothing of other tests leaks in. With
    ``metrics`` the metrics worker runs too (HTTP on a free port: ``services["metrics"].port``);
    ``settings`` adds setting overrides (a partners file, say)."""
    name = f"caseflow_e2e_{uuid.uuid4().hex[:8]}"
    run_settings = load_settings(
        **(settings or {}),
        home=tmp / "home",
        broker_port=free_port(),
        database_name=name,
        intake_port=0,
        deadline_port=0,
        dublin_port=0,
        metrics_port=0,
        clock="simulated",
    )
    state = await infra.up(run_settings)
    assert state.broker_address and state.postgres_dsn
    run = Pipeline(
        run_settings,
        state.broker_address,
        state.postgres_dsn,
        deadline_workers=deadline_workers,
        metrics=metrics,
    )
    try:
        await run.start()
        yield run
    finally:
        await run.stop()
        infra.down(run_settings)
        if state.postgres_kind != "external":
            conn = await asyncpg.connect(run_settings.local_postgres)
            with contextlib.suppress(Exception):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()
