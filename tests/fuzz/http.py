"""The fuzz run against a live POST /v1/events, and the named hostile requests.

``fuzz_http`` sends generated inputs (tests.fuzz.inputs) as single events and as batches, from
several concurrent clients, each request with a timeout; it checks every answer (no 500, one
verdict per event, a known reason per rejection) and, at the end, that GET /v1/accounting moved
by exactly the verdicts the answers gave. ``specials`` covers the oversized batch, a slow
client, very deep JSON and huge numbers.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from caseflow.events import Reason
from caseflow.events.partner import PARTNER_TYPES
from services.intake.admission import PARTNERS, Check
from tests.fuzz.inputs import deep_json, generate, valid

SINGLE = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
OUTCOMES = ("accepted", "duplicate", "rejected")
REASONS = {str(r) for r in Reason} | {str(c) for c in Check}
#: What a request may be answered with; anything else (a 500 above all) is a failure.
EXPECTED_STATUSES = {202, 400, 403, 413, 422}
TOKENS = {p: f"demo-{p}-token" for p in PARTNERS}


@dataclass
class Tally:
    inputs: int = 0
    requests: int = 0
    judged: int = 0
    crashes: int = 0
    hangs: int = 0
    http_500: int = 0
    retried_429: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    accounting_exact: bool | None = None
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"fuzz: inputs={self.inputs} crashes={self.crashes} hangs={self.hangs} "
            f"http_500={self.http_500}"
        )


async def accounting(http: aiohttp.ClientSession) -> dict[str, Any]:
    async with http.get("/v1/accounting") as response:
        body: dict[str, Any] = await response.json()
        return body


def _auth(partner: str, content_type: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[partner]}", "Content-Type": content_type}


async def lodge_cases(http: aiohttp.ClientSession, run: str, n: int) -> list[str]:
    """``n`` cases that exist, so generated events for them can be accepted."""
    cases = [f"case-{run}-{i}" for i in range(n)]
    body = [
        valid(random.Random(i), "nl.asylum.application.lodged", subject=c)
        for i, c in enumerate(cases)
    ]
    for event in body:
        event["id"] = f"{run}-open-{event['subject']}"
    async with http.post("/v1/events", data=json.dumps(body), headers=_auth("ind", BATCH)) as r:
        assert r.status == 202, await r.text()
    return cases


def _parses(raw: bytes) -> bool:
    """Whether ``raw`` can be one element of a batch: the server parses the array and
    re-encodes each element; a batch with an element it cannot is refused whole (400)."""
    try:
        json.dumps([json.loads(raw)])
    except (ValueError, RecursionError):
        return False
    return True


def requests(rng: random.Random, n: int, cases: list[str]) -> list[tuple[str, bytes, int, str]]:
    """(partner, body, events, content type) for ``n`` inputs: a fifth single, the rest
    batches of up to 100; what JSON cannot carry in an array (not JSON, too deep) goes single."""
    out: list[tuple[str, bytes, int, str]] = []
    produced = 0
    while produced < n:
        size = 1 if rng.random() < 0.2 else rng.randint(2, 100)
        size = min(size, n - produced)
        # One partner per request; mostly types it may send, as itself, on cases that exist.
        partner = rng.choice(sorted(PARTNERS))
        own = [t for t, row in PARTNER_TYPES.items() if partner in row.sources]
        raws = []
        for _ in range(size):
            event_type = rng.choice(own) if rng.random() < 0.7 else None
            _family, raw = generate(
                rng, event_type=event_type, source=partner, subject=rng.choice(cases)
            )
            raws.append(raw)
        produced += size
        if size == 1:
            out.append((partner, raws[0], 1, SINGLE))
            continue
        singles = [r for r in raws if not _parses(r)]
        batch = [r for r in raws if _parses(r)]
        out.extend((partner, r, 1, SINGLE) for r in singles)
        if batch:
            out.append((partner, b"[" + b",".join(batch) + b"]", len(batch), BATCH))
    return out


async def fuzz_http(
    url: str,
    inputs: int,
    *,
    seed: int = 1,
    concurrency: int = 8,
    timeout: float = 30.0,
    run: str | None = None,
) -> Tally:
    """Send ``inputs`` generated inputs to ``url``; the tally says what happened."""
    rng = random.Random(seed)
    run = run or f"fz{seed}x{rng.getrandbits(32):08x}"
    tally = Tally()
    started = time.monotonic()
    limits = aiohttp.ClientTimeout(total=timeout, sock_connect=5, sock_read=timeout)
    async with aiohttp.ClientSession(base_url=url, timeout=limits) as http:
        cases = await lodge_cases(http, run, 50)
        before = await accounting(http)
        queue: asyncio.Queue[tuple[str, bytes, int, str]] = asyncio.Queue()
        for item in requests(rng, inputs, cases):
            queue.put_nowait(item)
        tally.inputs = inputs

        async def client() -> None:
            while not queue.empty():
                partner, body, events, content_type = queue.get_nowait()
                await send(http, tally, partner, body, events, content_type)

        await asyncio.gather(*(client() for _ in range(concurrency)))
        after = await accounting(http)
    tally.seconds = time.monotonic() - started
    delta = {k: after[k] - before[k] for k in (*OUTCOMES, "received")}
    reasons = {
        r: n - before["by_reason"].get(r, 0)
        for r, n in after["by_reason"].items()
        if n - before["by_reason"].get(r, 0)
    }
    want = {**{k: tally.outcomes[k] for k in OUTCOMES}, "received": tally.judged}
    tally.accounting_exact = delta == want and reasons == dict(tally.reasons)
    if not tally.accounting_exact:
        tally.problems.append(f"accounting moved by {delta} {reasons}, answers said {want}")
    return tally


async def send(
    http: aiohttp.ClientSession,
    tally: Tally,
    partner: str,
    body: bytes,
    events: int,
    content_type: str,
) -> None:
    for _attempt in range(20):
        tally.requests += 1
        try:
            async with http.post(
                "/v1/events", data=io.BytesIO(body), headers=_auth(partner, content_type)
            ) as response:
                status = response.status
                retry = response.headers.get("Retry-After", "1")
                answer = await response.json() if response.content_type.endswith("json") else {}
        except TimeoutError:
            tally.hangs += 1
            tally.problems.append(f"timeout: {body[:80]!r}")
            return
        except aiohttp.ClientError as exc:
            tally.crashes += 1
            tally.problems.append(f"{type(exc).__name__}: {body[:80]!r}")
            return
        if status == 429:
            tally.retried_429 += 1
            await asyncio.sleep(float(retry))
            continue
        break
    tally.statuses[status] += 1
    if status >= 500:
        tally.http_500 += 1
        tally.problems.append(f"{status}: {body[:80]!r}")
    elif status not in EXPECTED_STATUSES:
        tally.problems.append(f"unexpected {status}: {body[:80]!r}")
    results = answer.get("results")
    if results is None:
        return  # refused whole (a batch that is not an array, too many events): none counted
    if len(results) != events:
        tally.problems.append(f"{len(results)} verdicts for {events} events: {body[:80]!r}")
    for row in results:
        tally.judged += 1
        tally.outcomes[row["outcome"]] += 1
        if row["outcome"] == "rejected":
            if row.get("reason") not in REASONS:
                tally.problems.append(f"rejected without a known reason: {row}")
            tally.reasons[row["reason"]] += 1


@dataclass
class Specials:
    big_batch_status: int = 0
    big_batch_error: str = ""
    split_batches: list[int] = field(default_factory=list)
    split_accepted: int = 0
    slow_status: int = 0
    slow_seconds: float = 0.0
    fast_during_slow_max_s: float = 0.0
    hostile: dict[str, tuple[int, str | None]] = field(default_factory=dict)


async def specials(url: str, run: str, *, max_batch: int, events: int = 10_000) -> Specials:
    """10,000 events in one batch (413 when over the limit, then in slices of the limit), a slow
    client beside fast ones, and very deep JSON and huge numbers over HTTP."""
    out = Specials()
    rng = random.Random(run)
    lodgings = [
        valid(rng, "nl.asylum.application.lodged", subject=f"case-{run}-b{i}")
        for i in range(events)
    ]
    limits = aiohttp.ClientTimeout(total=120, sock_read=60)
    async with aiohttp.ClientSession(base_url=url, timeout=limits) as http:
        async with http.post(
            "/v1/events",
            data=io.BytesIO(json.dumps(lodgings).encode()),
            headers=_auth("ind", BATCH),
        ) as r:
            out.big_batch_status = r.status
            out.big_batch_error = (await r.json()).get("error", "")
        if out.big_batch_status != 202:
            for i in range(0, events, max_batch):
                part = json.dumps(lodgings[i : i + max_batch])
                async with http.post("/v1/events", data=part, headers=_auth("ind", BATCH)) as r:
                    out.split_batches.append(r.status)
                    out.split_accepted += (await r.json()).get("accepted", 0)

        # A slow client: its body arrives in 10 chunks over ~3 s; others are served meanwhile.
        slow_event = valid(rng, "nl.asylum.application.lodged", subject=f"case-{run}-slow")
        slow_body = json.dumps(slow_event).encode()

        async def dribble() -> AsyncIterator[bytes]:
            step = len(slow_body) // 10 + 1
            for i in range(0, len(slow_body), step):
                yield slow_body[i : i + step]
                await asyncio.sleep(0.3)

        async def slow() -> None:
            started = time.monotonic()
            async with http.post("/v1/events", data=dribble(), headers=_auth("ind", SINGLE)) as r:
                out.slow_status = r.status
                await r.read()
            out.slow_seconds = time.monotonic() - started

        async def fast() -> None:
            await asyncio.sleep(0.2)
            for i in range(20):
                event = valid(rng, "nl.asylum.registration.recorded", subject=f"case-{run}-f{i}")
                event["source"] = "police"
                started = time.monotonic()
                async with http.post(
                    "/v1/events", data=json.dumps(event), headers=_auth("police", SINGLE)
                ) as r:
                    assert r.status == 202, await r.text()
                out.fast_during_slow_max_s = max(
                    out.fast_during_slow_max_s, time.monotonic() - started
                )
                await asyncio.sleep(0.1)

        await asyncio.gather(slow(), fast())

        base = valid(rng, "nl.asylum.track.assigned", subject=f"case-{run}-b0")
        text = json.dumps(base).encode()
        nested: Any = 1
        for _ in range(40):
            nested = {"x": nested}
        hostile = {
            "deep_array_200k": deep_json(200_000),
            "deep_object_10k": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
            "deep_data_40": json.dumps({**base, "data": nested}).encode(),
            "huge_int_5000_digits": text.replace(b'"track": 2', b'"track": ' + b"9" * 5000),
            "huge_int_30_digits": text.replace(b'"track": 2', b'"track": ' + b"9" * 30),
            "huge_float_1e400": text.replace(b'"track": 2', b'"track": 1e400'),
            "nul_bytes": b"\x00" * 1000,
            "nul_in_string": text.replace(b'"case-', b'"case-\\u0000'),
            "invalid_utf8": text.replace(b'"case-', b'"case-\xff\xfe'),
            "lone_surrogate": text.replace(b'"case-', b'"case-\\udc00'),
        }
        for name, body in hostile.items():
            raw = io.BytesIO(body)
            async with http.post("/v1/events", data=raw, headers=_auth("ind", SINGLE)) as r:
                answer = await r.json()
                results = answer.get("results") or [{}]
                out.hostile[name] = (r.status, results[0].get("reason"))
        batch = b"[" + deep_json(50_000) + b"]"
        raw = io.BytesIO(batch)
        async with http.post("/v1/events", data=raw, headers=_auth("ind", BATCH)) as r:
            out.hostile["deep_batch_50k"] = (r.status, None)
    return out
