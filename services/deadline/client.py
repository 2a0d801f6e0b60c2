"""The operator's side of the deadline API, for `caseflow case show` and `caseflow worklist`:
fetch, join the Dublin service's part of a case, and print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
from rich.console import Console
from rich.table import Table

from caseflow.pipeline.report import wide_console

TIMEOUT = aiohttp.ClientTimeout(total=10)
#: Keys of the deadline API's case answer that are not part of the replay contract's object.
EXTRA_KEYS = ("timeline", "as_of")


class ApiError(RuntimeError):
    """The deadline API answered with an error (its JSON ``error`` and ``detail``)."""

    def __init__(self, status: int, body: Any) -> None:
        detail = body.get("detail") if isinstance(body, dict) else str(body)
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status


@dataclass
class CaseAnswer:
    case: dict[str, Any]
    #: Said on stderr: why the Dublin part is missing, if it is.
    notes: list[str] = field(default_factory=list)


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class Unreachable(ApiError):
    def __init__(self, url: str, exc: BaseException) -> None:
        RuntimeError.__init__(self, f"no answer from {url} ({str(exc) or type(exc).__name__})")
        self.status = 0


async def _get(session: aiohttp.ClientSession, url: str, **params: Any) -> Any:
    query = {k: str(v) for k, v in params.items() if v is not None}
    try:
        async with session.get(url, params=query) as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise Unreachable(url, exc) from exc
    if response.status != 200:
        raise ApiError(response.status, body)
    return body


def merge(case: dict[str, Any], dublin: dict[str, Any] | None) -> dict[str, Any]:
    """The deadline service's case object with the Dublin service's part joined in.

    The status stays the deadline service's (it follows from the term state alone), except that
    a case the Dublin service holds in its procedure while no term runs is "dublin"."""
    merged = dict(case)
    merged["dublin"] = dublin.get("dublin") if dublin else None
    term = case.get("term") or {}
    if (
        dublin
        and dublin.get("in_dublin_procedure")
        and term.get("starts_on") is None
        and case.get("status") == "open"
    ):
        merged["status"] = "dublin"
    return merged


async def show_case(
    deadline_url: str, dublin_url: str, case_id: str, token: str | None
) -> CaseAnswer:
    async with aiohttp.ClientSession(headers=_headers(token), timeout=TIMEOUT) as session:
        case = await _get(session, f"{deadline_url}/v1/cases/{case_id}")
        notes: list[str] = []
        dublin: dict[str, Any] | None = None
        try:
            dublin = await _get(session, f"{dublin_url}/v1/cases/{case_id}")
        except ApiError as exc:
            if exc.status != 404:
                notes.append(f"Dublin service: {exc}; dublin shown as null")
        except (aiohttp.ClientError, TimeoutError) as exc:
            notes.append(
                f"Dublin service unreachable at {dublin_url} ({exc}); dublin shown as null"
            )
    return CaseAnswer(merge(case, dublin), notes)


async def worklist(deadline_url: str, token: str | None, **params: Any) -> dict[str, Any]:
    async with aiohttp.ClientSession(headers=_headers(token), timeout=TIMEOUT) as session:
        result: dict[str, Any] = await _get(session, f"{deadline_url}/v1/worklist", **params)
        return result


def contract(case: dict[str, Any]) -> dict[str, Any]:
    """Only the replay contract's per-case object."""
    return {k: v for k, v in case.items() if k not in EXTRA_KEYS}


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
