"""Readable tables of the per-case objects of the replay contract, for a person at a terminal."""

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


def table(document: dict[str, Any], console: Console | None = None) -> None:
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
