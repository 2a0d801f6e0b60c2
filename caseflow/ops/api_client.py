"""The operator's client of caseflow's own HTTP APIs — the deadline and Dublin operator APIs and
intake's accounting — for `caseflow case show`, `worklist`, `dublin expiring`, `publish`, the
demo and the monthly report: one session per call, one timeout, one error (:class:`ApiError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp

from caseflow.domain.view import status_of

TIMEOUT = aiohttp.ClientTimeout(total=10)
#: Keys of the deadline API's case answer that are not part of the replay contract's object.
EXTRA_KEYS = ("timeline", "as_of")


class ApiError(RuntimeError):
    """An API answered with an error (``status`` and its JSON ``detail``), or nothing answered
    (``status`` 0). The message is one line, fit for the command line."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


async def get_json(session: aiohttp.ClientSession, url: str, **params: Any) -> Any:
    """GET ``url`` with the query ``params`` (None values left out) and return its JSON."""
    query = {k: str(v) for k, v in params.items() if v is not None}
    try:
        async with session.get(url, params=query) as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise ApiError(f"no answer from {url} ({str(exc) or type(exc).__name__})") from exc
    if response.status != 200:
        detail = body.get("detail") if isinstance(body, dict) else str(body)
        raise ApiError(f"HTTP {response.status} from {url}: {detail}", response.status)
    return body


def session(token: str | None = None) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(headers=_headers(token), timeout=TIMEOUT)


@dataclass
class CaseAnswer:
    case: dict[str, Any]
    #: Said on stderr: why the Dublin part is missing, if it is.
    notes: list[str] = field(default_factory=list)


def merge(case: dict[str, Any], dublin: dict[str, Any] | None) -> dict[str, Any]:
    """The deadline service's case object with the Dublin service's part joined in, and the
    case status of both parts (caseflow.domain.view.status_of)."""
    merged = dict(case)
    merged["dublin"] = dublin.get("dublin") if dublin else None
    decision = case.get("decision") or {}
    term = case.get("term")
    merged["status"] = status_of(
        decision.get("outcome"),
        term_waits=term is not None and term.get("starts_on") is None,
        dublin_open=bool(dublin and dublin.get("in_dublin_procedure")),
    )
    return merged


def contract(case: dict[str, Any]) -> dict[str, Any]:
    """Only the replay contract's per-case object."""
    return {k: v for k, v in case.items() if k not in EXTRA_KEYS}


async def show_case(
    deadline_url: str, dublin_url: str, case_id: str, token: str | None
) -> CaseAnswer:
    """One case as `caseflow case show` prints it: the deadline API joined with the Dublin API
    (without the Dublin part when that service does not answer, with a note saying why)."""
    async with session(token) as http:
        case = await get_json(http, f"{deadline_url}/v1/cases/{case_id}")
        notes: list[str] = []
        dublin: dict[str, Any] | None = None
        try:
            dublin = await get_json(http, f"{dublin_url}/v1/cases/{case_id}")
        except ApiError as exc:
            if exc.status != 404:
                notes.append(f"Dublin service: {exc}; dublin shown as null")
    return CaseAnswer(merge(case, dublin), notes)


async def worklist(deadline_url: str, token: str | None, **params: Any) -> dict[str, Any]:
    async with session(token) as http:
        answer: dict[str, Any] = await get_json(http, f"{deadline_url}/v1/worklist", **params)
    return answer


async def expiring(dublin_url: str, within_days: int | None, token: str | None) -> dict[str, Any]:
    async with session(token) as http:
        answer: dict[str, Any] = await get_json(
            http, f"{dublin_url.rstrip('/')}/v1/dublin/expiring", within_days=within_days
        )
    return answer


async def figures(
    deadline_url: str, dublin_url: str, token: str | None, query: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stock figures of the deadline service and the side-inflow of the Dublin service,
    for the dates in ``query`` (see their READMEs, ``GET /v1/figures``)."""
    async with session(token) as http:
        term = await get_json(http, f"{deadline_url}/v1/figures", **query)
        dublin = await get_json(http, f"{dublin_url}/v1/figures", **query)
    return term, dublin


async def accounting(intake_url: str, token: str | None = None) -> dict[str, Any] | None:
    """Intake's durable accounting (``GET /v1/accounting``), or None when it does not answer."""
    try:
        async with session(token) as http:
            answer: dict[str, Any] = await get_json(http, f"{intake_url.rstrip('/')}/v1/accounting")
    except ApiError:
        return None
    return answer
