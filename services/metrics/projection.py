"""The metrics service's projection: what one consumed record means for it, and how a batch is
projected (once per event id). The metric families computed from it are in families.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from caseflow.domain.facts import InstrumentInvalidated
from caseflow.domain.taskforce import COHORTS, cohort
from caseflow.events import decode
from caseflow.events.codec import Decoded, DecodedOperator
from caseflow.events.envelope import legal_date_of
from caseflow.events.topics import CASE_DEADLINES, CASE_EVENTS, DUBLIN_EVENTS, INTAKE_REJECTED
from caseflow.runtime.ticks import CLOCK_STAGE as SOURCE_STAGE
from caseflow.runtime.ticks import TICK_HEADER, stage_of, tick_of
from services.metrics.families import CLOCK_STAGE, INSTRUMENT_MARKED, LATE_CAUSE_UNKNOWN

PREFIX = "nl.asylum."
PHASES = {
    "application.lodged": "lodged",
    "hearing.held": "hearing",
    "intended_decision.issued": "intended_decision",
    "written_response.received": "written_response",
}
PENALTY_PREFIX = {"statutory": "stat", "court": "court"}
#: Records larger than this are not events caseflow published; they are counted as undecodable.
MAX_RECORD_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Row:
    """One counted event of the projection's ``events`` table."""

    event_id: str
    topic: str
    type: str
    case_id: str | None
    on_date: date | None
    label: str | None = None
    amount_eur: int | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """What one record adds: a counted row and the columns of its case to set."""

    row: Row
    patch: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Tick:
    stage: str
    partition: int
    at: datetime
    mode: str


Parsed = Observation | Tick | None


def parse(record: Any) -> Parsed:
    """A consumed record as the projection sees it; None for records it ignores or cannot read.

    Ticks are control records: the deadline stage's ticks on case.deadlines move the metrics
    clock; the clock's own ticks on case.events say whether it is live or simulated.
    """
    if _is_control(record.headers):
        at, stage = tick_of(record), stage_of(record)
        wanted = {CASE_DEADLINES.name: CLOCK_STAGE, CASE_EVENTS.name: SOURCE_STAGE}
        if at is None or wanted.get(record.topic) != stage:
            return None
        return Tick(stage, record.partition, at, _tick_mode(record.value))
    if record.topic == INTAKE_REJECTED.name:
        return dead_letter(record.partition, record.offset, record.headers)
    if record.value is None:
        return None
    decoded = decode(record.value, max_bytes=MAX_RECORD_BYTES, operator=True)
    if isinstance(decoded, DecodedOperator):
        return marking(record.topic, decoded)
    if not isinstance(decoded, Decoded):
        return None
    return observe(record.topic, decoded)


def _is_control(headers: Any) -> bool:
    return any(name == TICK_HEADER for name, _ in headers or ())


def _tick_mode(value: bytes | None) -> str:
    try:
        mode = json.loads(value or b"{}").get("mode")
    except (ValueError, AttributeError):
        return "unknown"
    return mode if isinstance(mode, str) else "unknown"


def dead_letter(partition: int, offset: int, headers: Any) -> Observation:
    """A dead letter counted by reason. Its id is where the original came from when intake said
    so (a re-published dead letter of the same record counts once), else where it lies."""
    h = {name: bytes(value).decode(errors="replace") for name, value in headers or ()}
    source = h.get("caseflow_source_topic")
    if source:
        where = f"{source}:{h.get('caseflow_source_partition')}:{h.get('caseflow_source_offset')}"
    else:
        where = f"{INTAKE_REJECTED.name}:{partition}:{offset}"
    reason = h.get("caseflow_reason", "unknown")[:64]
    row = Row(f"dead-letter:{where}", INTAKE_REJECTED.name, "dead_letter", None, None, reason)
    return Observation(row)


def marking(topic: str, decoded: DecodedOperator) -> Observation | None:
    """An instrument marked unlawful (`caseflow policy invalidate`), counted once (the same
    event lies in every partition) under the instrument's name, dated by the ruling."""
    event = decoded.event
    if event.type != InstrumentInvalidated.TYPE:
        return None
    instrument = str(getattr(decoded.data, "instrument", ""))
    on = legal_date_of(event.time)
    return Observation(Row(event.id, topic, INSTRUMENT_MARKED, None, on, instrument))


