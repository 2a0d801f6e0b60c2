"""Partner credentials and limits: hashed tokens compared in constant time, a token bucket per
partner answering 429, and the operator APIs' own credential (caseflow.runtime.operator)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from caseflow.runtime import operator
from caseflow.runtime.clock import ControlledClock
from caseflow.runtime.kafka import Outgoing
from caseflow.runtime.settings import load_settings
from services.intake import partners as partners_module
from services.intake.admission import PARTNERS
from services.intake.memory import MemoryLedger
from services.intake.partners import Partners
from services.intake.pipeline import Intake
from services.intake.web import RateLimiter, routes
from tests.unit.intake.factory import event

ROOT = Path(__file__).resolve().parents[3]
PARTNERS_FILE = ROOT / "deploy" / "partners.dev.toml"
TOKENS = {p: f"demo-{p}-token" for p in sorted(PARTNERS)}
SINGLE = {"Content-Type": "application/cloudevents+json"}


def test_the_partners_file_holds_hashes_only() -> None:
    # The comments name the demo tokens' public pattern (docs/intake.md); the data must not.
    lines = PARTNERS_FILE.read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    for token in TOKENS.values():
        assert token not in text
        assert hashlib.sha256(token.encode()).hexdigest() in text
    values = re.findall(r"token_sha256\s*=\s*\[([^\]]*)\]", text)
    assert len(values) == len(PARTNERS)
    for value in values:
        assert re.fullmatch(r'\s*"[0-9a-f]{64}"\s*', value)
    partners = Partners.load(PARTNERS_FILE)
    assert {p: partners.identify(t) for p, t in TOKENS.items()} == {p: p for p in TOKENS}
    assert partners.identify("demo-ind-tokeN") is None
    assert partners.identify(hashlib.sha256(b"demo-ind-token").hexdigest()) is None


def test_a_plain_token_in_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "partners.toml"
    path.write_text('[partners.ind]\ntoken_sha256 = ["demo-ind-token"]\n')
    with pytest.raises(ValueError, match="64 hex digits"):
        Partners.load(path)


@pytest.mark.parametrize("token", ["demo-ind-token", "demo-lawyer-token", "wrong", ""])
def test_tokens_are_compared_in_constant_time_against_every_hash(token: str) -> None:
    partners = Partners.load(PARTNERS_FILE)
    with mock.patch.object(
        partners_module.hmac, "compare_digest", wraps=partners_module.hmac.compare_digest
    ) as spy:
        partners.identify(token)
    # Every stored hash, whether or not an earlier one matched: no early exit to time.
    assert spy.call_count == len(partners.hashes)
    assert all(len(call.args[0]) == len(call.args[1]) == 32 for call in spy.call_args_list)


def test_the_bucket_allows_the_rate_per_partner_and_says_how_long_to_wait() -> None:
    now = [100.0]
    limiter = RateLimiter(2.0, clock=lambda: now[0])
    assert [limiter.take("ind"), limiter.take("ind")] == [0.0, 0.0]
    assert limiter.take("ind") == pytest.approx(0.5)
    assert limiter.take("police") == 0.0  # another partner's bucket is untouched
    now[0] += 0.5
    assert limiter.take("ind") == 0.0
    assert limiter.take("ind") > 0
    now[0] += 60  # idle time refills to the burst size, not beyond
    assert [limiter.take("ind") for _ in range(3)][-1] > 0
    assert all(RateLimiter(float("inf")).take("ind") == 0 for _ in range(10_000))


def test_the_default_rate_is_generous_and_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().intake_rate_per_second >= 1000
    monkeypatch.setenv("CASEFLOW_INTAKE_RATE_PER_SECOND", "3.5")
    assert load_settings().intake_rate_per_second == 3.5


def create_web_app(intake: Intake, *args: Any, **options: Any) -> web.Application:
    """The intake's routes alone on an application (the service host serves them live)."""
    app = web.Application(client_max_size=options["max_body_bytes"] + 1)
    app.add_routes(routes(intake, *args, **options))
    return app


class Collect:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def publish(self, records: Iterable[Outgoing]) -> None:
        self.sent.extend(records)


