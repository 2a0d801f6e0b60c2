"""The operator APIs' credential (deadline, Dublin): one bearer token for both, since
`caseflow case show` asks both; without a token, only loopback clients are served."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

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
