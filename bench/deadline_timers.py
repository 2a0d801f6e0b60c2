"""Deadline service benchmarks: many open cases with durable timers, bursts of timers due at
once, and firing lag on the live clock.

    .venv/bin/python bench/deadline_timers.py startup --cases 1000000 [--due 10000]
    .venv/bin/python bench/deadline_timers.py burst --cases 100000
    .venv/bin/python bench/deadline_timers.py live --cases 20000 --rate 500 --seconds 120

Starts its own embedded broker (port 19098) and uses database ``caseflow_bench_deadline`` on the
local PostgreSQL (or pgserver). The deadline schema is seeded with COPY: snapshots of real term
states made by the legal core (lodged on varied days, so the first warning falls on varied days),
never a million published events. The worker under test is a real process, `caseflow run
deadline`; its peak RSS is read from /proc (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procstat import memory_mib  # noqa: E402

from caseflow.domain import Policy, apply_term, next_term_due  # noqa: E402
from caseflow.domain.calendar import days_after  # noqa: E402
from caseflow.domain.facts import ApplicationLodged  # noqa: E402
from caseflow.events.envelope import LEGAL_TZ  # noqa: E402
from caseflow.events.topics import CASE_DEADLINES  # noqa: E402
from caseflow.ops import infra  # noqa: E402
from caseflow.ops.clock import next_tick, noon, sleep_until  # noqa: E402
from caseflow.runtime import snapshot  # noqa: E402
from caseflow.runtime.kafka import Publisher  # noqa: E402
from caseflow.runtime.settings import Settings, load_settings  # noqa: E402
from caseflow.runtime.ticks import tick_records  # noqa: E402
from services.deadline.views import projection  # noqa: E402

PLACEHOLDER = "__CASE__"
COLUMNS = (
    "case_id",
    "kafka_partition",
    "state",
    "pending",
    "wake_on",
    "cohort",
    "track",
    "status",
    "lodged_on",
    "deadline",
    "decided_on",
    "penalty_from",
)


def settings() -> Settings:
    return load_settings(
        home=ROOT / ".caseflow" / "bench-deadline",
        broker_port=19098,
        database_name="caseflow_bench_deadline",
        log_level="warning",
    )


def template(lodged: date, track: int | None, policy: Policy) -> tuple[str, date | None, dict]:
    """A lodged case's snapshot with a placeholder id, its first timer day and projection."""
    fact = ApplicationLodged(
        event_id=f"lodge-{PLACEHOLDER}",
        case_id=PLACEHOLDER,
        on=lodged,
        source="ind",
        kind="first",
        nationality="SYR",
        track=track,
    )
    state = apply_term(None, fact, policy).state
    assert state is not None
    return (
        json.dumps(snapshot.dump(state)),
        next_term_due(state, policy),
        projection(state, policy, None),
    )


def lodging_for(first_due: date, policy: Policy) -> date:
    """The lodging day whose first warning (deadline - 56 days) falls on ``first_due``."""
    day = first_due - timedelta(days=140)
    while template(day, 4, policy)[1] < first_due:  # type: ignore[operator]
        day += timedelta(days=1)
    return day


