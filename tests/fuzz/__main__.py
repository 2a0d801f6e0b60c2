"""`make fuzz`: the full fuzz run — the codec in-process and a live POST /v1/events.

    .venv/bin/python -m tests.fuzz [--codec 100000] [--http 100000] [--seed 1]

Starts the test broker and PostgreSQL (CASEFLOW_TEST_BROKER_PORT, default 19093 as in the
integration tier) and one intake worker in-process on its own topic and schema; prints the
figures and ends with ``fuzz: inputs=N crashes=0 hangs=0 http_500=0``. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg

from caseflow.events import Decoded, Reason, Rejection, decode
from caseflow.ops import infra, registry
from caseflow.runtime.settings import load_settings
from tests.fuzz.http import fuzz_http, specials
from tests.fuzz.inputs import generate
from tests.integration.intake.conftest import create_topic

ROOT = Path(__file__).resolve().parents[2]
#: An input taking longer than this in the codec counts as a hang.
CODEC_HANG_S = 1.0


def fuzz_codec(n: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    reasons = {str(r) for r in Reason}
    families: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    crashes = hangs = 0
    slowest = 0.0
    started = time.monotonic()
    for _ in range(n):
        family, raw = generate(rng)
        families[family] += 1
        t0 = time.monotonic()
        try:
            result = decode(raw)
        except Exception as exc:  # counting is the point
            crashes += 1
            print(f"codec crash {type(exc).__name__}: {raw[:80]!r}")
            continue
        took = time.monotonic() - t0
        slowest = max(slowest, took)
        hangs += took > CODEC_HANG_S
        if isinstance(result, Decoded):
            verdicts["decoded"] += 1
        elif isinstance(result, Rejection) and result.reason in reasons:
            verdicts[str(result.reason)] += 1
        else:
            crashes += 1
    return {
        "inputs": n,
        "crashes": crashes,
        "hangs": hangs,
        "slowest_ms": round(slowest * 1000, 1),
        "seconds": round(time.monotonic() - started, 1),
        "families": dict(families),
        "verdicts": dict(verdicts.most_common()),
    }


async def main(args: argparse.Namespace) -> int:
    codec = fuzz_codec(args.codec, args.seed)
    print(f"codec: {codec}")
    port = int(os.environ.get("CASEFLOW_TEST_BROKER_PORT", "19093"))
    settings = load_settings(
        home=ROOT / ".caseflow" / f"test-{port}",
        broker_port=port,
        database_name=os.environ.get("CASEFLOW_TEST_DATABASE", "caseflow_test"),
        partitions=6,
    )
    state = await infra.up(settings)
    assert state.broker_address and state.postgres_dsn
    bootstrap, dsn = state.broker_address, state.postgres_dsn
    run = uuid.uuid4().hex[:10]
    topic, schema = f"partner.events.f{run}", f"intake_f{run}"
    await create_topic(bootstrap, topic)
    worker_settings = settings.model_copy(
        update={
            "intake_topic": topic,
            "intake_group": f"intake-f{run}",
            "intake_port": 0,
            "partners_file": ROOT / "deploy" / "partners.dev.toml",
            "intake_rate_per_second": 1e9,
        }
    )
    worker = registry.host("intake", worker_settings, bootstrap=bootstrap, dsn=dsn, schema=schema)
    await worker.start()
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    url = f"http://127.0.0.1:{worker.port}"
    try:
        tally = await fuzz_http(url, args.http, seed=args.seed, run=run)
        print(
            f"http: inputs={tally.inputs} requests={tally.requests} judged={tally.judged} "
            f"seconds={tally.seconds:.0f} statuses={dict(sorted(tally.statuses.items()))} "
            f"outcomes={dict(tally.outcomes)} accounting_exact={tally.accounting_exact}"
        )
        print(f"http reasons: {dict(tally.reasons.most_common())}")
        for problem in tally.problems[:20]:
            print(f"problem: {problem}")
        extra = await specials(url, run, max_batch=worker_settings.intake_max_batch_events)
        print(f"specials: {extra}")
    finally:
        stop.set()
        await task
        await worker.close()
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        finally:
            await conn.close()
        if not args.keep_infra:
            infra.down(settings)
    inputs = args.codec + tally.inputs
    crashes = int(codec["crashes"]) + tally.crashes  # type: ignore[call-overload]
    hangs = int(codec["hangs"]) + tally.hangs  # type: ignore[call-overload]
    print(f"fuzz: inputs={inputs} crashes={crashes} hangs={hangs} http_500={tally.http_500}")
    ok = crashes == hangs == tally.http_500 == 0 and tally.accounting_exact and not tally.problems
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--codec", type=int, default=100_000)
    parser.add_argument("--http", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-infra", action="store_true", help="leave broker/PG running")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