def observe(topic: str, decoded: Decoded) -> Observation:
    """The counted row and the case columns an accepted or derived event sets."""
    envelope = decoded.envelope
    kind = envelope.type.removeprefix(PREFIX)
    data: Mapping[str, Any] = envelope.data or {}
    on = legal_date_of(envelope.time)
    label: str | None = None
    amount: int | None = None
    patch: dict[str, Any] = {}
    if kind == "application.lodged":
        label = str(data.get("kind"))
        patch.update(kind=label, lodged_on=on, phase="lodged")
        if data.get("track") is not None:
            patch["track"] = int(data["track"])
    elif kind == "track.assigned":
        patch["track"] = int(data["track"])
    elif kind in PHASES:
        patch["phase"] = PHASES[kind]
    elif kind == "decision.issued":
        label = str(data.get("outcome"))
        patch.update(decided_on=on, outcome=label, phase="decided")
    elif kind == "term.started":
        patch.update(deadline=data.get("deadline"), term_start=data.get("starts_on"))
        patch["term_from_lodging"] = False
    elif kind == "term.changed":
        patch["deadline"] = data.get("new_deadline")
        if data.get("new_deadline") is None:
            # The term stopped: the case waits for the Dublin procedure (Vw 2000 art. 42(6)).
            patch.update(term_start=None, term_from_lodging=False)
        elif data.get("old_deadline") is None:
            # A term without term.started: off the Dublin track, it runs from the lodging.
            patch.update(term_start=None, term_from_lodging=True)
    elif kind == "deadline.warning":
        label = str(data.get("threshold_days"))
    elif kind == "penalty.accruing":
        label = str(data.get("kind"))
        p = PENALTY_PREFIX.get(label)
        if p is not None:
            patch.update(
                {
                    f"{p}_first_day": data.get("first_day"),
                    f"{p}_rates": [int(r) for r in data.get("per_day_eur", ())],
                    f"{p}_tier_days": int(data.get("tier_days", 0)),
                    f"{p}_cap_eur": int(data.get("cap_eur", 0)),
                }
            )
    elif kind == "penalty.capped":
        label, amount = str(data.get("kind")), int(data.get("cap_eur", 0))
        if (p := PENALTY_PREFIX.get(label)) is not None:
            patch[f"{p}_capped_on"] = on
    elif kind in ("decision.on_time", "decision.late"):
        patch["timeliness"] = "within" if kind == "decision.on_time" else "late"
        if kind == "decision.late":
            stat, court = (
                int(data.get("statutory_penalty_eur", 0)),
                int(data.get("court_penalty_eur", 0)),
            )
            patch.update(stat_final_eur=stat, court_final_eur=court)
            amount = stat + court
            label = str(data.get("cause") or LATE_CAUSE_UNKNOWN)
    elif kind == "dublin.transfer.completed":
        label = "completed"
    elif kind == "dublin.transfer.failed":
        label = str(data.get("reason"))
    elif kind == "transfer.deadline_set":
        patch["transfer_deadline"] = data.get("transfer_deadline")
    elif kind == "transfer.deadline_expired":
        label = "expired"
    elif kind == "national_procedure.entered":
        label = str(data.get("reason"))
    if topic == DUBLIN_EVENTS.name and data.get("stage") is not None:
        # The stage after the event, as the Dublin fold defines it (caseflow.domain.dublin.
        # dublin_stage). One topic, keyed by case: the last one read is the current stage.
        patch["dublin_stage"] = str(data["stage"])
    enriched = envelope.extensions.get("cohort")
    if enriched in COHORTS:
        patch["cohort"] = enriched
    row = Row(envelope.id, topic, kind, envelope.subject, on, label, amount)
    return Observation(row, {k: _jsonable(v) for k, v in patch.items()})


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def merge(observations: Iterable[Observation], cohort_cutoff: date) -> dict[str, dict[str, Any]]:
    """One patch per case, later events overriding earlier ones (records of a case arrive in
    order per topic). The cohort follows from the lodging date when intake did not say."""
    patches: dict[str, dict[str, Any]] = {}
    for obs in observations:
        if obs.row.case_id is None or not obs.patch:
            continue
        patch = patches.setdefault(obs.row.case_id, {})
        incoming = obs.patch
        patch.update(incoming)
        if "lodged_on" in incoming and "cohort" not in patch:
            lodged = date.fromisoformat(incoming["lodged_on"])
            patch["cohort"] = cohort(lodged, cohort_cutoff)
    return patches


# --- a consumed batch ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchReport:
    """Per topic: records consumed, events new to the projection, duplicates, unreadable."""

    records: dict[str, int]
    new: dict[str, int]
    duplicates: dict[str, int]
    ignored: dict[str, int]


async def on_batch(records: Sequence[Any], projection: Any, cohort_cutoff: date) -> BatchReport:
    """Project one batch in one transaction: new events counted, their cases patched, the
    clock moved. Events seen before (redelivery, replays) change nothing."""
    report = BatchReport({}, {}, {}, {})
    observations: dict[str, Observation] = {}
    ticks: dict[tuple[str, int], Tick] = {}
    for record in records:
        _bump(report.records, record.topic)
        parsed = parse(record)
        if isinstance(parsed, Tick):
            key = (parsed.stage, parsed.partition)
            ticks[key] = max(parsed, ticks.get(key, parsed), key=lambda t: t.at)
        elif isinstance(parsed, Observation):
            if parsed.row.event_id in observations:
                _bump(report.duplicates, record.topic)
            else:
                observations[parsed.row.event_id] = parsed
        elif not _is_control(record.headers):
            _bump(report.ignored, record.topic)
    async with projection.transaction() as tx:
        new = await tx.insert_events([o.row for o in observations.values()])
        fresh = [o for o in observations.values() if o.row.event_id in new]
        await tx.patch_cases(merge(fresh, cohort_cutoff))
        await tx.set_clock(ticks.values())
    for obs in observations.values():
        _bump(report.new if obs.row.event_id in new else report.duplicates, obs.row.topic)
    return report


def _bump(tally: dict[str, int], key: str) -> None:
    tally[key] = tally.get(key, 0) + 1
