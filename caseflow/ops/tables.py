"""What the operator commands print for a person at a terminal: the replay's cases, one case,
the worklist, the Dublin look-ahead."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table


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
