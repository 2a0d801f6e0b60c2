"""`caseflow …`: the operator's command line. Each command only translates arguments to a call."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from caseflow.ops.failures import debugging, one_line
from caseflow.ops.registry import SERVICES
from caseflow.runtime.settings import Settings, load_settings

if TYPE_CHECKING:
    from caseflow.runtime.messages import Language


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


#: Commands that run services, whose logs an operator reads as they run.
SERVING = ("run", "up", "demo", "infra")


class Commands(click.Group):
    """The command line's one place for known failures: a service, broker or database that does
    not answer, a missing file or folder (`caseflow.ops.failures`) ends the command with one
    line on stderr and exit status 1, never a traceback. Every subcommand runs inside it.
    Anything else is a bug and keeps its traceback (so does everything with CASEFLOW_DEBUG=1)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            # One line too, without the usage block: where to read more is in it.
            where = f"`{exc.ctx.command_path} --help`" if exc.ctx else "`caseflow --help`"
            raise click.UsageError(f"{exc.format_message()} (see {where})") from exc
        except Exception as exc:
            line = one_line(exc)
            if line is None or debugging():
                raise
            raise click.ClickException(line) from exc


@click.group(cls=Commands)
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
    import logging

    from caseflow.runtime.logging import configure_logging

    configure_logging(ctx.obj.log_level, ctx.obj.log_format)
    if ctx.invoked_subcommand not in SERVING:
        # A client command says in one line what did not answer; the Kafka client's own log
        # of every failed attempt would only repeat it.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


@main.group()
def infra() -> None:
    """The embedded broker and PostgreSQL."""


@infra.command("up")
@click.pass_context
def infra_up(ctx: click.Context) -> None:
    """Start the broker and PostgreSQL if needed, create topics and schemas."""
    from caseflow.ops import infra as infra_mod
    from caseflow.ops.registry import schemas

    settings = _settings(ctx)
    state = asyncio.run(infra_mod.up(settings))
    click.echo(f"broker      {state.broker_address} (pid {state.broker_pid or 'external'})")
    click.echo(f"postgres    {state.postgres_kind}: {infra_mod._redact(state.postgres_dsn or '')}")
    click.echo(f"topics      {', '.join(state.topics)} ({settings.partitions} partitions)")
    click.echo(f"schemas     {', '.join(schemas())} (migrated)")


@infra.command("down")
@click.pass_context
def infra_down(ctx: click.Context) -> None:
    """Stop exactly what `infra up` started."""
    from caseflow.ops import infra as infra_mod

    stopped = infra_mod.down(_settings(ctx))
    click.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@infra.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def infra_status(ctx: click.Context, as_json: bool) -> None:
    """Say what runs where."""
    from caseflow.ops import infra as infra_mod

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


@main.command("run")
@click.argument("service", type=click.Choice(list(SERVICES)))
@click.pass_context
def run(ctx: click.Context, service: str) -> None:
    """One worker of one service, in the foreground; SIGTERM or Ctrl-C stops it cleanly."""
    from caseflow.ops.infra import resolved
    from caseflow.ops.supervisor import run_service

    try:
        settings = resolved(_settings(ctx))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    run_service(service, settings)


@main.command("publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--via", type=click.Choice(["kafka", "http"]), default="kafka", show_default=True)
@click.option("--token", envvar="CASEFLOW_TOKEN", help="Partner bearer token (HTTP).")
@click.option("--url", default=None, help="Intake base URL (default from the settings).")
@click.option("--wait", "wait_s", default=30.0, show_default=True, help="Kafka: seconds to wait.")
@click.pass_context
def publish(
    ctx: click.Context, file: Path, via: str, token: str | None, url: str | None, wait_s: float
) -> None:
    """Send partner events (one CloudEvent per line) as a partner system would."""
    from caseflow.ops import publish as client
    from caseflow.ops.infra import endpoints
    from caseflow.runtime.kafka import client_options
    from caseflow.runtime.operator import operator_token

    settings = _settings(ctx)
    url = url or f"http://{settings.http_host}:{settings.intake_port}"
    if via == "http":
        if not token:
            raise click.UsageError("--token (or CASEFLOW_TOKEN) is required with --via http")
        report = asyncio.run(client.publish_http(file, url=url, token=token))
    else:
        bootstrap, _dsn = endpoints(settings)
        report = asyncio.run(
            client.publish_kafka(
                file,
                bootstrap=bootstrap,
                topic=settings.intake_topic,
                url=url,
                wait_s=wait_s,
                options=client_options(settings),
                token=operator_token(settings),
            )
        )
    for line in report.lines():
        click.echo(line)


