"""The intake's HTTP routes: POST /v1/events (partners) and GET /v1/accounting (the operator).

Only transport lives here: authenticate, read and split the body, hand the events to the same
batch procedure as the Kafka path (pipeline.Intake), and turn outcomes into a status code.
See docs/openapi-intake.yaml for the contract.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from caseflow.events import Reason
from caseflow.runtime.operator import guarded
from services.intake.admission import AUTHORISATION, Check, Origin, Outcome
from services.intake.ledger import Ledger
from services.intake.partners import Partners
from services.intake.pipeline import Intake, Item

log = logging.getLogger(__name__)

OUTCOMES = ("accepted", "duplicate", "rejected")
SINGLE = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
#: Rejections meaning the body was not an event at all: 400 when nothing was admitted.
UNREADABLE = frozenset(
    {Reason.MALFORMED_JSON, Reason.INVALID_ENCODING, Reason.NOT_AN_OBJECT, Reason.NOT_CLOUDEVENT}
)


def routes(
    intake: Intake,
    partners: Partners,
    ledger: Ledger,
    *,
    max_body_bytes: int,
    max_batch_events: int,
    rate_per_second: float = math.inf,
    clock: Callable[[], float] = time.monotonic,
    operator_token: str | None = None,
) -> list[web.RouteDef]:
    """The partners' ``POST /v1/events`` and the operator's ``GET /v1/accounting`` (the service
    host adds ``/metrics``, ``/healthz`` and ``/readyz``)."""
    metrics = intake.metrics
    limiter = RateLimiter(rate_per_second, clock=clock)

    def answer(status: int, body: dict[str, Any], **headers: str) -> web.Response:
        metrics.http_requests.labels(str(status)).inc()
        return web.json_response(body, status=status, headers=headers or None)

    async def post_events(request: web.Request) -> web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        partner = partners.identify(token.strip()) if scheme.lower() == "bearer" else None
        if partner is None:
            return answer(
                401, {"error": "a valid bearer token is required"}, **{"WWW-Authenticate": "Bearer"}
            )
        wait = limiter.take(partner)
        if wait > 0:
            return answer(
                429,
                {
                    "error": "too many requests from this partner; retry after Retry-After seconds",
                    "reason": RATE_LIMITED,
                },
                **{"Retry-After": str(max(1, math.ceil(wait)))},
            )
        if request.content_type not in (SINGLE, BATCH):
            return answer(415, {"error": f"send {SINGLE} (one event) or {BATCH} (an array)"})
        if (request.content_length or 0) > max_body_bytes:
            return answer(413, {"error": f"the body limit is {max_body_bytes} bytes"})
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return answer(413, {"error": f"the body limit is {max_body_bytes} bytes"})
        if request.content_type == SINGLE:
            raws = [body]
        else:
            split = _split_batch(body, max_batch_events)
            if isinstance(split, web.Response):
                metrics.http_requests.labels(str(split.status)).inc()
                return split
            raws = split
        try:
            outcomes = await intake.process([Item(r, None, Origin.http(), partner) for r in raws])
        except Exception:
            log.exception("HTTP batch failed", extra={"partner": partner, "events": len(raws)})
            return answer(503, {"error": "intake is unavailable; retry"}, **{"Retry-After": "5"})
        done = [o for o in outcomes if o is not None]
        return answer(status_of(done), _report(done))

    async def get_accounting(_request: web.Request) -> web.Response:
        totals = await ledger.totals()
        by_partner: dict[str, dict[str, int]] = {}
        for (_origin, partner, outcome, _reason), n in totals.events.items():
            row = by_partner.setdefault(partner, {"accepted": 0, "duplicate": 0, "rejected": 0})
            row[outcome] += n
        return web.json_response(
            {
                "received": totals.received,
                **totals.by_outcome(),
                "by_reason": totals.by_reason(),
                "by_partner": dict(sorted(by_partner.items())),
            }
        )

    # Counts per partner are the operator's, not a partner's: the operator credential, or
    # loopback only when none is set (caseflow.runtime.operator).
    return [
        web.post("/v1/events", post_events),
        web.get("/v1/accounting", guarded(get_accounting, operator_token)),
    ]


RATE_LIMITED = "rate_limited"


class RateLimiter:
    """A token bucket per partner: ``rate`` requests a second, bursts of up to one second's
    worth (at least one request). Infinite ``rate``: no limit."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, partner: str) -> float:
        """0 when ``partner`` may send now (a token is taken), else the seconds to wait."""
        if math.isinf(self.rate):
            return 0.0
        now = self.clock()
        tokens, then = self._buckets.get(partner, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        if tokens >= 1.0:
            self._buckets[partner] = (tokens - 1.0, now)
            return 0.0
        self._buckets[partner] = (tokens, now)
        return (1.0 - tokens) / self.rate


def status_of(outcomes: Sequence[Outcome]) -> int:
    """202 when any event was taken (accepted or a duplicate of one taken before); when all
    were rejected, the status names the gravest reason: 403, 413, 400, 500, else 422.
    """
    if not outcomes or any(o.outcome != "rejected" for o in outcomes):
        return 202
    reasons = {o.reason for o in outcomes}
    if reasons & AUTHORISATION:
        return 403
    if Reason.TOO_LARGE in reasons:
        return 413
    if reasons & UNREADABLE:
        return 400
    if Check.INTERNAL_ERROR in reasons:
        return 500
    return 422


def _split_batch(body: bytes, limit: int) -> list[bytes] | web.Response:
    """A batch body as one raw event per element; a body that is no array is refused whole."""
    try:
        items = json.loads(body)
    except (ValueError, RecursionError):
        return web.json_response({"error": "the body is not valid JSON"}, status=400)
    if not isinstance(items, list) or not items:
        return web.json_response({"error": "a batch is a non-empty JSON array"}, status=400)
    if len(items) > limit:
        return web.json_response({"error": f"a batch holds at most {limit} events"}, status=413)
    # Re-encoded one by one so that every event is judged as bytes, exactly like a Kafka record.
    try:
        return [json.dumps(item).encode() for item in items]
    except RecursionError:
        return web.json_response({"error": "the body is nested too deeply"}, status=400)


def _report(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    results = []
    for o in outcomes:
        row: dict[str, Any] = {"id": getattr(o, "event_id", None), "outcome": o.outcome}
        if o.reason is not None:
            row["reason"] = str(o.reason)
            row["detail"] = getattr(o, "detail", "")
        results.append(row)
    counts = {k: sum(o.outcome == k for o in outcomes) for k in OUTCOMES}
    return {**counts, "results": results}
