"""The chaos harness: the letter scenario at a reduced scale through the live pipeline — every
service a real process (`caseflow run <service>`) on the embedded broker and PostgreSQL — while
a random worker is killed (SIGKILL) at random moments and restarted; the end state is compared
with `caseflow replay` of the same file.

Figures: ``kills``; ``events`` (lines published); ``lost`` (derived event ids the replay emits
that the output topics lack, plus cases whose state differs); ``duplicated`` (derived ids on the
topics the replay does not emit: a second warning, breach or side-inflow for the same cause);
records redelivered with an id already seen are at-least-once delivery and dedupe by id;
``recovery`` per kill: from the SIGKILL until the restarted worker answers ``/healthz`` and the
pipeline has settled again. The full run also restarts PostgreSQL once mid-run, under load: the
workers' batches fail, are retried from the last committed offsets and go through once the
server is back.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg

from caseflow.ops import infra
from caseflow.ops.clock import advance
from caseflow.ops.demo import drive, months_of, scenario_file
from caseflow.ops.registry import pipeline_groups
from caseflow.ops.replay import replay
from caseflow.runtime.policy import policy_from
from caseflow.runtime.settings import Settings, load_settings
from caseflow.runtime.ticks import wait_until_processed
from tests.integration.pipeline_harness import Pipeline, free_port

ROOT = Path(__file__).resolve().parents[2]
#: The services chaos kills (the clock is not run: the simulated clock is advanced by the
#: harness, as `caseflow demo` does).
SERVICES = ("intake", "dublin", "deadline", "metrics")
#: How long PostgreSQL stays down when the full run restarts it.
POSTGRES_DOWN_S = 3.0
PORT_ENV = {
    "intake": "CASEFLOW_INTAKE_PORT",
    "dublin": "CASEFLOW_DUBLIN_PORT",
    "deadline": "CASEFLOW_DEADLINE_PORT",
    "metrics": "CASEFLOW_METRICS_PORT",
}


@dataclass
class Worker:
    service: str
    index: int
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    #: Stopped for good midway (a worker leaving its group for good, not a crash).
    retired: bool = False

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "caseflow.ops.cli", "run", self.service],
                env={**self.env, PORT_ENV[self.service]: str(self.port)},
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    async def healthy(self, http: aiohttp.ClientSession, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/healthz"
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}): {self.log}")
            try:
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                    if r.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not answer on {url}")
            await asyncio.sleep(0.2)


@dataclass
class Figures:
    kills: int = 0
    restarts: int = 0
    retired: list[str] = field(default_factory=list)
    events: int = 0
    lost: int = 0
    duplicated: int = 0
    redelivered: int = 0
    recoveries: list[float] = field(default_factory=list)
    #: Seconds from each PostgreSQL restart until the pipeline had caught up again.
    postgres_restarts: list[float] = field(default_factory=list)
    #: Batches that failed (the database away) and were retried from the committed offsets.
    retried_batches: int = 0
    accounting: dict[str, Any] = field(default_factory=dict)
    expected_accounting: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self) -> str:
        median = statistics.median(self.recoveries) if self.recoveries else 0.0
        worst = max(self.recoveries, default=0.0)
        return (
            f"chaos: kills={self.kills} events={self.events} lost={self.lost} "
            f"duplicated={self.duplicated} recovery_median_s={median:.1f} "
            f"recovery_max_s={worst:.1f}"
        )

    def report(self) -> list[str]:
        got = {k: self.accounting.get(k) for k in self.expected_accounting}
        return [
            f"chaos: run took {self.seconds:.1f} s",
            f"chaos: kills {self.kills}, restarts {self.restarts}, "
            f"stopped for good midway {self.retired or 'none'}",
            f"chaos: PostgreSQL restarts {len(self.postgres_restarts)} "
            f"(down {POSTGRES_DOWN_S:g} s each), "
            f"recovery_s {[round(s, 1) for s in self.postgres_restarts]}, "
            f"batches failed and retried {self.retried_batches}",
            f"chaos: redelivered records (same id, deduped) {self.redelivered}",
            f"chaos: intake accounting {got} (replay: {self.expected_accounting})",
            self.line(),
        ]


@dataclass
class Chaos:
    tmp: Path
    seed: int = 2020
    scale: float = 0.005
    kills: int = 3
    workers: int = 1
    #: With two workers per service: stop one (SIGTERM) for good halfway through the kills.
    retire_one: bool = False
    #: Restart PostgreSQL once, halfway through the scenario. Only in the full run: the
    #: server on this machine is shared with whatever else runs here.
    restart_postgres: bool = False
    #: Seconds between kills are drawn uniformly from this range.
    interval: tuple[float, float] = (1.0, 4.0)
    rng_seed: int = 1
    figures: Figures = field(default_factory=Figures)

    def settings(self) -> Settings:
        return load_settings(
            home=self.tmp / "home",
            broker_port=free_port(),
            database_name=f"caseflow_chaos_{uuid.uuid4().hex[:8]}",
            clock="simulated",
            log_level="warning",
        )

    async def run(self) -> Figures:
        started = time.monotonic()
        settings = self.settings()
        path = scenario_file(settings, self.seed, self.scale)
        lines = [raw for month in months_of(path) for raw in month.lines]
        end = max(month.end for month in months_of(path))
        policy = policy_from(settings)
        expected = replay(lines, until=end, policy=policy, now=datetime.now(UTC))
        document = expected.as_json(policy)
        admission_rejected = sum(1 for r in expected.rejected if "line" in r)
        self.figures.events = len(lines)
        self.figures.expected_accounting = {
            "received": len(lines),
            "accepted": len(lines) - admission_rejected - expected.duplicates,
            "rejected": admission_rejected,
            "duplicate": expected.duplicates,
        }
        state = await infra.up(settings)
        assert state.broker_address and state.postgres_dsn
        env = {
            **os.environ,
            "CASEFLOW_HOME": str(settings.home),
            "CASEFLOW_BROKER_URL": f"kafka://{state.broker_address}",
            "CASEFLOW_DATABASE_URL": state.postgres_dsn,
            "CASEFLOW_CLOCK": "simulated",
            "CASEFLOW_LOG_LEVEL": "warning",
            "CASEFLOW_CONSUMER_SESSION_TIMEOUT_MS": "3000",
        }
        logs = self.tmp / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        workers = [
            Worker(s, i, free_port(), env, logs / f"{s}-{i}.log")
            for s in SERVICES
            for i in range(self.workers)
        ]
        settings = settings.model_copy(
            update={
                "broker_url": f"kafka://{state.broker_address}",
                "database_url": state.postgres_dsn,
                "intake_port": next(w.port for w in workers if w.service == "intake"),
            }
        )
        try:
            async with aiohttp.ClientSession() as http:
                for worker in workers:
                    worker.start()
                for worker in workers:
                    await worker.healthy(http)
                faults = asyncio.Lock()  # one fault at a time: a kill or the database restart
                killer = asyncio.create_task(self._killer(workers, http, state, faults))
                restarts: list[asyncio.Task[None]] = []

                def on_month(_month: object, published: int) -> None:
                    # Halfway through the scenario, while the next months are being published.
                    if self.restart_postgres and not restarts and published * 2 >= len(lines):
                        restarts.append(asyncio.create_task(self._restart(state, faults)))

                try:
                    await drive(settings, path, on_month)
                    await asyncio.gather(*restarts)
                    await killer  # every planned kill happens, even after the last month
                finally:
                    for task in (killer, *restarts):
                        if not task.done():
                            task.cancel()
                for worker in workers:
                    if worker.retired:
                        continue
                    if worker.process is None or worker.process.poll() is not None:
                        worker.start()
                    await worker.healthy(http)
                await advance(settings, end, timeout=300)
                await self._compare(settings, state, document, http, workers)
        finally:
            for worker in workers:
                worker.stop()
            infra.down(settings)
            await _drop(settings)
        self.figures.retried_batches = sum(
            log.read_text(errors="replace").count('"batch failed;') for log in logs.glob("*.log")
        )
        self.figures.seconds = time.monotonic() - started
        return self.figures

    async def _killer(
        self,
        workers: list[Worker],
        http: aiohttp.ClientSession,
        state: infra.InfraState,
        faults: asyncio.Lock,
    ) -> None:
        rng = random.Random(self.rng_seed)
        for n in range(self.kills):
            await asyncio.sleep(rng.uniform(*self.interval))
            async with faults:
                await self._kill_one(n, rng, workers, http, state)

    async def _restart(self, state: infra.InfraState, faults: asyncio.Lock) -> None:
        """PostgreSQL down for a few seconds under load; recovered once every group caught up."""
        assert state.broker_address
        async with faults:
            restarted_at = time.monotonic()
            await asyncio.to_thread(restart_postgres, state, POSTGRES_DOWN_S)
            print("chaos: PostgreSQL restarted", flush=True)
            await wait_until_processed(
                state.broker_address, pipeline_groups(self.settings()), timeout=300
            )
            self.figures.postgres_restarts.append(time.monotonic() - restarted_at)

    async def _kill_one(
        self,
        n: int,
        rng: random.Random,
        workers: list[Worker],
        http: aiohttp.ClientSession,
        state: infra.InfraState,
    ) -> None:
        assert state.broker_address
        if self.retire_one and n == self.kills // 2:
            leaving = rng.choice([w for w in workers if self._siblings(w, workers)])
            leaving.stop()
            leaving.retired = True
            self.figures.retired.append(leaving.name)
        victim = rng.choice([w for w in workers if not w.retired])
        killed_at = time.monotonic()
        victim.kill()
        self.figures.kills += 1
        await asyncio.sleep(rng.uniform(0.0, 1.0))
        victim.start()
        self.figures.restarts += 1
        await victim.healthy(http)
        # Recovered: the restarted worker answers and the pipeline has caught up with
        # everything published so far (its group took the partitions back and committed).
        await wait_until_processed(
            state.broker_address, pipeline_groups(self.settings()), timeout=300
        )
        self.figures.recoveries.append(time.monotonic() - killed_at)
        if self.figures.kills % 10 == 0:
            print(f"chaos: {self.figures.kills} kills so far", flush=True)

    @staticmethod
    def _siblings(worker: Worker, workers: list[Worker]) -> bool:
        """Whether another worker of the same service would still be running."""
        return not worker.retired and any(
            w is not worker and w.service == worker.service and not w.retired for w in workers
        )

    async def _compare(
        self,
        settings: Settings,
        state: infra.InfraState,
        document: dict[str, Any],
        http: aiohttp.ClientSession,
        workers: list[Worker],
    ) -> None:
        assert state.broker_address and state.postgres_dsn
        live = Pipeline(settings, state.broker_address, state.postgres_dsn)
        end = datetime.fromisoformat(document["as_of"]).date()
        cases = await live.cases(end)
        records = await live.emitted()
        expected_ids = {e["id"] for e in document["emitted"]}
        ids = set(records)
        expected_cases = document["cases"]
        wrong_cases = {
            c for c in set(cases) | set(expected_cases) if cases.get(c) != expected_cases.get(c)
        }
        self.figures.lost = len(expected_ids - ids) + len(wrong_cases)
        self.figures.duplicated = len(ids - expected_ids)
        self.figures.redelivered = sum(n - 1 for n in Counter(records).values() if n > 1)
        intake = next(w for w in workers if w.service == "intake" and not w.retired)
        async with http.get(f"http://127.0.0.1:{intake.port}/v1/accounting") as r:
            r.raise_for_status()
            self.figures.accounting = await r.json()


def restart_postgres(state: infra.InfraState, down_for: float) -> None:
    """Stop the server the pipeline uses for ``down_for`` seconds, then start it again: the
    Debian cluster serving the local port (`pg_ctlcluster`, through sudo when not root), or
    the embedded pgserver. The workers keep consuming meanwhile, so batches fail and retry."""
    if state.postgres_kind == "embedded" and state.postgres_pgdata:
        infra.stop_embedded_postgres(state.postgres_pgdata)
        time.sleep(down_for)
        infra.start_embedded_postgres(Path(state.postgres_pgdata).parent)
        return
    if state.postgres_kind != "local" or not shutil.which("pg_lsclusters"):
        raise RuntimeError(
            f"cannot restart PostgreSQL ({state.postgres_kind}): the chaos run restarts only "
            "a local Debian cluster (pg_ctlcluster) or the embedded pgserver"
        )
    port = str(urlsplit(state.postgres_dsn or "").port or 5432)
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True
    ).stdout
    clusters = [line.split() for line in listing.splitlines() if line.strip()]
    version, name = next((c[0], c[1]) for c in clusters if c[2] == port)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    command = [*sudo, "pg_ctlcluster", "--skip-systemctl-redirect", version, name]
    subprocess.run([*command, "stop"], check=True, timeout=120)
    time.sleep(down_for)
    subprocess.run([*command, "start"], check=True, timeout=120)


async def _drop(settings: Settings) -> None:
    try:
        conn = await asyncpg.connect(settings.local_postgres)
    except (OSError, asyncpg.PostgresError):
        return
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{settings.database_name}" WITH (FORCE)')
    finally:
        await conn.close()


def write_figures(figures: Figures, target: Path) -> None:
    """Keep the latest full run's figures in docs/reliability.md, section "Chaos"."""
    text = target.read_text() if target.exists() else "# Reliability\n"
    section = "\n".join(
        [
            "## Chaos",
            "",
            "Latest `make chaos` run (tests/chaos/harness.py): the letter scenario at scale 0.02",
            "through the live pipeline on the simulated clock, two workers per service (intake,",
            "Dublin, deadline, metrics) as real processes, a random worker SIGKILLed every",
            "0.5-3 s and restarted after up to 1 s, one worker stopped for good halfway; then",
            "compared with `caseflow replay` of the same file: every case object, every derived",
            "event id on the output topics (after dedupe by id) and intake's `GET /v1/accounting`.",
            "`lost` counts replay ids missing from the topics plus cases that differ; `duplicated`",
            "counts ids the replay does not emit. Recovery: from the SIGKILL until the restarted",
            "worker answers `/healthz` and every consumer group has caught up again. `make test`",
            "runs the same with three kills and one worker per service. Halfway through the",
            "scenario PostgreSQL is stopped for a few seconds and started again",
            "(`pg_ctlcluster`) while the workers consume: their batches fail and are retried",
            "from the last committed offsets; its recovery runs from the stop until every",
            "consumer group has caught up.",
            "",
            "```",
            *figures.report(),
            "```",
            "",
            "",
        ]
    )
    start = text.find("## Chaos")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[following + 1 :] if following != -1 else "")
    target.write_text(text)