@main.command("up")
@click.option("--clock", type=click.Choice(["live", "simulated"]), default="live")
@click.pass_context
def up(ctx: click.Context, clock: str) -> None:
    """Infra and every service in the foreground; Ctrl-C stops all."""
    from caseflow.ops.supervisor import up as up_all

    sys.exit(up_all(_settings(ctx), clock=clock, echo=click.echo))


@main.command()
@click.argument("events", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--until",
    callback=_parse_date,
    default=None,
    help="Advance the simulated clock to this date (default: the last event's date).",
)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json")
@click.pass_context
def replay(ctx: click.Context, events: Path, until: date | None, fmt: str) -> None:
    """Run partner events through intake, Dublin and deadline logic offline (no Kafka, no DB)."""
    from caseflow.ops.replay import dumps, replay_file
    from caseflow.ops.tables import replay_table
    from caseflow.runtime.policy import policy_from

    settings = _settings(ctx)
    result = replay_file(events, until, settings)
    document = result.as_json(policy_from(settings))
    if fmt == "json":
        click.echo(dumps(document))
    else:
        replay_table(document)


@main.group()
def clock() -> None:
    """The simulated pipeline clock."""


@clock.command("advance")
@click.option("--to", "to", required=True, callback=_parse_date, help="YYYY-MM-DD")
@click.option(
    "--timeout", default=600.0, show_default=True, help="Seconds to wait for the pipeline."
)
@click.pass_context
def clock_advance(ctx: click.Context, to: date, timeout: float) -> None:
    """Move the simulated clock to a date; returns when every service has processed up to it."""
    from caseflow.ops.clock import advance

    asyncio.run(advance(_settings(ctx), to, timeout=timeout))
    click.echo(f"pipeline clock at {to.isoformat()}")


@main.group()
def dublin() -> None:
    """Dublin transfers: the look-ahead of the Dublin service."""


@dublin.command("expiring")
@click.option("--within-days", type=click.IntRange(min=0), default=None, help="Default 28.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
@click.option("--url", default=None, help="Dublin API base URL (default from the settings).")
@click.option("--token", envvar="CASEFLOW_OPERATOR_TOKEN", default=None, help="Operator token.")
@click.pass_context
def dublin_expiring(
    ctx: click.Context, within_days: int | None, fmt: str, url: str | None, token: str | None
) -> None:
    """Accepted claims whose transfer deadline is near, and the side-inflow they would cause."""
    from caseflow.ops import api_client
    from caseflow.ops.tables import expiring_lines

    settings = _settings(ctx)
    base = url or f"http://{settings.http_host}:{settings.dublin_port}"
    try:
        document = asyncio.run(api_client.expiring(base, within_days, token))
    except api_client.ApiError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo("\n".join(expiring_lines(document)))


@main.group()
def case() -> None:
    """One case, as the live services see it."""


operator_token_option = click.option(
    "--token",
    envvar="CASEFLOW_OPERATOR_TOKEN",
    default=None,
    help="Operator bearer token (default CASEFLOW_OPERATOR_TOKEN).",
)


@case.command("show")
@click.argument("case_id")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json")
@click.option("--timeline", is_flag=True, help="JSON: add the case's timeline and as_of.")
@operator_token_option
@click.pass_context
def case_show(
    ctx: click.Context, case_id: str, fmt: str, timeline: bool, token: str | None
) -> None:
    """The replay contract's object of one case: the deadline API joined with the Dublin API."""
    from caseflow.ops import api_client
    from caseflow.ops.tables import case_table

    settings = _settings(ctx)
    base = f"http://{settings.http_host}"
    try:
        answer = asyncio.run(
            api_client.show_case(
                f"{base}:{settings.deadline_port}", f"{base}:{settings.dublin_port}", case_id, token
            )
        )
    except api_client.ApiError as exc:
        raise click.ClickException(str(exc)) from exc
    for note in answer.notes:
        click.echo(note, err=True)
    if fmt == "table":
        case_table(case_id, answer.case)
    else:
        shown = answer.case if timeline else api_client.contract(answer.case)
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))


