"""Consumer records as the metrics service receives them, built without a broker."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from caseflow.runtime.ticks import tick_records


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    key: bytes | None = None


def event(
    topic: str,
    case: str,
    n: int,
    type_: str,
    on: date,
    data: dict[str, Any] | None = None,
    *,
    source: str = "ind",
    offset: int = 0,
    **extensions: Any,
) -> Record:
    body = {
        "specversion": "1.0",
        "id": f"{case}-{type_}-{n}",
        "source": source,
        "type": "nl.asylum." + type_,
        "subject": case,
        "time": f"{on.isoformat()}T10:00:00+01:00",
        "data": data or {},
        **extensions,
    }
    return Record(topic, 0, offset, json.dumps(body).encode(), (), case.encode())


def tick(
    topic: str, at: datetime, stage: str, mode: str = "simulated", partition: int = 0
) -> Record:
    (out,) = tick_records(at, [partition], mode, stage=stage, topic=topic)
    return Record(topic, partition, 0, out.value, out.headers)


def dead_letter(reason: str, source_offset: int, offset: int = 0) -> Record:
    headers = (
        ("caseflow_reason", reason.encode()),
        ("caseflow_detail", b"not valid JSON at character 3"),
        ("caseflow_source_topic", b"partner.events"),
        ("caseflow_source_partition", b"0"),
        ("caseflow_source_offset", str(source_offset).encode()),
    )
    return Record("intake.rejected", 0, offset, b'{"broken', headers)


def marking(instrument: str, ruling_on: date, *, partition: int = 0) -> Record:
    """`caseflow policy invalidate`'s operator event as it lies in one partition of case.events:
    no subject, source operator, the same id in every partition."""
    body = {
        "specversion": "1.0",
        "id": f"marking-{instrument}",
        "source": "operator",
        "type": "nl.asylum.policy.instrument_invalidated",
        "time": f"{ruling_on.isoformat()}T12:00:00+01:00",
        "data": {"instrument": instrument, "ruling": "ECLI:NL:RBDHA:2023:136"},
    }
    return Record("case.events", partition, 0, json.dumps(body).encode())
