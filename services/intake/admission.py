"""Admission: the intake's checks as a synchronous core, shared by Kafka, HTTP and `replay`.

``admit(raw, …)`` judges one record against a :class:`Register` and returns what became of
it. It reads no clock (``now`` is passed in), does no I/O and never raises for bad input; the
batch pipeline (pipeline.py) and the offline replay both fold records through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Protocol

from caseflow.domain.taskforce import cohort as domain_cohort
from caseflow.events import (
    PARTNER_TYPES,
    SERVICE_TYPES,
    Decoded,
    Envelope,
    decode,
    encode,
    may_send,
)
from caseflow.events import headers as ce_headers

PREFIX = "nl.asylum."
REGISTRATION = PREFIX + "registration.recorded"
LODGING = PREFIX + "application.lodged"
TRACK_ASSIGNED = PREFIX + "track.assigned"
#: The only types that may arrive for a case intake has never seen.
OPENING_TYPES = frozenset({REGISTRATION, LODGING})

#: Every partner that may send anything: the bounded set of ``partner`` label values.
PARTNERS: frozenset[str] = frozenset(s for row in PARTNER_TYPES.values() for s in row.sources)
UNKNOWN_PARTNER = "unknown"


class Check(StrEnum):
    """Intake's own rejection reasons, after the codec's (caseflow.events.Reason)."""

    MISSING_KEY = "missing_key"
    KEY_MISMATCH = "key_mismatch"
    NOT_A_PARTNER_TYPE = "not_a_partner_type"
    SOURCE_NOT_ALLOWED = "source_not_allowed"
    SOURCE_MISMATCH = "source_mismatch"
    UNKNOWN_CASE = "unknown_case"
    ALREADY_LODGED = "already_lodged"
    INTERNAL_ERROR = "internal_error"


#: Rejections that mean "this partner may not send this": HTTP answers 403.
AUTHORISATION = frozenset(
    {Check.NOT_A_PARTNER_TYPE, Check.SOURCE_NOT_ALLOWED, Check.SOURCE_MISMATCH}
)


class Settings(Protocol):
    """The two settings admission reads; caseflow.runtime.settings.Settings has both."""

    @property
    def max_event_bytes(self) -> int: ...

    @property
    def cohort_cutoff(self) -> date: ...


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from: a Kafka position, an HTTP request, or a line of a file."""

    kind: Literal["kafka", "http", "file"]
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    @classmethod
    def kafka(cls, topic: str, partition: int, offset: int) -> Origin:
        return cls("kafka", topic, partition, offset)

    @classmethod
    def http(cls) -> Origin:
        return cls("http")

    @classmethod
    def file(cls, name: str, line: int) -> Origin:
        return cls("file", name, None, line)


@dataclass(frozen=True, slots=True)
class CaseState:
    """What intake knows of a case: enough to judge its next event (the case register)."""

    case_id: str
    last_event_id: str
    last_event_time: datetime
    lodged_on: date | None = None
    cohort: str | None = None
    track: int | None = None


class Register(Protocol):
    """Known event ids and the case register: :class:`MemoryRegister` (the replay, and each
    batch's view of the PostgreSQL ledger, store.py)."""

    def known(self, event_id: str) -> bool: ...

    def case(self, case_id: str) -> CaseState | None: ...

    def remember(self, event_id: str, case: CaseState) -> None:
        """The event is accepted: its id is known from now on and its case is ``case``."""
        ...


