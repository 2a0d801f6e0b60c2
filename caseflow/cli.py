"""`caseflow …`: the operator's command line. Each command only translates arguments to a call."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from caseflow.runtime.settings import Settings, load_settings


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


@click.group()
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    default=None,
    help="State folder (default .caseflow, or CASEFLOW_HOME).",
)
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """caseflow: Dutch asylum cases and their statutory terms, tracked across the chain."""
    overrides: dict[str, Any] = {"home": home} if home else {}
    ctx.obj = load_settings(**overrides)
    from caseflow.runtime.logging import configure_logging

    configure_logging(ctx.obj.log_level, ctx.obj.log_format)


@main.group()
def infra() -> None:
    """The embedded broker and PostgreSQL."""


@infra.command("up")
@click.pass_context
def infra_up(ctx: click.Context) -> None:
    """Start the broker and PostgreSQL if needed, create topics and schemas."""
    from caseflow.runtime import infra as infra_mod

    settings = _settings(ctx)
    state = asyncio.run(infra_mod.up(settings))
    click.echo(f"broker      {state.broker_address} (pid {state.broker_pid or 'external'})")
    click.echo(f"postgres    {state.postgres_kind}: {infra_mod._redact(state.postgres_dsn or '')}")
    click.echo(f"topics      {', '.join(state.topics)} ({settings.partitions} partitions)")
    click.echo("schemas     intake, deadline, dublin, metrics (migrated)")


@infra.command("down")
@click.pass_context
def infra_down(ctx: click.Context) -> None:
    """Stop exactly what `infra up` started."""
    from caseflow.runtime import infra as infra_mod

    stopped = infra_mod.down(_settings(ctx))
    click.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@infra.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def infra_status(ctx: click.Context, as_json: bool) -> None:
    """Say what runs where."""
    from caseflow.runtime import infra as infra_mod

    report = asyncio.run(infra_mod.status(_settings(ctx)))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    broker: dict[str, Any] = report["broker"]  # type: ignore[assignment]
    pg: dict[str, Any] = report["postgres"]  # type: ignore[assignment]
    click.echo(
        f"broker    {broker['address'] or '-'}  pid={broker['pid'] or '-'}  "
        f"{'answering' if broker['answering'] else 'down'}"
    )
    click.echo(
        f"postgres  {pg['kind'] or '-'}  {pg['dsn'] or '-'}  "
        f"{'answering' if pg['answering'] else 'down'}"
    )
    click.echo(f"topics    {', '.join(report['topics']) or '-'}")  # type: ignore[arg-type]
    if not (broker["answering"] and pg["answering"]):
        sys.exit(1)


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD") from exc


if __name__ == "__main__":
    main()
