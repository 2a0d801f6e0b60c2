"""Every command meets missing services, files and databases with one clear line on stderr and
a non-zero exit, never a traceback (caseflow.ops.failures, `Commands` in caseflow/ops/cli.py).
Each command runs as an operator runs it, in its own process, against ports nothing listens on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from caseflow.ops.failures import one_line


def closed_port() -> int:
    """A port nothing listens on: bound once to find it free, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    nothing = str(closed_port())
    return {
        **os.environ,
        "CASEFLOW_HOME": str(home),
        "CASEFLOW_BROKER_PORT": nothing,
        "CASEFLOW_INTAKE_PORT": nothing,
        "CASEFLOW_DEADLINE_PORT": nothing,
        "CASEFLOW_DUBLIN_PORT": nothing,
        "CASEFLOW_METRICS_PORT": nothing,
        "CASEFLOW_DATABASE_URL": f"postgresql://127.0.0.1:{nothing}/caseflow",
    }


def caseflow(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "caseflow.ops.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


EVENTS = (
    '{"specversion": "1.0", "id": "a-1", "source": "ind", "type": '
    '"nl.asylum.application.lodged", "subject": "case-a", "time": "2020-06-01T10:00:00+02:00", '
    '"data": {"kind": "first", "nationality": "SYR", "track": 4}}\n'
)

COMMANDS = {
    "report without its database and without --events": (
        ["report", "--month", "2020-12", "--out", "report"],
        "connection refused",
    ),
    "scenario into a folder that does not exist": (
        ["scenario", "letter-2020", "--scale", "0.001", "--out", "missing/dir/x.jsonl"],
        "No such file or directory: missing/dir/x.jsonl",
    ),
    "publish over HTTP to a closed port": (
        ["publish", "events.jsonl", "--via", "http", "--token", "t"],
        "connection refused",
    ),
    "publish over Kafka without a broker": (["publish", "events.jsonl"], "did not answer"),
    "case erase without a database": (["case", "erase", "case-a", "--yes"], "refused"),
    "clock advance without a broker": (
        ["clock", "advance", "--to", "2020-06-01", "--timeout", "5"],
        "did not answer",
    ),
    "worklist without the deadline service": (["worklist"], "no answer"),
    "case show without the services": (["case", "show", "case-a"], "no answer"),
    "dublin expiring without the Dublin service": (["dublin", "expiring"], "no answer"),
    "run without a database": (["run", "metrics"], "refused"),
    "replay of a file that is not there": (["replay", "missing.jsonl"], "does not exist"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_missing_service_file_or_database_is_one_line(
    name: str, env: dict[str, str], tmp_path: Path
) -> None:
    args, says = COMMANDS[name]
    (tmp_path / "events.jsonl").write_text(EVENTS)
    done = caseflow(env, tmp_path, *args)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert says in lines[0], lines[0]
    # Nothing half-written: the report's folder and the scenario's file are not there.
    assert not (tmp_path / "report").exists() and not (tmp_path / "missing").exists()


def test_no_database_configured_at_all_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    unset = {k: v for k, v in env.items() if k != "CASEFLOW_DATABASE_URL"}
    done = caseflow(unset, tmp_path, "case", "erase", "case-a", "--yes")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("Error: no database: run `caseflow infra up`"), done.stderr


def test_a_bug_keeps_its_traceback() -> None:
    assert one_line(KeyError("x")) is None
    assert one_line(ValueError("bad")) is None
    assert one_line(FileNotFoundError(2, "No such file or directory", "x.jsonl")) == (
        "No such file or directory: x.jsonl"
    )