class MemoryRegister:
    """A :class:`Register` in two dicts.

    ``changed`` collects the cases touched since creation: a ledger view uses it to know which
    rows of the case register a batch must write.
    """

    def __init__(self, known: Iterable[str] = (), cases: Iterable[CaseState] = ()) -> None:
        self.ids: set[str] = set(known)
        self.cases: dict[str, CaseState] = {c.case_id: c for c in cases}
        self.changed: dict[str, CaseState] = {}

    def known(self, event_id: str) -> bool:
        return event_id in self.ids

    def case(self, case_id: str) -> CaseState | None:
        return self.cases.get(case_id)

    def remember(self, event_id: str, case: CaseState) -> None:
        self.ids.add(event_id)
        self.cases[case.case_id] = case
        self.changed[case.case_id] = case


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record that passed every stateless check; :func:`judge` decides the rest."""

    envelope: Envelope
    partner: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Accepted:
    """An admitted event, ready to be republished and logged exactly as ``value``."""

    envelope: Envelope
    value: bytes
    partner: str
    origin: Origin
    outcome: Literal["accepted"] = field(default="accepted", init=False)

    @property
    def event_id(self) -> str:
        return self.envelope.id

    @property
    def event_type(self) -> str:
        return self.envelope.type

    @property
    def case_id(self) -> str:
        return self.envelope.subject

    @property
    def reason(self) -> None:
        return None

    @property
    def headers(self) -> tuple[tuple[str, bytes], ...]:
        return tuple(ce_headers(self.envelope))


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An event id intake already accepted: dropped, counted, not an error."""

    event_id: str
    event_type: str
    case_id: str
    partner: str
    origin: Origin
    outcome: Literal["duplicate"] = field(default="duplicate", init=False)

    @property
    def reason(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A refused record. ``detail`` names fields and rules, never values (no personal data)."""

    reason: str
    detail: str
    partner: str
    origin: Origin
    event_id: str | None = None
    event_type: str | None = None
    case_id: str | None = None
    outcome: Literal["rejected"] = field(default="rejected", init=False)


Outcome = Accepted | Duplicate | Rejected


def partner_label(partner: str | None, source: str | None = None) -> str:
    """The bounded ``partner`` label: the authenticated partner, else a known ``source``."""
    name = partner if partner is not None else source
    return name if name in PARTNERS else UNKNOWN_PARTNER


def check(
    raw: bytes,
    *,
    key: bytes | None,
    origin: Origin,
    partner: str | None,
    now: datetime,
    settings: Settings,
) -> Candidate | Rejected:
    """The stateless checks, in order: codec, record key, authorisation.

    ``partner`` is the authenticated partner (HTTP), or None when the transport does not
    authenticate (Kafka in the embedded setup): then the envelope's ``source`` is trusted.
    """
    decoded = decode(raw, max_bytes=settings.max_event_bytes, now=now)
    if not isinstance(decoded, Decoded):
        return Rejected(
            decoded.reason,
            decoded.detail,
            partner_label(partner),
            origin,
            decoded.event_id,
            decoded.event_type,
            decoded.case_id,
        )
    envelope = decoded.envelope
    label = partner_label(partner, envelope.source)

    def reject(reason: Check, detail: str) -> Rejected:
        return Rejected(reason, detail, label, origin, envelope.id, envelope.type, envelope.subject)

    if origin.kind == "kafka":
        if key is None:
            return reject(Check.MISSING_KEY, "record has no key; the key must be the subject")
        if key != envelope.subject.encode():
            return reject(Check.KEY_MISMATCH, "record key is not the event's subject")
    if envelope.type in SERVICE_TYPES:
        return reject(Check.NOT_A_PARTNER_TYPE, "type is published by caseflow, not partners")
    # The authenticated identity, when there is one, is what the matrix is checked against.
    if not may_send(partner if partner is not None else envelope.source, envelope.type):
        return reject(Check.SOURCE_NOT_ALLOWED, "this partner may not send this type")
    if partner is not None and envelope.source != partner:
        return reject(Check.SOURCE_MISMATCH, "source is not the authenticated partner")
    return Candidate(envelope, label, origin)


def judge(candidate: Candidate, register: Register, settings: Settings) -> Outcome:
    """The stateful checks, in order: duplicate id, unknown case, second first lodging.

    An accepted event is remembered in ``register`` at once, so the next record of the same
    batch (or file) is judged against it.
    """
    envelope, label, origin = candidate.envelope, candidate.partner, candidate.origin
    if register.known(envelope.id):
        return Duplicate(envelope.id, envelope.type, envelope.subject, label, origin)
    case = register.case(envelope.subject)

    def reject(reason: Check, detail: str) -> Rejected:
        return Rejected(reason, detail, label, origin, envelope.id, envelope.type, envelope.subject)

    if case is None and envelope.type not in OPENING_TYPES:
        return reject(Check.UNKNOWN_CASE, "no registration or lodging seen for this case")
    first_lodging = envelope.type == LODGING and (envelope.data or {}).get("kind") == "first"
    if first_lodging and case is not None and case.lodged_on is not None:
        return reject(Check.ALREADY_LODGED, "the case already has a first lodging")
    case = _updated(case, envelope, settings)
    enriched = _with_cohort(envelope, case.cohort)
    register.remember(envelope.id, case)
    return Accepted(enriched, encode(enriched), label, origin)


def admit(
    raw: bytes,
    *,
    key: bytes | None,
    origin: Origin,
    partner: str | None,
    register: Register,
    now: datetime,
    settings: Settings,
) -> Outcome:
    """Every check on one record: :func:`check`, then :func:`judge` against ``register``."""
    candidate = check(raw, key=key, origin=origin, partner=partner, now=now, settings=settings)
    if isinstance(candidate, Rejected):
        return candidate
    return judge(candidate, register, settings)


def internal_error(origin: Origin, partner: str | None, exc: BaseException) -> Rejected:
    """A record that made a check raise: dead-lettered, never allowed to stop the worker."""
    return Rejected(
        Check.INTERNAL_ERROR, f"unexpected {type(exc).__name__}", partner_label(partner), origin
    )


def _updated(case: CaseState | None, envelope: Envelope, settings: Settings) -> CaseState:
    """The case after this event. The first lodging (of any kind) fixes lodged_on and cohort."""
    if case is None:
        case = CaseState(envelope.subject, envelope.id, envelope.time)
    last_id, last_time = case.last_event_id, case.last_event_time
    if envelope.time >= last_time:
        last_id, last_time = envelope.id, envelope.time
    lodged_on, cohort, track = case.lodged_on, case.cohort, case.track
    data = envelope.data or {}
    if envelope.type == LODGING:
        if lodged_on is None:
            lodged_on = envelope.legal_date
            cohort = domain_cohort(lodged_on, settings.cohort_cutoff)
        if isinstance(data.get("track"), int):
            track = data["track"]
    elif envelope.type == TRACK_ASSIGNED:
        track = data["track"]
    return CaseState(case.case_id, last_id, last_time, lodged_on, cohort, track)


def _with_cohort(envelope: Envelope, cohort: str | None) -> Envelope:
    """The envelope as republished: ``cohort`` is intake's to set; a partner's value is dropped.

    ``model_copy`` rather than ``Envelope.with_extensions``: the value is ours and valid, and
    skipping the dump-and-validate round trip halves the cost of the hot path's re-encoding.
    """
    if cohort is not None:
        return envelope.model_copy(update={"cohort": cohort})
    if "cohort" not in envelope.extensions:
        return envelope
    payload = envelope.model_dump(mode="json", exclude_none=True)
    del payload["cohort"]
    return Envelope.model_validate(payload)
