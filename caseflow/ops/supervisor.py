"""`caseflow run <service>` and `caseflow up`: the processes of the registry, supervised.

`up` starts each as a subprocess (`caseflow run <name>`) so that one crash is visible and
Ctrl-C stops them all.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from caseflow.ops.registry import SERVICES, host
from caseflow.runtime.settings import Settings
from caseflow.runtime.worker import serve

ROOT = Path(__file__).resolve().parents[2]
DEMO_PARTNERS = ROOT / "deploy" / "partners.dev.toml"


def run_service(name: str, settings: Settings) -> None:
    """One worker of one service in the foreground until SIGTERM or SIGINT; ``settings`` name
    the broker and the database (`caseflow run` fills them in from `caseflow infra up`)."""
    service = SERVICES[name]
    if service.group is None:
        importlib.import_module(service.module).main(settings)
        return
    asyncio.run(serve(partial(host, name, settings), settings))


def up(settings: Settings, *, clock: str, echo: Callable[[str], None] = print) -> int:
    """Infra, then every service as a child process; returns when they stopped.

    Ctrl-C (SIGINT reaches the whole foreground group) or SIGTERM stops every child; a child
    that exits on its own stops the rest too, so a broken service is not missed.
    """
    children = start(settings, clock=clock, echo=echo)
    echo(f"clock       {clock}; Ctrl-C stops everything")
    return supervise(children, echo=echo)


def start(
    settings: Settings,
    *,
    clock: str,
    echo: Callable[[str], None] = print,
    log_dir: Path | None = None,
) -> dict[str, subprocess.Popen[bytes]]:
    """Infra up, then one worker of every service as a child process. With ``log_dir`` each
    service logs to its own file there instead of to this terminal."""
    from caseflow.ops import infra

    state = asyncio.run(infra.up(settings))
    echo(f"broker      {state.broker_address}")
    echo(f"postgres    {state.postgres_kind}: {infra._redact(state.postgres_dsn or '')}")
    env = {**os.environ, "CASEFLOW_CLOCK": clock, "CASEFLOW_HOME": str(settings.home)}
    if not settings.partners_file:
        env["CASEFLOW_PARTNERS_FILE"] = str(DEMO_PARTNERS)
        echo(f"partners    {DEMO_PARTNERS} (DEMO tokens, see docs/intake.md)")
    children: dict[str, subprocess.Popen[bytes]] = {}
    for name, service in SERVICES.items():
        if service.clock not in (None, clock):
            continue
        output = None
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            output = (log_dir / f"{name}.log").open("ab")
        children[name] = subprocess.Popen(
            [sys.executable, "-m", "caseflow.ops.cli", "run", name],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        if output is not None:
            output.close()
        echo(f"{name:<11} {service.url(settings)}  (pid {children[name].pid})")
    return children


def supervise(
    children: dict[str, subprocess.Popen[bytes]], *, echo: Callable[[str], None] = print
) -> int:
    """Wait until Ctrl-C/SIGTERM or until a child exits, then stop them all."""
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping and all(c.poll() is None for c in children.values()):
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_all(children)
    # Killed by the signal we (or the terminal) sent while stopping is a clean stop too.
    clean = {0, None} | ({-signal.SIGTERM, -signal.SIGINT} if stopping else set())
    failed = {n: c.returncode for n, c in children.items() if c.returncode not in clean}
    for name, code in failed.items():
        echo(f"{name} exited with {code}")
    return 1 if failed and not stopping else 0


def stop_all(children: dict[str, subprocess.Popen[bytes]], grace: float = 15.0) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
