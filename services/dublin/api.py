"""The Dublin service's HTTP API (port 8083): one case's Dublin part, and the look-ahead of
transfers about to expire with the side-inflow they would cause. Transport only: the documents
are built by handlers.py from what store.py reads. The same operator credential as the deadline
API (``CASEFLOW_OPERATOR_TOKEN``; without one, loopback clients only), since `caseflow case show`
sends one token to both.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from caseflow.events.envelope import CASE_ID_PATTERN, legal_date_of
from services.dublin.handlers import (
    case_document,
    expiring_document,
    forecast_until,
    parse_within_days,
)
from services.dublin.store import DublinReader

if TYPE_CHECKING:
    from caseflow.pipeline.service import FoldService


LOOPBACK = ("127.0.0.1", "::1")
Handler = Callable[[web.Request], Awaitable[web.Response]]


class OperatorSettings(BaseSettings):
    """The operator credential (the deadline API reads the same variable)."""

    model_config = SettingsConfigDict(env_prefix="CASEFLOW_", extra="ignore", frozen=True)
    operator_token: SecretStr | None = None


def _error(status: int, error: str, detail: str) -> web.Response:
    return web.json_response({"error": error, "detail": detail}, status=status)


def _guarded(handler: Handler, token: str | None) -> Handler:
    async def wrapper(request: web.Request) -> web.Response:
        if token is None:
            allowed = request.remote in LOOPBACK
        else:
            given = request.headers.get("Authorization", "").encode()
            allowed = hmac.compare_digest(given, f"Bearer {token}".encode())
        if not allowed:
            detail = "bearer token required" if token else "loopback clients only (no token set)"
            return _error(401 if token else 403, "unauthorised", detail)
        return await handler(request)

    return wrapper


def routes(service: FoldService) -> list[web.RouteDef]:
    assert service.pool is not None and service.store is not None
    store, policy = service.store, service.policy
    reader = DublinReader(service.pool, service.schema)
    secret = OperatorSettings().operator_token
    token = secret.get_secret_value() if secret is not None else None

    async def case(request: web.Request) -> web.Response:
        case_id = request.match_info["case_id"]
        if not CASE_ID_PATTERN.match(case_id):
            return _error(400, "bad_case_id", "not a case id")
        row = await store.case(case_id)
        if row is None or row.state is None:
            return _error(404, "unknown_case", f"no Dublin record of case {case_id}")
        # The partition's clock, read from the database: the partition may belong to another
        # worker of the group, whose clock this worker does not hold in memory.
        clock = (await store.clocks()).get(row.partition)
        as_of = legal_date_of(clock) if clock is not None else None
        timeline = await store.timeline(case_id)
        return web.json_response(case_document(case_id, row.state, as_of, policy, timeline))

    async def expiring(request: web.Request) -> web.Response:
        within = parse_within_days(request.query)
        if isinstance(within, str):
            return _error(400, "bad_query", within)
        as_of = await reader.pipeline_day()
        if as_of is None:
            return _error(503, "no_pipeline_clock", "no clock tick processed yet")
        window = await reader.open_claims(as_of, as_of + timedelta(days=within))
        horizon = await reader.open_claims(as_of, forecast_until(as_of))
        return web.json_response(expiring_document(as_of, within, window, horizon))

    return [
        web.get("/v1/cases/{case_id}", _guarded(case, token)),
        web.get("/v1/dublin/expiring", _guarded(expiring, token)),
    ]
