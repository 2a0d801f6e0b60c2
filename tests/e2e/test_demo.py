"""`caseflow demo --headless --json` at a small scale: the figures the live pipeline computes
equal those of `caseflow replay` on the same scenario file."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest

from caseflow.domain import Policy
from caseflow.ops.replay import replay
from caseflow.runtime.settings import load_settings
from scenarios.letter_2020 import LETTER, letter_figures
from tests.integration.pipeline_harness import free_port

SCALE = 0.01


def _run_demo(home: Path, env: dict[str, str], scale: float, timeout: float) -> dict[str, object]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "caseflow.ops.cli",
            "--home",
            str(home),
            "demo",
            "--headless",
            "--json",
            "--scale",
            str(scale),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


def _environment(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "CASEFLOW_BROKER_PORT": str(free_port()),
        "CASEFLOW_DATABASE_NAME": database,
        "CASEFLOW_INTAKE_PORT": str(free_port()),
        "CASEFLOW_DEADLINE_PORT": str(free_port()),
        "CASEFLOW_DUBLIN_PORT": str(free_port()),
        "CASEFLOW_METRICS_PORT": str(free_port()),
        "CASEFLOW_LOG_LEVEL": "warning",
    }


def _teardown(home: Path, env: dict[str, str], database: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "caseflow.ops.cli", "--home", str(home), "infra", "down"],
        env=env,
        capture_output=True,
        timeout=60,
    )

    async def drop() -> None:
        conn = await asyncpg.connect(load_settings().local_postgres)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def _replay_figures(home: Path, scale: float) -> dict[str, object]:
    (scenario,) = home.glob(f"letter-2020-seed2020-scale{scale:g}.jsonl")
    result = replay(
        scenario.read_bytes().splitlines(),
        until=date(2021, 6, 30),
        policy=Policy(),
        now=datetime.now(UTC),
    )
    terms = [r.term.state for r in result.runs.values() if r.term.state is not None]
    dublins = [r.dublin.state for r in result.runs.values() if r.dublin.state is not None]
    return letter_figures(terms, dublins, Policy())


def test_demo_figures_equal_the_replay(tmp_path: Path) -> None:
    database = f"caseflow_demo_{uuid.uuid4().hex[:8]}"
    env = _environment(database)
    home = tmp_path / "home"
    try:
        figures = _run_demo(home, env, SCALE, timeout=600)
    finally:
        _teardown(home, env, database)
    assert set(LETTER) <= set(figures)
    assert isinstance(figures["replay_seconds"], float)
    assert {key: figures[key] for key in LETTER} == _replay_figures(home, SCALE)


@pytest.mark.slow
def test_demo_at_full_scale_falls_in_the_letter_ranges(tmp_path: Path) -> None:
    database = f"caseflow_demo_{uuid.uuid4().hex[:8]}"
    env = _environment(database)
    home = tmp_path / "home"
    try:
        figures = _run_demo(home, env, 1.0, timeout=3600)
    finally:
        _teardown(home, env, database)
    assert figures["taskforce_assigned"] == 15_350
    assert 5_900 <= figures["taskforce_decided_by_2020_11_15"] <= 7_100
    assert 7_700 <= figures["taskforce_decided_by_2020_12_31"] <= 8_700
    assert figures["first_applications_2020"] == 9_200
    assert figures["subsequent_applications_2020"] == 1_170
    assert 0.40 <= figures["share_decided_by_2020_12_31"] <= 0.50
    assert 10 <= figures["decided_late_2020"] <= 30
    assert 11_000_000 <= figures["penalties_paid_eur_by_2020_12_15"] <= 15_000_000
    assert 1_200 <= figures["side_inflow_2020"] <= 1_800