def rows(
    cases: int, due: date, spread_days: int, partitions: int, run: str
) -> Iterator[tuple[Any, ...]]:
    """``cases`` open cases whose first timers fall on ``due`` .. ``due + spread_days - 1``."""
    policy = Policy()
    first = lodging_for(due, policy)
    templates = []
    for offset in range(spread_days):
        for track in (4, 2, None):
            text, wake, extra = template(days_after(first, offset), track, policy)
            templates.append((text, wake, extra))
    for i in range(cases):
        text, wake, extra = templates[(i % spread_days) * 3 + (i // spread_days) % 3]
        case_id = f"bench-{run}-{i:07d}"
        yield (
            case_id,
            i % partitions,
            text.replace(PLACEHOLDER, case_id),
            "[]",
            wake,
            *[extra[c] for c in COLUMNS[5:]],
        )


async def seed(dsn: str, cases: int, due: date, spread: int, partitions: int) -> float:
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE deadline.cases, deadline.clock, deadline.history")
        await conn.copy_records_to_table(
            "cases",
            schema_name="deadline",
            columns=list(COLUMNS),
            records=rows(cases, due, spread, partitions, "x"),
        )
        await conn.executemany(
            "INSERT INTO deadline.clock (kafka_partition, at) VALUES ($1, $2)",
            [(p, noon(due - timedelta(days=1))) for p in range(partitions)],
        )
        await conn.execute("VACUUM ANALYZE deadline.cases")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def reset_group(bootstrap: str) -> None:
    """Start the worker at the end of case.events: this bench is about timers, not backlog."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        groups = [g[0] for g in await admin.list_consumer_groups()]
        if "caseflow-deadline" in groups:
            await admin.delete_consumer_groups(["caseflow-deadline"])
    except Exception:
        pass
    finally:
        await admin.close()


def start_worker(cfg: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CASEFLOW_HOME": str(cfg.home),
        "CASEFLOW_DEADLINE_PORT": "0",
        "CASEFLOW_LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG_LEVEL", "warning"),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "caseflow.ops.cli", "run", "deadline"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def deadlines_consumer(bootstrap: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        CASE_DEADLINES.name,
        bootstrap_servers=bootstrap,
        auto_offset_reset="latest",
        enable_auto_commit=False,
        group_id=None,
        fetch_max_wait_ms=50,
    )
    await consumer.start()
    await consumer.getmany(timeout_ms=200)  # positions fixed at the current end
    return consumer


async def count_until(
    consumer: AIOKafkaConsumer, day: date, expected: int, timeout: float
) -> tuple[float | None, float | None, int]:
    """Wall times (perf_counter) of the first and the ``expected``-th timer event due ``day``."""
    first = last = None
    seen: set[str] = set()
    stop = time.perf_counter() + timeout
    while len(seen) < expected and time.perf_counter() < stop:
        batches = await consumer.getmany(timeout_ms=200, max_records=10000)
        now = time.perf_counter()
        for records in batches.values():
            for record in records:
                event = json.loads(record.value)
                if record.headers and any(k == "caseflow_control" for k, _ in record.headers):
                    continue
                if datetime.fromisoformat(event["time"]).astimezone(LEGAL_TZ).date() != day:
                    raise AssertionError(f"fired off schedule: {event['time']} for {day}")
                seen.add(event["id"])
                first = first or now
        if len(seen) >= expected:
            last = now
    return first, last, len(seen)


async def timers(cases: int, spread: int, label: str) -> dict[str, Any]:
    """Seed ``cases`` open cases, start a worker, tick the first due day at once; time the first
    and the last timer event of that day from process start."""
    cfg = settings()
    state = await infra.up(cfg)
    assert state.broker_address and state.postgres_dsn
    due = date(2026, 3, 2)
    seeded = await seed(state.postgres_dsn, cases, due, spread, cfg.partitions)
    conn = await asyncpg.connect(state.postgres_dsn)
    expected = await conn.fetchval("SELECT count(*) FROM deadline.cases WHERE wake_on <= $1", due)
    size = await conn.fetchval("SELECT pg_total_relation_size('deadline.cases')")
    await conn.close()
    await reset_group(state.broker_address)
    consumer = await deadlines_consumer(state.broker_address)
    publisher = Publisher(state.broker_address)
    await publisher.start()
    log = cfg.home / f"bench-{label}.log"
    started = time.perf_counter()
    worker = start_worker(cfg, log)
    try:
        await publisher.publish(
            tick_records(noon(due), range(cfg.partitions), "simulated", stage="dublin")
        )
        first, last, seen = await count_until(consumer, due, expected, timeout=600)
        rss = memory_mib(worker.pid, "VmHWM")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        await publisher.stop()
        await consumer.stop()
    return {
        "bench": label,
        "cases": cases,
        "due_that_day": expected,
        "emitted": seen,
        "seed_s": round(seeded, 1),
        "table_mib": round(size / 2**20),
        "start_to_first_timer_s": round(first - started, 2) if first else None,
        "start_to_all_due_s": round(last - started, 2) if last else None,
        "first_to_all_due_s": round(last - first, 2) if first and last else None,
        "peak_rss_mib": round(rss) if rss is not None else None,
    }


def start_service(cfg: Settings, name: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "caseflow.ops.cli", "run", name],
            env={
                **os.environ,
                "CASEFLOW_HOME": str(cfg.home),
                "CASEFLOW_LOG_LEVEL": "warning",
                **env,
            },
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def partner_events(run: str, start: int, n: int, at: datetime) -> list[bytes]:
    """New cases as the load: a lodging, then a hearing, ~300 bytes each."""
    out = []
    for i in range(start, start + n):
        case, second = divmod(i, 2)
        kind = "hearing.held" if second else "application.lodged"
        data = (
            {"kind": "first", "mode": "in_person"}
            if second
            else {"kind": "first", "nationality": "ERI", "track": 4}
        )
        event = {
            "specversion": "1.0",
            "id": f"{run}-{i}",
            "source": "ind",
            "type": f"nl.asylum.{kind}",
            "subject": f"load-{run}-{case:07d}",
            "time": at.isoformat(),
            "data": data,
        }
        out.append(json.dumps(event).encode())
    return out


async def live_lag(due_cases: int, rate: int, lead: float, after: float, tick: float) -> dict:
    """The live clock (wall clock + a fixed offset, so that an Amsterdam midnight falls ``lead``
    seconds into the run) ticking every ``tick`` seconds and on the midnight, as `caseflow run
    clock` does, through intake, Dublin and deadline workers while partners publish ``rate``
    events/s; ``due_cases`` timers fall due at that midnight. Lag = when the timer's event
    arrives on case.deadlines - the midnight."""
    from aiokafka import AIOKafkaProducer

    from caseflow.runtime.ticks import publish_tick

    cfg = settings()
    state = await infra.up(cfg)
    assert state.broker_address and state.postgres_dsn
    run = datetime.now(UTC).strftime("%H%M%S")
    boot = 25.0  # seconds for the workers to start and join their groups
    crossing = datetime.now(UTC) + timedelta(seconds=boot + lead)
    midnight_local = datetime.combine(
        crossing.astimezone(LEGAL_TZ).date() + timedelta(days=1),
        datetime.min.time(),
        tzinfo=LEGAL_TZ,
    )
    offset = midnight_local - crossing  # shifted clock = wall clock + offset
    due = midnight_local.date()
    seeded = await seed(state.postgres_dsn, due_cases, due, 1, cfg.partitions)
    await reset_group(state.broker_address)
    logs = cfg.home
    procs = [
        start_service(cfg, "intake", logs / "live-intake.log", CASEFLOW_INTAKE_PORT="0"),
        start_service(cfg, "dublin", logs / "live-dublin.log", CASEFLOW_DUBLIN_PORT="0"),
        start_service(cfg, "deadline", logs / "live-deadline.log", CASEFLOW_DEADLINE_PORT="0"),
    ]
    consumer = await deadlines_consumer(state.broker_address)
    publisher = Publisher(state.broker_address, client_id="bench-clock")
    await publisher.start()
    producer = AIOKafkaProducer(bootstrap_servers=state.broker_address, linger_ms=5)
    await producer.start()
    stop = asyncio.Event()

    def shifted() -> datetime:
        return datetime.now(UTC) + offset

    async def ticker() -> None:
        # The schedule of `caseflow run clock` (every period and on the midnight), shifted.
        while not stop.is_set():
            await sleep_until(next_tick(shifted(), tick), shifted)
            await publish_tick(publisher, shifted(), "live")

    async def load() -> int:
        sent, began = 0, time.perf_counter()
        while not stop.is_set():
            target = int((time.perf_counter() - began) * rate)
            if target > sent:
                for value in partner_events(run, sent, target - sent, datetime.now(UTC)):
                    await producer.send("partner.events", value)
                sent = target
            await asyncio.sleep(0.02)
        return sent

    lags: list[float] = []

    async def watch() -> None:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100)
            now = datetime.now(UTC)
            for records in batches.values():
                for record in records:
                    if record.headers and any(k == "caseflow_control" for k, _ in record.headers):
                        continue
                    event = json.loads(record.value)
                    if event["subject"].startswith("bench-") and "warning" in event["type"]:
                        lags.append((now - crossing).total_seconds())

    tasks = [asyncio.create_task(f()) for f in (ticker, watch)]
    loader = asyncio.create_task(load())
    try:
        wait = (crossing - datetime.now(UTC)).total_seconds() + after
        await asyncio.sleep(wait)
    finally:
        stop.set()
        sent = await loader
        for t in tasks:
            await t
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        await producer.stop()
        await publisher.stop()
        await consumer.stop()
    lags.sort()

    def q(x: float) -> float | None:
        return round(lags[min(len(lags) - 1, int(x * len(lags)))], 2) if lags else None

    return {
        "bench": "live",
        "timers_due_at_midnight": due_cases,
        "fired": len(lags),
        "load_events": sent,
        "load_rate_per_s": rate,
        "tick_s": tick,
        "seed_s": round(seeded, 1),
        "lag_p50_s": q(0.5),
        "lag_p99_s": q(0.99),
        "lag_max_s": round(lags[-1], 2) if lags else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=["startup", "burst", "live"])
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--spread", type=int, default=None, help="days over which timers fall")
    parser.add_argument("--rate", type=int, default=500, help="live: partner events/s")
    parser.add_argument("--tick", type=float, default=2.0, help="live: seconds between ticks")
    args = parser.parse_args()
    if args.which == "startup":
        result = asyncio.run(timers(args.cases or 1_000_000, args.spread or 100, "startup"))
    elif args.which == "burst":
        result = asyncio.run(timers(args.cases or 100_000, args.spread or 1, "burst"))
    else:
        result = asyncio.run(live_lag(args.cases or 2000, args.rate, 30.0, 30.0, args.tick))
    print(json.dumps({**result, "at": datetime.now(UTC).isoformat(timespec="seconds")}))


if __name__ == "__main__":
    main()