async def test_over_the_rate_a_partner_gets_429_with_retry_after() -> None:
    now = [0.0]
    ledger = MemoryLedger()
    intake = Intake(
        ledger, Collect(), settings=load_settings(), clock=ControlledClock(datetime.now(UTC))
    )
    app = create_web_app(
        intake,
        Partners.load(PARTNERS_FILE),
        ledger,
        max_body_bytes=64 * 1024,
        max_batch_events=10,
        rate_per_second=3,
        clock=lambda: now[0],
    )
    ind = {**SINGLE, "Authorization": "Bearer demo-ind-token"}
    police = {**SINGLE, "Authorization": "Bearer demo-police-token"}
    async with TestClient(TestServer(app)) as client:

        async def post(n: int, headers: dict[str, str]) -> web.Response:
            body = json.dumps(event("application.lodged", id=f"r-{n}", subject=f"case-r-{n}"))
            response = await client.post("/v1/events", data=body, headers=headers)
            await response.read()
            return response

        assert [(await post(n, ind)).status for n in range(3)] == [202, 202, 202]
        limited = await post(3, ind)
        assert limited.status == 429
        assert limited.headers["Retry-After"] == "1"
        assert (await limited.json())["reason"] == "rate_limited"
        # Other partners are not held back by one partner's burst.
        registration = json.dumps(event("registration.recorded", id="p-1", subject="case-p"))
        response = await client.post("/v1/events", data=registration, headers=police)
        assert response.status == 202
        # An unauthenticated request is refused before it can spend anyone's tokens.
        assert (await client.post("/v1/events", data="{}", headers=SINGLE)).status == 401
        now[0] += 1 / 3
        assert (await post(4, ind)).status == 202
    # A refused request carried no event into the ledger: 4 + 1 accepted, nothing else.
    assert (await ledger.totals()).by_outcome() == {"accepted": 5, "duplicate": 0, "rejected": 0}


def request(remote: str, authorization: str | None = None) -> web.Request:
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (remote, 40000) if name == "peername" else default
    )
    headers = {"Authorization": authorization} if authorization else {}
    return make_mocked_request("GET", "/v1/worklist", headers=headers, transport=transport)


async def ok(_request: web.Request) -> web.Response:
    return web.json_response({"cases": []})


@pytest.mark.parametrize(
    ("remote", "authorization", "status"),
    [
        ("127.0.0.1", None, 401),
        ("127.0.0.1", "Bearer demo-ind-token", 401),  # a partner token is no operator token
        ("10.0.0.7", "Bearer demo-court-token", 401),
        ("10.0.0.7", "Bearer operator-secr3t", 200),
        ("10.0.0.7", "bearer operator-secr3t ", 401),
        ("127.0.0.1", "Bearer operator-secr3t", 200),
    ],
)
async def test_the_operator_api_wants_its_own_token(
    remote: str, authorization: str | None, status: int
) -> None:
    handler = operator.guarded(ok, "operator-secr3t")
    response = await handler(request(remote, authorization))
    assert response.status == status
    if status == 401:
        assert json.loads(response.body)["error"] == "unauthorised"  # type: ignore[union-attr,arg-type]


@pytest.mark.parametrize(
    ("remote", "authorization", "status"),
    [
        ("127.0.0.1", None, 200),
        ("::1", None, 200),
        ("10.0.0.7", None, 403),
        ("10.0.0.7", "Bearer demo-ind-token", 403),
        ("192.168.1.2", "Bearer anything", 403),
    ],
)
async def test_without_an_operator_token_only_loopback_is_served(
    remote: str, authorization: str | None, status: int
) -> None:
    handler = operator.guarded(ok, None)
    assert (await handler(request(remote, authorization))).status == status


def test_operator_token_comes_from_settings_and_is_compared_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASEFLOW_OPERATOR_TOKEN", "operator-secr3t")
    assert operator.operator_token(load_settings()) == "operator-secr3t"
    with mock.patch.object(
        operator.hmac, "compare_digest", wraps=operator.hmac.compare_digest
    ) as spy:
        assert not operator.authorised(request("10.0.0.7", "Bearer x"), "operator-secr3t")
    assert spy.call_count == 1


async def test_the_accounting_is_the_operators_not_a_partners() -> None:
    ledger = MemoryLedger()
    intake = Intake(
        ledger, Collect(), settings=load_settings(), clock=ControlledClock(datetime.now(UTC))
    )

    def app(token: str | None) -> web.Application:
        return create_web_app(
            intake,
            Partners.load(PARTNERS_FILE),
            ledger,
            max_body_bytes=64 * 1024,
            max_batch_events=10,
            operator_token=token,
        )

    async with TestClient(TestServer(app("operator-secret"))) as client:
        for headers in ({}, {"Authorization": "Bearer demo-ind-token"}):
            refused = await client.get("/v1/accounting", headers=headers)
            assert refused.status == 401
            assert (await refused.json())["error"] == "unauthorised"
        allowed = await client.get(
            "/v1/accounting", headers={"Authorization": "Bearer operator-secret"}
        )
        assert allowed.status == 200
        assert (await allowed.json())["received"] == 0
    # Without an operator token only loopback clients are served (the test client is one).
    async with TestClient(TestServer(app(None))) as client:
        assert (await client.get("/v1/accounting")).status == 200
