"""`caseflow publish`: send a JSONL file of partner events as a partner system would.

Over Kafka each line becomes one record on partner.events, keyed by its ``subject``; intake's
verdicts are then read back from its durable accounting (GET /v1/accounting) as a before/after
difference, so run it against an otherwise quiet intake. Over HTTP the lines go to
POST /v1/events in batches and each event's outcome comes back in the response.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from caseflow.ops.api_client import accounting
from caseflow.runtime.kafka import ClientOptions, Outgoing, Publisher
from services.intake.web import BATCH, SINGLE

OUTCOMES = ("accepted", "duplicate", "rejected")
#: One POST of a batch: judged, published and recorded before intake answers.
POST_TIMEOUT = aiohttp.ClientTimeout(total=60)


@dataclass
class Report:
    sent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    #: False when intake's verdicts could not all be seen (Kafka: not processed in time).
    complete: bool = True

    def lines(self) -> list[str]:
        out = [f"sent       {self.sent}"]
        out += [f"{name:<10} {self.outcomes[name]}" for name in OUTCOMES]
        out += [f"  {reason:<20} {n}" for reason, n in sorted(self.reasons.items())]
        if self.statuses:
            codes = ", ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items()))
            out.append(f"http       {codes}")
        if not self.complete:
            out.append("(intake had not processed everything when we stopped waiting)")
        return out


def read_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        for line in handle:
            line = line.strip()
            if line:
                yield line


def subject_of(line: bytes) -> bytes | None:
    """The record key a partner would use; a line that is not an event gets no key."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    subject = event.get("subject") if isinstance(event, dict) else None
    return subject.encode() if isinstance(subject, str) else None


async def publish_kafka(
    path: Path,
    *,
    bootstrap: str,
    topic: str,
    url: str | None,
    wait_s: float = 30.0,
    options: ClientOptions | None = None,
    token: str | None = None,
) -> Report:
    """Publish every line to ``topic``; with ``url``, wait until intake's accounting (read with
    the operator ``token``) has counted them, and report its verdicts."""
    before = await accounting(url, token) if url else None
    publisher = Publisher(bootstrap, client_id="caseflow-publish", options=options)
    await publisher.start()
    report = Report()
    try:
        chunk: list[Outgoing] = []
        for line in read_lines(path):
            chunk.append(Outgoing(topic, line, subject_of(line)))
            if len(chunk) >= 1000:
                await publisher.publish(chunk)
                report.sent += len(chunk)
                chunk = []
        await publisher.publish(chunk)
        report.sent += len(chunk)
    finally:
        await publisher.stop()
    if before is None or url is None:
        report.complete = False
        return report
    deadline = time.monotonic() + wait_s
    while True:
        after = await accounting(url, token)
        if after is None:
            report.complete = False
            return report
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in (*OUTCOMES, "received")}
        if delta["received"] >= report.sent or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    report.outcomes.update({k: delta[k] for k in OUTCOMES})
    for reason, n in after.get("by_reason", {}).items():
        if n - before.get("by_reason", {}).get(reason, 0):
            report.reasons[reason] = n - before.get("by_reason", {}).get(reason, 0)
    report.complete = delta["received"] >= report.sent
    return report


async def publish_http(path: Path, *, url: str, token: str, batch_size: int = 500) -> Report:
    """Lines that parse go in batches; a line that does not is sent alone, so it gets its own
    verdict (malformed_json) instead of spoiling a whole batch.
    """
    report = Report()
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(
        base_url=url, headers=headers, timeout=POST_TIMEOUT
    ) as session:

        async def send(body: bytes, content_type: str, count: int) -> None:
            async with session.post(
                "/v1/events", data=body, headers={"Content-Type": content_type}
            ) as response:
                report.statuses[response.status] += 1
                report.sent += count
                answer: dict[str, Any] = {}
                if response.content_type == "application/json":
                    answer = await response.json()
                results = answer.get("results")
                if results is None:
                    # Refused as a whole (401, 413, 415, …): every event in it was refused.
                    report.outcomes["rejected"] += count
                    report.reasons[f"http_{response.status}"] += count
                    return
                for row in results:
                    report.outcomes[row["outcome"]] += 1
                    if row.get("reason"):
                        report.reasons[row["reason"]] += 1

        batch: list[bytes] = []
        for line in read_lines(path):
            if subject_of(line) is None and not _is_json(line):
                await send(line, SINGLE, 1)
                continue
            batch.append(line)
            if len(batch) >= batch_size:
                await send(b"[" + b",".join(batch) + b"]", BATCH, len(batch))
                batch = []
        if batch:
            await send(b"[" + b",".join(batch) + b"]", BATCH, len(batch))
    return report


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
