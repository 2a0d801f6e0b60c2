"""What the operator APIs (deadline, Dublin) share: the credential — one bearer token for both,
since `caseflow case show` asks both; without a token, only loopback clients are served — the
error body, and the date parameters of their figures."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from datetime import date

from aiohttp import web

from caseflow.runtime.settings import Settings

LOOPBACK = ("127.0.0.1", "::1")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem(status: int, reason: str, detail: str) -> web.Response:
    """A JSON error body with a machine-readable reason."""
    return web.json_response({"error": reason, "detail": detail}, status=status)


def operator_token(settings: Settings) -> str | None:
    secret = settings.operator_token
    return secret.get_secret_value() if secret is not None else None


def authorised(request: web.Request, token: str | None) -> bool:
    if token is None:
        return request.remote in LOOPBACK
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def guarded(handler: Handler, token: str | None) -> Handler:
    """The handler, answering 401 (wrong or missing token) or 403 (not loopback) first."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        if not authorised(request, token):
            if token is None:
                return problem(403, "unauthorised", "loopback clients only (no token set)")
            return problem(401, "unauthorised", "bearer token required")
        return await handler(request)

    return wrapper


#: The days a figures question may name.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class BadDate(ValueError):
    """A date parameter that is missing or not a date in range; the message says which."""


def _day(name: str, raw: str) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadDate(f"{name} must be a date, YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise BadDate(f"{name} is out of range")
    return day


def date_param(query: Mapping[str, str], name: str, default: date | None = None) -> date:
    """The date parameter ``name`` (YYYY-MM-DD) of a query, or ``default`` when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadDate(f"{name}=YYYY-MM-DD is required")
        return default
    return _day(name, raw)


def dates_param(query: Mapping[str, str], name: str, default: tuple[date, ...]) -> tuple[date, ...]:
    """A comma-separated list of dates, in order and without repeats; ``default`` when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    return tuple(sorted({_day(name, part.strip()) for part in raw.split(",")}))
