"""Soak: the whole pipeline on the live clock under steady load for a long time.

    .venv/bin/python bench/soak.py [--minutes 30] [--rate 500]

Starts its own embedded broker (port 19099) and a fresh database ``caseflow_bench_soak``, then
every service as `caseflow up` starts it (intake, Dublin, deadline, metrics and the live clock,
each a process of its own, logs in ``.caseflow/bench-soak/logs``). Partners publish ``--rate``
events a second onto ``partner.events`` for ``--minutes``: new cases that go through a
registration, a lodging, hearings and a decision, one in five through a Dublin claim instead,
each step some seconds after the one before, all dated now. A scraper reads every service's
``/metrics`` every 15 s, as Prometheus would.

Measured every minute: RSS of every service process (VmRSS from /proc) and of the broker, the
CPU share of each (utime + stime from /proc, percent of one core), and the end-to-end latency
of the events the chain derives from partner events — from the partner's send to the arrival of
the derived event on the output topic: `term.started` for a lodging,
`decision.on_time`/`decision.late` for a decision (intake → deadline), `claim.reply_due` for a
claim and `transfer.deadline_set` for an accepted claim (intake → Dublin). At the end the load
stops, the pipeline drains, and intake's accounting and the derived events are checked against
what was sent.
Memory is called flat when no service's RSS grew by more than 10 % (and 16 MiB)
from the first to the last third of the run after warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procstat import cpu_seconds, memory_mib  # noqa: E402

from caseflow.events.envelope import LEGAL_TZ  # noqa: E402
from caseflow.events.partner import PARTNER_TYPES  # noqa: E402
from caseflow.events.topics import CASE_DEADLINES, DUBLIN_EVENTS, PARTNER_EVENTS  # noqa: E402
from caseflow.ops import infra, supervisor  # noqa: E402
from caseflow.runtime.settings import Settings, load_settings  # noqa: E402

P = "nl.asylum."
PORTS = {"intake": 18181, "deadline": 18182, "dublin": 18183, "metrics": 18464}
#: derived type -> the partner type that causes it (the latency pairs).
CAUSES = {
    P + "term.started": P + "application.lodged",
    P + "decision.on_time": P + "decision.issued",
    P + "decision.late": P + "decision.issued",
    P + "claim.reply_due": P + "dublin.claim.sent",
    P + "transfer.deadline_set": P + "dublin.claim.answered",
}
CAUSE_TYPES = frozenset(CAUSES.values())
#: Seconds between two steps of one case.
STEP_GAP = 10.0


def settings() -> Settings:
    return load_settings(
        home=ROOT / ".caseflow" / "bench-soak",
        broker_port=19099,
        database_name="caseflow_bench_soak",
        log_level="warning",
        clock="live",
        **{f"{name}_port": port for name, port in PORTS.items()},
    )


def lifecycle(case: int, today: date) -> list[tuple[str, dict[str, Any]]]:
    """The partner events of one case, in order: a national case or (one in five) a Dublin one."""
    steps: list[tuple[str, dict[str, Any]]] = [
        ("registration.recorded", {"nationality": "SYR", "unaccompanied_minor": False}),
        ("application.lodged", {"kind": "first", "nationality": "SYR", "track": 4}),
        ("hearing.held", {"kind": "first", "mode": "in_person"}),
    ]
    if case % 5 == 0:
        claim = {
            "member_state": "DE",
            "kind": "take_back",
            "eurodac_hit": True,
            "eurodac_hit_on": today.isoformat(),
            "urgent_reply_days": 14,
        }
        steps += [("dublin.claim.sent", claim), ("dublin.claim.answered", {"accepted": True})]
    else:
        outcome = "granted" if case % 3 else "rejected"
        steps += [
            ("hearing.held", {"kind": "substantive", "mode": "video"}),
            ("decision.issued", {"outcome": outcome}),
        ]
    return steps


@dataclass
class Load:
    """Partner events at a steady rate: cases start as fast as the rate allows, each step of a
    case ``STEP_GAP`` seconds after the previous one."""

    run: str
    rate: int
    sent: int = 0
    cases: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    #: (case subject, partner type) -> wall time of the send, for the latency pairs.
    sent_at: dict[tuple[str, str], float] = field(default_factory=dict)
    due: deque[tuple[float, str, list[tuple[str, dict[str, Any]]]]] = field(default_factory=deque)

    def batch(self, count: int, now: float) -> list[tuple[str, str, bytes]]:
        out: list[tuple[str, str, bytes]] = []
        today = datetime.now(LEGAL_TZ).date()
        stamp = datetime.now(UTC).isoformat()
        while len(out) < count:
            if self.due and self.due[0][0] <= now:
                _, subject, steps = self.due.popleft()
            else:
                subject = f"soak-{self.run}-{self.cases:07d}"
                steps = lifecycle(self.cases, today)
                self.cases += 1
            kind, data = steps[0]
            name = P + kind
            event = {
                "specversion": "1.0",
                "id": f"{self.run}-{self.sent + len(out)}",
                "source": min(PARTNER_TYPES[name].sources),
                "type": name,
                "subject": subject,
                "time": stamp,
                "data": data,
            }
            out.append((subject, name, json.dumps(event).encode()))
            if len(steps) > 1:
                self.due.append((now + STEP_GAP, subject, steps[1:]))
        return out

    async def run_until(self, producer: AIOKafkaProducer, stop: asyncio.Event) -> None:
        began = time.monotonic()
        while not stop.is_set():
            target = int((time.monotonic() - began) * self.rate)
            if target > self.sent:
                now = time.monotonic()
                for subject, name, value in self.batch(target - self.sent, now):
                    await producer.send(PARTNER_EVENTS.name, value, key=subject.encode())
                    if name in CAUSE_TYPES:
                        self.sent_at[(subject, name)] = time.time()
                    self.by_type[name] = self.by_type.get(name, 0) + 1
                self.sent = target
            await asyncio.sleep(0.02)


@dataclass
class Watch:
    """The derived events on the output topics and their end-to-end latency."""

    load: Load
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (arrival, seconds)
    derived: dict[str, int] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    redelivered: int = 0

    async def run_until(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=5000)
            now = time.time()
            for records in batches.values():
                for record in records:
                    if record.headers and any(k == "caseflow_control" for k, _ in record.headers):
                        continue
                    event = json.loads(record.value)
                    if event["id"] in self.seen:
                        self.redelivered += 1
                        continue
                    self.seen.add(event["id"])
                    kind = event["type"]
                    self.derived[kind] = self.derived.get(kind, 0) + 1
                    cause = CAUSES.get(kind)
                    sent = self.load.sent_at.pop((event["subject"], cause), None) if cause else None
                    if sent is not None:
                        self.latencies.append((now, now - sent))


async def scrape(stop: asyncio.Event, sizes: dict[str, int]) -> None:
    """Every service's /metrics every 15 s, as Prometheus would; keeps the last body size."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        while not stop.is_set():
            for name, port in PORTS.items():
                try:
                    async with http.get(f"http://127.0.0.1:{port}/metrics") as answer:
                        sizes[name] = len(await answer.read())
                except (aiohttp.ClientError, TimeoutError):
                    sizes[name] = -1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 15)


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def flat(series: list[float]) -> tuple[bool, float]:
    """Growth from the first to the last third of the samples after warm-up (MiB)."""
    body = series[len(series) // 6 :] if len(series) >= 6 else series
    third = max(1, len(body) // 3)
    early, late = statistics.mean(body[:third]), statistics.mean(body[-third:])
    growth = late - early
    return growth <= max(16.0, 0.10 * early), round(growth, 1)


async def fresh_database(dsn: str) -> None:
    """Drop the service schemas so the soak starts from nothing."""
    conn = await asyncpg.connect(dsn)
    try:
        for schema in ("intake", "dublin", "deadline", "metrics", "caseflow"):
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()


async def accounting() -> dict[str, Any]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
        http.get(f"http://127.0.0.1:{PORTS['intake']}/v1/accounting") as answer,
    ):
        answer.raise_for_status()
        return dict(await answer.json())


async def soak(minutes: float, rate: int, tick: float) -> dict[str, Any]:
    cfg = settings()
    infra.down(cfg)  # the embedded broker keeps topics in memory: start it empty
    state = await infra.up(cfg)
    assert state.broker_address and state.postgres_dsn
    await fresh_database(state.postgres_dsn)
    for name, port in PORTS.items():
        os.environ[f"CASEFLOW_{name.upper()}_PORT"] = str(port)
    os.environ["CASEFLOW_TICK_SECONDS"] = str(tick)
    os.environ["CASEFLOW_LOG_LEVEL"] = "warning"
    children = await asyncio.to_thread(
        supervisor.start,
        cfg,
        clock="live",
        echo=lambda line: print(f"soak: {line}"),
        log_dir=cfg.home / "logs",
    )
    await asyncio.sleep(20)  # workers start, migrate and join their groups
    producer = AIOKafkaProducer(bootstrap_servers=state.broker_address, linger_ms=5)
    consumer = AIOKafkaConsumer(
        CASE_DEADLINES.name,
        DUBLIN_EVENTS.name,
        bootstrap_servers=state.broker_address,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        fetch_max_wait_ms=50,
    )
    await producer.start()
    await consumer.start()
    load = Load(datetime.now(UTC).strftime("%H%M%S"), rate)
    watch = Watch(load)
    stop_load, stop_watch = asyncio.Event(), asyncio.Event()
    sizes: dict[str, int] = {}
    tasks = [
        asyncio.create_task(load.run_until(producer, stop_load)),
        asyncio.create_task(watch.run_until(consumer, stop_watch)),
        asyncio.create_task(scrape(stop_watch, sizes)),
    ]
    broker = state.broker_pid
    samples: list[dict[str, Any]] = []
    pids = {**{name: c.pid for name, c in children.items()}, "broker": broker}
    cpu = {name: cpu_seconds(pid) if pid else None for name, pid in pids.items()}
    began = time.time()
    try:
        for minute in range(1, int(minutes) + 1):
            await asyncio.sleep(began + 60 * minute - time.time())
            for name, child in children.items():
                if child.poll() is not None:
                    raise RuntimeError(f"{name} exited with {child.returncode}")
            window = [s for t, s in watch.latencies if t >= began + 60 * (minute - 1)]
            used = {name: cpu_seconds(pid) if pid else None for name, pid in pids.items()}
            share = {
                name: round((used[name] - cpu[name]) / 60 * 100)
                for name in pids
                if used[name] is not None and cpu[name] is not None
            }
            cpu = used
            sample = {
                "minute": minute,
                "sent": load.sent,
                "derived": sum(watch.derived.values()),
                "p50_s": quantile(window, 0.5),
                "p99_s": quantile(window, 0.99),
                "rss_mib": {name: memory_mib(c.pid) for name, c in children.items()},
                "broker_rss_mib": memory_mib(broker) if broker else None,
                "cpu_pct": share,
                "metrics_bytes": dict(sizes),
            }
            samples.append(sample)
            print("soak: " + json.dumps(sample), flush=True)
        stop_load.set()
        await tasks[0]
        await producer.flush()
        drained_at = time.time()
        expected = sum(load.by_type.get(c, 0) for c in CAUSE_TYPES)
        while time.time() - drained_at < 180:
            paired = len(watch.latencies)
            account = await accounting()
            if account.get("received", 0) >= load.sent and paired >= expected:
                break
            await asyncio.sleep(2)
        drain_s = time.time() - drained_at
        await asyncio.sleep(3)  # the last derived events of the drain
    finally:
        stop_load.set()
        stop_watch.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        peaks = {name: memory_mib(c.pid, "VmHWM") for name, c in children.items()}
        for child in children.values():
            child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
        await producer.stop()
        await consumer.stop()
        infra.down(cfg)
    return summary(load, watch, samples, peaks, drain_s, expected, minutes, rate, account)


def summary(
    load: Load,
    watch: Watch,
    samples: list[dict[str, Any]],
    peaks: dict[str, float | None],
    drain_s: float,
    expected: int,
    minutes: float,
    rate: int,
    account: dict[str, Any],
) -> dict[str, Any]:
    all_latencies = [s for _, s in watch.latencies]
    verdicts = {}
    for name in samples[0]["rss_mib"] if samples else ():
        series = [s["rss_mib"][name] for s in samples if s["rss_mib"][name] is not None]
        verdicts[name] = flat(series) if series else (False, float("nan"))
    return {
        "minutes": minutes,
        "rate_per_s": rate,
        "sent": load.sent,
        "cases": load.cases,
        "derived_events": sum(watch.derived.values()),
        "paired": len(all_latencies),
        "expected_pairs": expected,
        "unanswered": expected - len(all_latencies),
        "redelivered_derived": watch.redelivered,
        "latency_p50_s": quantile(all_latencies, 0.5),
        "latency_p99_s": quantile(all_latencies, 0.99),
        "latency_max_s": round(max(all_latencies), 3) if all_latencies else None,
        "drain_s": round(drain_s, 1),
        "intake_accounting": account,
        "accounting_exact": account.get("received") == load.sent
        and account.get("accepted") == load.sent,
        "rss_first_mib": samples[0]["rss_mib"] if samples else {},
        "rss_last_mib": samples[-1]["rss_mib"] if samples else {},
        "rss_peak_mib": peaks,
        "rss_growth_mib": {name: v[1] for name, v in verdicts.items()},
        "memory_flat": all(v[0] for v in verdicts.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=int, default=500, help="partner events per second")
    parser.add_argument("--tick", type=float, default=2.0, help="live clock period, seconds")
    args = parser.parse_args()
    result = asyncio.run(soak(args.minutes, args.rate, args.tick))
    print("soak: " + json.dumps(result))
    print(
        f"soak: minutes={args.minutes:g} rate={args.rate} sent={result['sent']} "
        f"unanswered={result['unanswered']} p99_s={result['latency_p99_s']} "
        f"memory_flat={result['memory_flat']}"
    )


if __name__ == "__main__":
    main()
