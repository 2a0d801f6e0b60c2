"""The operator API on the deadline web server: one case as the replay contract shows it, and the
worklist of cases whose deadline is near. Bearer token from ``CASEFLOW_OPERATOR_TOKEN``; without
one, only loopback clients are served."""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from caseflow.domain.stock import Question, monthly_series, stock_figures
from caseflow.events.envelope import CASE_ID_PATTERN, legal_date_of
from caseflow.runtime.operator import (
    BadDate,
    Handler,
    date_param,
    dates_param,
    operator_token,
    problem,
)
from caseflow.runtime.operator import guarded as guard
from services.deadline import store
from services.deadline.views import case_document, worklist_item

if TYPE_CHECKING:
    from caseflow.pipeline.spec import RunningFold

COHORTS = ("taskforce", "regular")
MAX_WITHIN_DAYS = 3660
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
PAGE = 500


class BadQuery(ValueError):
    pass


def _int(query: Mapping[str, str], name: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be an integer") from None
    if not lo <= value <= hi:
        raise BadQuery(f"{name} must be between {lo} and {hi}")
    return value


def worklist_query(query: Mapping[str, str]) -> dict[str, Any]:
    """Validated worklist parameters; unknown parameters are an error, not silently ignored."""
    unknown = set(query) - {"within_days", "cohort", "track", "limit"}
    if unknown:
        raise BadQuery(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    cohort = query.get("cohort") or None
    if cohort is not None and cohort not in COHORTS:
        raise BadQuery(f"cohort must be one of {', '.join(COHORTS)}")
    return {
        "within_days": _int(query, "within_days", 28, 0, MAX_WITHIN_DAYS),
        "cohort": cohort,
        "track": _int(query, "track", None, 1, 5),
        "limit": _int(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    }


def figures_question(query: Mapping[str, str]) -> Question:
    """``until`` (required), ``decided_by`` (dates, comma-separated; default ``until``) and
    ``penalties_by`` (default ``until``) of ``GET /v1/figures``."""
    until = date_param(query, "until")
    return Question(
        until=until,
        decided_by=dates_param(query, "decided_by", (until,)),
        penalties_by=date_param(query, "penalties_by", until),
    )


def routes(service: RunningFold) -> list[web.RouteDef]:
    token = operator_token(service.settings)

    def guarded(handler: Handler) -> Handler:
        return guard(handler, token)

    async def case(request: web.Request) -> web.StreamResponse:
        case_id = request.match_info["id"]
        if not CASE_ID_PATTERN.match(case_id):
            return problem(400, "bad_case_id", "not a case id")
        assert service.store is not None
        row = await service.store.case(case_id)
        clock = (await service.store.clocks()).get(row.partition) if row else None
        if row is None or row.state is None or clock is None:
            return problem(404, "unknown_case", f"no case {case_id} in the deadline service")
        timeline = await service.store.timeline(case_id)
        return web.json_response(
            case_document(row.state, legal_date_of(clock), service.policy, timeline)
        )

    async def worklist(request: web.Request) -> web.StreamResponse:
        try:
            q = worklist_query(request.query)
        except BadQuery as exc:
            return problem(400, "bad_query", str(exc))
        assert service.pool is not None
        items = await collect(service, **q)
        return web.json_response(
            {
                "within_days": q["within_days"],
                "cohort": q["cohort"],
                "track": q["track"],
                "count": len(items),
                "cases": items,
            }
        )

    async def figures(request: web.Request) -> web.StreamResponse:
        """The stock figures from every term state, by the function the replay uses."""
        try:
            question = figures_question(request.query)
        except BadDate as exc:
            return problem(400, "bad_query", str(exc))
        states = await service.store.states()
        return web.json_response(stock_figures(states, service.policy, question).as_json())

    async def monthly(request: web.Request) -> web.StreamResponse:
        try:
            until = date_param(request.query, "until")
        except BadDate as exc:
            return problem(400, "bad_query", str(exc))
        states = await service.store.states()
        return web.json_response(monthly_series(states, [], service.policy, until))

    return [
        web.get("/v1/cases/{id}", guarded(case)),
        web.get("/v1/worklist", guarded(worklist)),
        web.get("/v1/figures", guarded(figures)),
        web.get("/v1/figures/monthly", guarded(monthly)),
    ]


async def collect(
    service: RunningFold, *, within_days: int, cohort: str | None, track: int | None, limit: int
) -> list[dict[str, Any]]:
    """Page through candidates in stored-deadline order. The stored deadline never exceeds the
    real one, so once the next candidate's stored deadline is past the last kept real deadline
    nothing later can sort before it: stop there."""
    assert service.pool is not None
    kept: list[tuple[str, str, dict[str, Any]]] = []
    after = None
    while True:
        page = await store.worklist_page(
            service.pool,
            within_days=within_days,
            cohort=cohort,
            track=track,
            after=after,
            size=PAGE,
        )
        for c in page:
            if len(kept) >= limit and c.deadline.isoformat() > kept[limit - 1][0]:
                return [item for *_, item in kept[:limit]]
            item = worklist_item(c.state, c.today, within_days, service.policy)
            if item is not None:
                insort(kept, (item["deadline"], c.case_id, item), key=lambda k: k[:2])
                del kept[limit:]
        if len(page) < PAGE:
            return [item for *_, item in kept[:limit]]
        after = (page[-1].deadline, page[-1].case_id)
