"""`caseflow case erase ID`: after the live pipeline has seen a case, erasing it leaves no row in
any schema that names the case or any of its events, the operator APIs answer 404 for it, every
other row is exactly as it was (the metrics projection only keeps what the case counted, without
naming it), erasing again removes nothing — and no business counter steps down, so the alert
rules page nobody (docs/metrics.md, "Reading the business series")."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import aiohttp
import asyncpg
from prometheus_client.parser import text_string_to_metric_families

from caseflow.ops.erase import ERASERS, erase_case
from tests.deploy.rules import BUSINESS_ALERTS, promtool, quiet_after_step
from tests.integration.pipeline_harness import pipeline

DATA = Path(__file__).resolve().parents[1] / "data"
#: In sample.jsonl: registered, lodged, a Dublin claim, a failed transfer, so it has rows in
#: intake, deadline, Dublin and the metrics projection.
ERASED = "case-d"
SCHEMAS = tuple(ERASERS)
#: Where the metrics projection keeps an erased case's contribution to the counters.
KEPT = "metrics.kept_counts"
Scrape = dict[str, dict[tuple[tuple[str, str], ...], float]]


async def _rows(conn: asyncpg.Connection) -> dict[str, set[str]]:
    """Every row of every table of the services' schemas, as text."""
    tables = await conn.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'",
        list(SCHEMAS),
    )
    rows = {}
    for t in tables:
        name = f"{t['table_schema']}.{t['table_name']}"
        rows[name] = {r[0] for r in await conn.fetch(f"SELECT t::text FROM {name} t")}
    return rows


async def _event_ids(conn: asyncpg.Connection, case_id: str) -> set[str]:
    """The ids of every event of the case any service recorded (partner and derived)."""
    found: set[str] = set()
    for query in (
        "SELECT event_id FROM intake.event_log WHERE case_id = $1",
        "SELECT event_id FROM deadline.history WHERE case_id = $1",
        "SELECT event_id FROM dublin.history WHERE case_id = $1",
        "SELECT event_id FROM metrics.events WHERE case_id = $1",
    ):
        found |= {r[0] for r in await conn.fetch(query, case_id)}
    return found


def _mentions(rows: dict[str, set[str]], needles: set[str]) -> dict[str, list[str]]:
    pattern = re.compile(
        "|".join(rf"(?<![A-Za-z0-9._:-]){re.escape(n)}(?![A-Za-z0-9._:-])" for n in needles)
    )
    hits = {table: [r for r in found if pattern.search(r)] for table, found in rows.items()}
    return {table: found for table, found in hits.items() if found}


async def _cli(
    home: Path, dsn: str, *args: str, answer: str = ""
) -> subprocess.CompletedProcess[str]:
    """`caseflow case erase …` as an operator runs it, in its own process."""
    env = {**os.environ, "CASEFLOW_DATABASE_URL": dsn}
    command = [
        sys.executable,
        "-m",
        "caseflow.ops.cli",
        "--home",
        str(home),
        "case",
        "erase",
        *args,
    ]
    return await asyncio.to_thread(
        subprocess.run, command, input=answer, capture_output=True, text=True, env=env, timeout=60
    )


async def _status(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as answer:
        return answer.status


async def _scrape(session: aiohttp.ClientSession, port: int) -> Scrape:
    """The metrics service's business families as Prometheus reads them, after its cache."""
    await asyncio.sleep(0.6)
    async with session.get(f"http://127.0.0.1:{port}/metrics") as answer:
        text = await answer.text()
    found: Scrape = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("caseflow_") and not sample.name.endswith("_created"):
                found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = (
                    sample.value
                )
    return found


def _counters(scrape: Scrape) -> Scrape:
    """The durable counters of the projection (process counters start again with a worker)."""
    process = ("caseflow_metrics_records", "caseflow_metrics_duplicates", "caseflow_metrics_ign")
    return {
        name: samples
        for name, samples in scrape.items()
        if name.endswith("_total") and not name.startswith(process)
    }


async def test_erase_removes_the_case_everywhere_and_nothing_else(tmp_path: Path) -> None:
    async with pipeline(tmp_path, metrics=True) as live:
        await live.publish(DATA / "sample.jsonl")
        await live.advance(date(2020, 6, 30))
        await live.advance(date(2021, 3, 1))
        deadline = f"http://127.0.0.1:{live.services['deadline'].port}/v1/cases"
        dublin = f"http://127.0.0.1:{live.services['dublin'].port}/v1/cases"
        conn = await asyncpg.connect(live.dsn)
        try:
            before = await _rows(conn)
            ids = await _event_ids(conn, ERASED)
            needles = {ERASED, *ids}
            touched = _mentions(before, needles)
            # The case is in every service's schema before: the test erases something real.
            assert {t.split(".")[0] for t in touched} == set(SCHEMAS), sorted(touched)
            async with aiohttp.ClientSession() as session:
                assert await _status(session, f"{deadline}/{ERASED}") == 200
                assert await _status(session, f"{dublin}/{ERASED}") == 200

                metrics_port = live.services["metrics"].port
                counted = await _scrape(session, metrics_port)
                erased = await erase_case(live.dsn, ERASED)
                assert erased.total == sum(len(rows) for rows in touched.values())
                assert set(erased.removed) >= set(touched)

                after = await _rows(conn)
                assert _mentions(after, needles) == {}
                kept = after.pop(KEPT)
                untouched = {t: rows - set(touched.get(t, [])) for t, rows in before.items()}
                assert before.pop(KEPT) == set() and untouched.pop(KEPT) == set()
                assert after == untouched
                assert kept, "the erased case's counts are kept"
                assert await _status(session, f"{deadline}/{ERASED}") == 404
                assert await _status(session, f"{dublin}/{ERASED}") == 404
                assert await _status(session, f"{deadline}/case-a") == 200

            # The command: idempotent, says what it removed (here: nothing left).
            home = tmp_path / "cli"
            done = await _cli(home, live.dsn, ERASED, "--yes")
            assert done.returncode == 0, done.stderr
            assert "nothing to remove" in done.stdout
            assert "intake.event_log" in done.stdout and "metrics.cases" in done.stdout
            refused = await _cli(home, live.dsn, "case-a", answer="n\n")
            assert refused.returncode != 0
            bad = await _cli(home, live.dsn, "no such/id", "--yes")
            assert bad.returncode == 2
            assert {t: r for t, r in (await _rows(conn)).items() if t != KEPT} == untouched
            # case-b breached its deadline, capped its penalty and was decided late.
            done = await _cli(home, live.dsn, "case-b", "--yes")
            assert done.returncode == 0, done.stderr
            assert "rows removed from every schema" in done.stdout, done.stdout
            assert not _mentions(await _rows(conn), {"case-b"})
            async with aiohttp.ClientSession() as session:
                remaining = await _scrape(session, metrics_port)
        finally:
            await conn.close()
    breaches = counted["caseflow_breaches_total"][(("cohort", "taskforce"),)]
    assert breaches >= 1, "a breached case was erased"
    assert _counters(remaining) == _counters(counted)
    # The scrapes before and after, as a day of series stepping at the erasure: no alert.
    if promtool:
        quiet_after_step(counted, remaining, BUSINESS_ALERTS, tmp_path)