@case.command("erase")
@click.argument("case_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def case_erase(ctx: click.Context, case_id: str, yes: bool) -> None:
    """Erase a case on request: its events and state in every schema, in one transaction."""
    from caseflow.ops import erase
    from caseflow.ops.infra import endpoints

    if not erase.valid_case_id(case_id):
        raise click.BadParameter("not a case id", param_hint="CASE_ID")
    if not yes:
        click.confirm(
            f"Erase case {case_id} from intake, deadline, Dublin and metrics? It cannot be undone",
            abort=True,
        )
    _bootstrap, dsn = endpoints(_settings(ctx))
    for line in asyncio.run(erase.erase_case(dsn, case_id)).lines():
        click.echo(line)


@main.command("worklist")
@click.option("--within-days", type=int, default=28, show_default=True)
@click.option("--cohort", type=click.Choice(["taskforce", "regular"]), default=None)
@click.option("--track", type=click.IntRange(1, 5), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
@operator_token_option
@click.pass_context
def worklist(
    ctx: click.Context,
    within_days: int,
    cohort: str | None,
    track: int | None,
    limit: int,
    fmt: str,
    token: str | None,
) -> None:
    """Open cases whose deadline falls within N days (and breached ones), soonest first."""
    from caseflow.ops import api_client
    from caseflow.ops.tables import worklist_table

    settings = _settings(ctx)
    try:
        answer = asyncio.run(
            api_client.worklist(
                f"http://{settings.http_host}:{settings.deadline_port}",
                token,
                within_days=within_days,
                cohort=cohort,
                track=track,
                limit=limit,
            )
        )
    except api_client.ApiError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "table":
        worklist_table(answer)
    else:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))


@main.group()
def scenario() -> None:
    """Partner-event scenarios."""


@scenario.command("letter-2020")
@click.option("--seed", default=2020, show_default=True)
@click.option("--scale", default=1.0, show_default=True, help="Shrink (or grow) every count.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def scenario_letter(seed: int, scale: float, out: Path) -> None:
    """The situation of the January 2021 letter, 1 Jan 2019 – 30 Jun 2021, as JSONL."""
    from scenarios.letter_2020 import write

    count = write(out, seed=seed, scale=scale)
    click.echo(f"{count} events written to {out}")


@main.command()
@click.option("--seed", default=2020, show_default=True)
@click.option("--scale", default=1.0, show_default=True)
@click.option("--headless", is_flag=True, help="No live display; stop the services at the end.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.pass_context
def demo(ctx: click.Context, seed: int, scale: float, headless: bool, as_json: bool) -> None:
    """Replay the 2020 letter through the live pipeline and compare the figures."""
    from rich.console import Console

    from caseflow.ops import demo as demo_mod
    from caseflow.ops import supervisor, tables

    settings = demo_mod.demo_settings(_settings(ctx))
    console = Console(stderr=as_json)
    quiet = headless or as_json
    progress, on_month = tables.month_progress(console, disable=quiet)
    with progress:
        figures, children = demo_mod.run(
            settings,
            seed=seed,
            scale=scale,
            headless=quiet,
            echo=(lambda _line: None) if quiet else console.print,
            on_month=on_month,
        )
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    console.print(tables.letter_table(figures, scale=scale, seed=seed))
    console.print(f"{figures['events']:,} events replayed live in {figures['replay_seconds']} s")
    if children:
        console.print(tables.addresses(settings))
        sys.exit(supervisor.supervise(children, echo=click.echo))


@main.command()
@click.option(
    "--month",
    required=True,
    type=click.DateTime(formats=["%Y-%m"]),
    help="YYYY-MM: the last month of the report (complete in the data).",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--events",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Compute from this events file instead of intake's event log (the live pipeline).",
)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="The data's volume against the real one (`caseflow scenario --scale`); on every page.",
)
@click.pass_context
def report(
    ctx: click.Context,
    month: datetime,
    out: Path,
    events: Path | None,
    lang: Language,
    scale: float,
) -> None:
    """The monthly figures as the IND publishes them: PDF, HTML and Markdown with charts, and a
    CSV; each month as known at its end."""
    from caseflow.ops import report as report_mod
    from caseflow.ops.infra import endpoints

    settings = _settings(ctx)
    if events is not None:
        source = report_mod.from_file(events, settings)
    else:
        source = report_mod.from_intake(endpoints(settings)[1], settings)
    made = report_mod.make(source, report_mod.month_of(month), settings, scale=scale, language=lang)
    for path in report_mod.write(made, out):
        click.echo(str(path))


if __name__ == "__main__":
    main()
