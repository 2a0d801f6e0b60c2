"""`caseflow demo`: the 2020 letter replayed through the live pipeline on the simulated clock.

Sets up the embedded infra, starts every service, publishes the scenario month by month as the
partners would (Kafka, `partner.events`), advances the pipeline clock to each month's end, and
finally puts the letter's figures beside the ones caseflow computed from the live state.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp

from caseflow.domain.stock import month_end
from caseflow.ops import api_client, infra, supervisor
from caseflow.ops.clock import advance
from caseflow.ops.infra import endpoints
from caseflow.ops.registry import http_services
from caseflow.runtime.kafka import Outgoing, Publisher, client_options
from caseflow.runtime.operator import operator_token
from caseflow.runtime.settings import Settings
from scenarios.letter_2020 import live_answers, query
from scenarios.letter_2020 import write as write_scenario


@dataclass(frozen=True, slots=True)
class Month:
    end: date
    lines: list[bytes]


def months_of(path: Path) -> Iterator[Month]:
    """The scenario's lines grouped by calendar month of their time, in order."""
    current: str | None = None
    lines: list[bytes] = []
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            month = json.loads(raw)["time"][:7]
            if current is not None and month != current:
                yield Month(month_end(current), lines)
                lines = []
            current = month
            lines.append(raw.rstrip(b"\n"))
    if current is not None:
        yield Month(month_end(current), lines)


def demo_settings(settings: Settings) -> Settings:
    """The simulated clock, and a database of its own, so that a demo never touches the data
    of a `caseflow up`."""
    settings = settings.model_copy(update={"clock": "simulated"})
    if settings.database_name == "caseflow":
        settings = settings.model_copy(update={"database_name": "caseflow_demo"})
    return settings


def scenario_file(settings: Settings, seed: int, scale: float) -> Path:
    path = settings.home / f"letter-2020-seed{seed}-scale{scale:g}.jsonl"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        write_scenario(tmp, seed=seed, scale=scale)
        tmp.replace(path)
    return path


async def wait_healthy(settings: Settings, names: list[str], timeout: float = 120.0) -> None:
    """Wait until every one of these services that serves HTTP answers ``/healthz``."""
    served = http_services()
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        for name in names:
            if name not in served:
                continue
            url = f"http://{settings.http_host}:{served[name].http_port(settings)}/healthz"
            while True:
                try:
                    async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            break
                except (aiohttp.ClientError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} did not answer on {url}")
                await asyncio.sleep(0.3)


async def live_figures(settings: Settings) -> dict[str, Any]:
    """The letter's figures as the deadline and Dublin services compute them from live state."""
    base = f"http://{settings.http_host}"
    stock, dublin = await api_client.figures(
        f"{base}:{settings.deadline_port}",
        f"{base}:{settings.dublin_port}",
        operator_token(settings),
        query(),
    )
    return live_answers(stock, dublin)


async def drive(
    settings: Settings,
    path: Path,
    on_month: Callable[[Month, int], None],
) -> float:
    """Publish month by month, advancing the clock to each month's end; returns seconds taken."""
    bootstrap, _dsn = endpoints(settings)
    publisher = Publisher(bootstrap, client_id="caseflow-demo", options=client_options(settings))
    await publisher.start()
    started = time.monotonic()
    published = 0
    try:
        for month in months_of(path):
            records = [Outgoing(settings.intake_topic, raw, _subject(raw)) for raw in month.lines]
            for i in range(0, len(records), 2000):
                await publisher.publish(records[i : i + 2000])
            published += len(records)
            await advance(settings, month.end, timeout=900)
            on_month(month, published)
    finally:
        await publisher.stop()
    return time.monotonic() - started


def _subject(raw: bytes) -> bytes | None:
    subject = json.loads(raw).get("subject")
    return subject.encode() if isinstance(subject, str) else None


async def fresh_start(settings: Settings) -> None:
    """The demo starts from an empty pipeline: its own database is dropped — only one that
    `infra up` created, never an external database — and the broker restarted (memory)."""
    if settings.database_url:
        raise RuntimeError("the demo uses its own database; unset CASEFLOW_DATABASE_URL")
    state = infra.InfraState.load(settings.home)
    if state.postgres_kind == "embedded" and state.postgres_dsn:
        server = state.postgres_dsn.replace(f"/{settings.database_name}", "/postgres", 1)
        if await infra.answers(server):
            await infra.drop_database(server, settings.database_name)
    elif await infra.answers(settings.local_postgres):
        await infra.drop_database(settings.local_postgres, settings.database_name)
    infra.down(settings)


def run(
    settings: Settings,
    *,
    seed: int,
    scale: float,
    headless: bool,
    echo: Callable[[str], None],
    on_month: Callable[[Month, int], None],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Set up, replay the scenario live, compute the figures. Headless runs stop the services;
    otherwise their processes are returned, still running, for the caller to supervise."""
    path = scenario_file(settings, seed, scale)
    asyncio.run(fresh_start(settings))
    children = supervisor.start(
        settings, clock="simulated", echo=echo, log_dir=settings.home / "logs"
    )
    try:
        asyncio.run(wait_healthy(settings, list(children)))
        seconds = asyncio.run(drive(settings, path, on_month))
        figures = asyncio.run(live_figures(settings))
        figures["replay_seconds"] = round(seconds, 1)
        figures["events"] = sum(len(m.lines) for m in months_of(path))
    except BaseException:
        supervisor.stop_all(children)
        raise
    if headless:
        supervisor.stop_all(children)
        return figures, None
    return figures, dict(children)
