"""What the operator commands print for a person at a terminal: the replay's cases, one case,
the worklist, the Dublin look-ahead, and the demo's progress and its table beside the letter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from caseflow.runtime.settings import Settings
from scenarios.letter_2020 import LETTER

if TYPE_CHECKING:
    from caseflow.ops.demo import Month


def wide_console(stderr: bool = False) -> Console:
    """A console for tables: piped output gets room for every column instead of 80 characters."""
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console.width = max(console.width, 150)
    return console


def replay_table(document: dict[str, Any], console: Console | None = None) -> None:
    console = console or wide_console()
    cases: dict[str, dict[str, Any]] = document["cases"]
    grid = Table(title=f"caseflow as of {document['as_of']} — {len(cases)} cases")
    for column in (
        "case",
        "cohort",
        "status",
        "track",
        "lodged",
        "deadline",
        "late",
        "decided",
        "penalty €",
        "dublin",
    ):
        grid.add_column(column, justify="right" if column == "penalty €" else "left")
    for case_id, case in cases.items():
        term = case.get("term") or {}
        decision = case.get("decision") or {}
        dublin = case.get("dublin") or {}
        penalty = case["penalty"]["statutory_eur"] + case["penalty"]["court_eur"]
        grid.add_row(
            case_id,
            case.get("cohort") or "-",
            case["status"],
            str(case.get("track") or "-"),
            case.get("lodged_on") or "-",
            term.get("deadline") or "-",
            "yes" if term.get("late") else "no",
            decision.get("on") or "-",
            f"{penalty:,}",
            dublin.get("stage") or "-",
        )
    console.print(grid)
    kinds = Counter(event["type"].removeprefix("nl.asylum.") for event in document["emitted"])
    console.print("emitted: " + (", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "-"))
    reasons = Counter(r["reason"] for r in document["rejected"])
    console.print("rejected: " + (", ".join(f"{k} {n}" for k, n in sorted(reasons.items())) or "-"))


def case_table(case_id: str, case: dict[str, Any], console: Console | None = None) -> None:
    console = console or wide_console()
    term = case.get("term") or {}
    decision = case.get("decision") or {}
    penalty = case["penalty"]
    dublin = case.get("dublin") or {}
    grid = Table(title=f"{case_id} as of {case.get('as_of', '-')}", show_header=False)
    grid.add_column("field")
    grid.add_column("value")
    rows = [
        ("status", case["status"]),
        ("cohort / track", f"{case.get('cohort') or '-'} / {case.get('track') or '-'}"),
        ("lodged", case.get("lodged_on") or "-"),
        ("term starts", term.get("starts_on") or "-"),
        ("deadline", term.get("deadline") or "-"),
        ("absolute deadline", term.get("absolute_deadline") or "-"),
        (
            "extension / suspended",
            f"{term.get('extension_months', 0)} mo / {term.get('suspended_days', 0)} d",
        ),
        ("late", "yes" if term.get("late") else "no"),
        ("decision", f"{decision.get('on', '-')} {decision.get('outcome', '')}".strip()),
        ("penalty statutory / court", f"€{penalty['statutory_eur']:,} / €{penalty['court_eur']:,}"),
        ("dublin", dublin.get("stage") or "-"),
    ]
    for name, value in rows:
        grid.add_row(name, str(value))
    console.print(grid)
    timeline = case.get("timeline") or []
    if timeline:
        events = Table(title="timeline")
        for column in ("on", "type", "origin", "id"):
            events.add_column(column)
        for entry in timeline:
            events.add_row(
                entry["on"], entry["type"].removeprefix("nl.asylum."), entry["origin"], entry["id"]
            )
        console.print(events)


def worklist_table(answer: dict[str, Any], console: Console | None = None) -> None:
    console = console or wide_console()
    grid = Table(
        title=f"worklist: deadline within {answer['within_days']} days — {answer['count']} cases"
    )
    for column in ("case", "cohort", "track", "deadline", "days left", "€ on deadline", "€ today"):
        grid.add_column(column, justify="right" if column.startswith(("€", "days")) else "left")
    for item in answer["cases"]:
        grid.add_row(
            item["case_id"],
            item["cohort"],
            str(item["track"] or "-"),
            item["deadline"],
            f"{item['days_left']}" + (" BREACHED" if item["breached"] else ""),
            f"{item['exposure_eur']['if_decided_on_deadline']:,}",
            f"{item['exposure_eur']['if_decided_today']:,}",
        )
    console.print(grid)


def expiring_lines(document: dict[str, Any]) -> list[str]:
    claims = document["claims"]
    lines = [
        f"as of {document['as_of']}: {len(claims)} accepted claim(s) expiring within "
        f"{document['within_days']} days",
        f"{'case':<24} {'state':<5} {'stage':<18} {'deadline':<10} {'days':>4}  side-inflow",
    ]
    for c in claims:
        lines.append(
            f"{c['case_id']:<24} {c['member_state'] or '-':<5} {c['stage']:<18} "
            f"{c['transfer_deadline']:<10} {c['days_left']:>4}  {c['side_inflow_on']}"
        )
    lines.append("")
    lines.append("side-inflow forecast if none is transferred")
    for week in document["forecast"]:
        lines.append(f"{week['week']}  {week['starts_on']}  {week['side_inflow']:>5}")
    return lines


def month_progress(
    console: Console, *, disable: bool, months: int = 30
) -> tuple[Progress, Callable[[Month, int], None]]:
    """A progress bar over the scenario's months, and the callback that moves it on."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console,
        disable=disable,
    )
    task = progress.add_task("replaying the 2020 letter", total=months, status="starting")

    def on_month(month: Month, published: int) -> None:
        progress.update(task, advance=1, status=f"clock {month.end}  events {published:,}")

    return progress, on_month


def letter_table(figures: dict[str, Any], *, scale: float, seed: int) -> Table:
    """The letter's figures beside caseflow's; at another scale the letter's counts are marked
    as what they would be multiplied by it (a share does not scale, counts and amounts do)."""
    table = Table(title=f"The 2020 letter vs caseflow (scale {scale:g}, seed {seed})")
    table.add_column("figure")
    table.add_column("letter", justify="right")
    table.add_column("caseflow", justify="right")
    for key, said in LETTER.items():
        value = figures[key]
        shown = f"{value:.0%}" if isinstance(value, float) else f"{value:,}"
        scaled = scale == 1.0 or isinstance(value, float)
        table.add_row(key, said if scaled else f"{said} (x{scale:g})", shown)
    return table


def addresses(settings: Settings) -> str:
    """Where the demo's services answer while they stay up."""
    base = f"http://{settings.http_host}"
    return (
        f"operator API  {base}:{settings.deadline_port}/v1/worklist\n"
        f"Dublin API    {base}:{settings.dublin_port}/v1/dublin/expiring\n"
        f"intake        {base}:{settings.intake_port}/v1/events\n"
        f"metrics       {base}:{settings.metrics_port}/metrics\n"
        "Ctrl-C stops the services (`caseflow infra down` stops the broker and database)."
    )
