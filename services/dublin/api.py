"""The Dublin service's HTTP API (port 8083): one case's Dublin part, and the look-ahead of
transfers about to expire with the side-inflow they would cause. Transport only: the documents
are built by handlers.py from what store.py reads. The same operator credential as the deadline
API (``CASEFLOW_OPERATOR_TOKEN``; without one, loopback clients only), since `caseflow case show`
sends one token to both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from caseflow.domain.inflow import entered_between
from caseflow.domain.stock import monthly_series
from caseflow.events.envelope import CASE_ID_PATTERN, legal_date_of
from caseflow.runtime.operator import BadDate, date_param, guarded, operator_token, problem
from services.dublin.store import DublinReader
from services.dublin.views import (
    case_document,
    expiring_document,
    forecast_until,
    parse_within_days,
)

if TYPE_CHECKING:
    from caseflow.pipeline.spec import RunningFold


def routes(service: RunningFold) -> list[web.RouteDef]:
    assert service.pool is not None and service.store is not None
    store, policy = service.store, service.policy
    reader = DublinReader(service.pool, service.schema)
    token = operator_token(service.settings)

    async def case(request: web.Request) -> web.Response:
        case_id = request.match_info["case_id"]
        if not CASE_ID_PATTERN.match(case_id):
            return problem(400, "bad_case_id", "not a case id")
        row = await store.case(case_id)
        if row is None or row.state is None:
            return problem(404, "unknown_case", f"no Dublin record of case {case_id}")
        # The partition's clock, read from the database: the partition may belong to another
        # worker of the group, whose clock this worker does not hold in memory.
        clock = (await store.clocks()).get(row.partition)
        as_of = legal_date_of(clock) if clock is not None else None
        timeline = await store.timeline(case_id)
        return web.json_response(case_document(case_id, row.state, as_of, policy, timeline))

    async def expiring(request: web.Request) -> web.Response:
        within = parse_within_days(request.query)
        if isinstance(within, str):
            return problem(400, "bad_query", within)
        as_of = await reader.pipeline_day()
        if as_of is None:
            return problem(503, "no_pipeline_clock", "no clock tick processed yet")
        window = await reader.open_claims(as_of, as_of + timedelta(days=within))
        horizon = await reader.open_claims(as_of, forecast_until(as_of))
        return web.json_response(expiring_document(as_of, within, window, horizon))

    async def figures(request: web.Request) -> web.Response:
        """Cases that entered the national procedure from ``from`` to ``until`` (both dates
        required, both included), by the same function the replay's figures use."""
        try:
            first, last = date_param(request.query, "from"), date_param(request.query, "until")
        except BadDate as exc:
            return problem(400, "bad_query", str(exc))
        return web.json_response(
            {"side_inflow": entered_between(await store.states(), first, last)}
        )

    async def monthly(request: web.Request) -> web.Response:
        try:
            until = date_param(request.query, "until")
        except BadDate as exc:
            return problem(400, "bad_query", str(exc))
        series = monthly_series([], await store.states(), policy, until)
        return web.json_response(
            [{"month": r["month"], "side_inflow": r["side_inflow"]} for r in series]
        )

    return [
        web.get("/v1/cases/{case_id}", guarded(case, token)),
        web.get("/v1/dublin/expiring", guarded(expiring, token)),
        web.get("/v1/figures", guarded(figures, token)),
        web.get("/v1/figures/monthly", guarded(monthly, token)),
    ]
