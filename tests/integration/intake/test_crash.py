"""SIGKILL a worker mid-run, restart it: the counts are exact, nothing is lost, and after
deduplication by event id nothing is published twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from caseflow.ops.infra import ensure_database
from caseflow.runtime.settings import Settings
from tests.integration.intake.conftest import (
    PARTNERS_FILE,
    ROOT,
    create_topic,
    header,
    produce,
    read_topic,
)
from tests.integration.intake.mix import expected, mixed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Subprocess:
    """`caseflow run intake` as an operator runs it, on this test's topic and database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "caseflow.ops.cli", "run", "intake"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@pytest.fixture
async def database(dsn: str, infra_settings: Settings) -> AsyncIterator[str]:
    name = f"caseflow_kill_{uuid.uuid4().hex[:8]}"
    db = await ensure_database(infra_settings.local_postgres, name)
    try:
        yield db
    finally:
        conn = await asyncpg.connect(infra_settings.local_postgres)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def totals(db: str) -> dict[str, int]:
    conn = await asyncpg.connect(db)
    try:
        exists = await conn.fetchval("SELECT to_regclass('intake.accounting') IS NOT NULL")
        rows = (
            await conn.fetch(
                "SELECT outcome, sum(events)::bigint FROM intake.accounting GROUP BY 1"
            )
            if exists
            else []
        )
    finally:
        await conn.close()
    out = {"accepted": 0, "duplicate": 0, "rejected": 0}
    out.update({r[0]: r[1] for r in rows})
    out["received"] = sum(out.values())
    return out


async def wait_for(db: str, received: int, timeout: float) -> dict[str, int]:
    deadline = asyncio.get_running_loop().time() + timeout
    current = await totals(db)
    while current["received"] < received and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        current = await totals(db)
    return current


async def test_sigkill_mid_run_loses_nothing_and_counts_exactly(
    bootstrap: str, database: str, infra_settings: Settings, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:10]
    topic = f"partner.events.k{run}"
    await create_topic(bootstrap, topic)
    env = {
        **os.environ,
        "CASEFLOW_HOME": str(infra_settings.home),
        "CASEFLOW_BROKER_URL": bootstrap,
        "CASEFLOW_DATABASE_URL": database,
        "CASEFLOW_INTAKE_TOPIC": topic,
        "CASEFLOW_INTAKE_GROUP": f"intake-k{run}",
        "CASEFLOW_INTAKE_PORT": str(free_port()),
        "CASEFLOW_PARTNERS_FILE": str(PARTNERS_FILE),
    }
    records = mixed(run, 10_000, seed=9)
    want = expected(records)
    worker = Subprocess(env, tmp_path / "intake.log")
    worker.start()

    async def send_slowly() -> None:
        for start in range(0, len(records), 500):
            await produce(bootstrap, topic, records[start : start + 500])
            await asyncio.sleep(0.05)

    sender = asyncio.create_task(send_slowly())
    try:
        progress = await wait_for(database, 3000, timeout=60)
        assert progress["received"] >= 3000, (tmp_path / "intake.log").read_text()[-3000:]
        worker.kill()
        at_kill = await totals(database)
        assert at_kill["received"] < len(records)
        await sender
        worker.start()
        final = await wait_for(database, len(records), timeout=90)
        assert final == {**want, "received": len(records)}
        assert worker.terminate() == 0  # SIGTERM: a clean stop
    finally:
        sender.cancel()
        with contextlib.suppress(BaseException):
            await sender
        if worker.process and worker.process.poll() is None:
            worker.kill()

    published = await read_topic(
        bootstrap,
        "case.events",
        lambda r: (header(r, "ce_id") or "").startswith(f"{run}-"),
        until=lambda found: len({header(r, "ce_id") for r in found}) >= want["accepted"],
        timeout=60,
    )
    distinct = {header(r, "ce_id") for r in published}
    assert len(distinct) == want["accepted"]
    # What a crash may cost is a second copy of an id (consumers drop it), never a loss.
    print(
        f"\nkilled at {at_kill}; copies on case.events beyond one per id: "
        f"{len(published) - len(distinct)}"
    )
