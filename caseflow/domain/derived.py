"""Derived events the deadline and Dublin logic emit, with deterministic ids.

`on` is the legal date the event is due or happened, never the processing date.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from typing import ClassVar, Literal, TypeAlias

from caseflow.domain.facts import PREFIX, NationalProcedureEntered, NationalProcedureReason

JSONValue: TypeAlias = str | int | bool | list["JSONValue"] | dict[str, "JSONValue"] | None

PenaltyKind = Literal["statutory", "court"]
#: The stage of a case in the Dublin procedure (`dublin.dublin_stage`), carried by every event of
#: the Dublin fold so that no consumer has to rebuild it.
DublinStage = Literal[
    "claim_due",
    "claim_sent",
    "accepted",
    "transfer_scheduled",
    "transferred",
    "nl_responsible",
    "rejected",
]
#: Why a decision came late (the 2021 letter's "explainable" late decisions): a newborn child's
#: application decided with the parents' case, a side-inflow case already past its 21-month
#: maximum when it entered the national procedure, or anything else.
LateCause = Literal["linked_child", "side_inflow_over_term", "other"]
#: What moved a deadline (`term.changed`).
ChangeCause = Literal["extension", "suspension", "dublin", "track", "instrument"]

CASEFLOW_NAMESPACE = uuid.UUID("6f1c2a0e-5b7d-5c39-9a4e-2d0b8f3c7e11")
"""Namespace for uuid5 ids of derived events; fixed forever so reprocessing yields the same ids."""


_NAMESPACE_BYTES = CASEFLOW_NAMESPACE.bytes


@lru_cache(maxsize=1 << 16)  # pure; timers recompute the ids of their candidates on every tick
def derived_id(case_id: str, what: str, key: str) -> str:
    """Deterministic id: the same cause (case, event type, key) always gives the same id.

    It is ``str(uuid.uuid5(CASEFLOW_NAMESPACE, f"{case_id}/{what}/{key}"))`` (RFC 4122 §4.3),
    computed without the ``UUID`` object: a tick makes these ids for every candidate timer of
    every due case, and the object's construction and formatting cost more than the hash."""
    digest = bytearray(
        hashlib.sha1(_NAMESPACE_BYTES + f"{case_id}/{what}/{key}".encode()).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _json(value: object) -> JSONValue:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(item) for item in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"not JSON-able: {type(value).__name__}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Derived:
    """Common fields; `data()` holds every other field, dates as ISO strings."""

    TYPE: ClassVar[str] = ""
    SOURCE: ClassVar[str] = ""

    id: str
    case_id: str
    on: date

    @property
    def source(self) -> str:
        return self.SOURCE

    def data(self) -> dict[str, JSONValue]:
        common = {"id", "case_id", "on"}
        return {f.name: _json(getattr(self, f.name)) for f in fields(self) if f.name not in common}


# --- deadline service -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TermStarted(Derived):
    """The decision term starts: on lodging, or on entering the national procedure after Dublin."""

    TYPE: ClassVar[str] = PREFIX + "term.started"
    SOURCE: ClassVar[str] = "deadline"
    starts_on: date
    deadline: date
    absolute_deadline: date
    #: The deadline lies before the start: a side-inflow case past its 21-month maximum (PD
    #: art. 31(5)) is late the day it enters the national procedure.
    starts_breached: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TermChanged(Derived):
    """The deadline moved; `cause` is extension, suspension, dublin, track, or instrument (then
    `instrument` and `ruling` say which marking)."""

    TYPE: ClassVar[str] = PREFIX + "term.changed"
    SOURCE: ClassVar[str] = "deadline"
    old_deadline: date | None
    new_deadline: date | None
    cause: ChangeCause
    instrument: str | None = None
    ruling: str | None = None

    def data(self) -> dict[str, JSONValue]:
        """`instrument` and `ruling` only when a marking moved the deadline."""
        data = Derived.data(self)
        if self.instrument is None:
            del data["instrument"], data["ruling"]
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineWarning(Derived):
    """`threshold_days` before `deadline`."""

    TYPE: ClassVar[str] = PREFIX + "deadline.warning"
    SOURCE: ClassVar[str] = "deadline"
    threshold_days: int
    deadline: date


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineBreached(Derived):
    """Undecided after the last day of the term; `on` is the day after `deadline`."""

    TYPE: ClassVar[str] = PREFIX + "deadline.breached"
    SOURCE: ClassVar[str] = "deadline"
    deadline: date


@dataclass(frozen=True, slots=True, kw_only=True)
class PenaltyAccruing(Derived):
    """A penalty runs from `first_day` (statutory: tiers of `tier_days`; court: one rate)."""

    TYPE: ClassVar[str] = PREFIX + "penalty.accruing"
    SOURCE: ClassVar[str] = "deadline"
    kind: str
    first_day: date
    per_day_eur: tuple[int, ...]
    tier_days: int
    cap_eur: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PenaltyCapped(Derived):
    """The cap is reached on `on`; the amount must be fixed (and counts as paid) by `fixed_by`."""

    TYPE: ClassVar[str] = PREFIX + "penalty.capped"
    SOURCE: ClassVar[str] = "deadline"
    kind: str
    cap_eur: int
    fixed_by: date


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionOnTime(Derived):
    """Decided on or before the deadline (or while no term was running: Dublin)."""

    TYPE: ClassVar[str] = PREFIX + "decision.on_time"
    SOURCE: ClassVar[str] = "deadline"
    outcome: str
    deadline: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionLate(Derived):
    """Decided after the deadline; penalties as accrued up to the day before the decision, and
    the cause of the delay (`term.late_cause`)."""

    TYPE: ClassVar[str] = PREFIX + "decision.late"
    SOURCE: ClassVar[str] = "deadline"
    outcome: str
    deadline: date
    days_late: int
    statutory_penalty_eur: int
    court_penalty_eur: int
    cause: LateCause


# --- dublin service ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimReplyDue(Derived):
    """The reply period of a claim sent in time is set: the answer is due by `reply_due`."""

    TYPE: ClassVar[str] = PREFIX + "claim.reply_due"
    SOURCE: ClassVar[str] = "dublin"
    stage: DublinStage
    kind: str
    sent_on: date
    reply_due: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimTacitlyAccepted(Derived):
    """Silence = acceptance, effective on the last day of the reply period (`accepted_on`)."""

    TYPE: ClassVar[str] = PREFIX + "claim.tacitly_accepted"
    SOURCE: ClassVar[str] = "dublin"
    stage: DublinStage
    accepted_on: date
    kind: str
    sent_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferDeadlineSet(Derived):
    """Uiterste overdrachtsdatum set or moved; `basis` says from what it counts."""

    TYPE: ClassVar[str] = PREFIX + "transfer.deadline_set"
    SOURCE: ClassVar[str] = "dublin"
    stage: DublinStage
    transfer_deadline: date
    counts_from: date
    months: int
    basis: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferDeadlineExpired(Derived):
    """No transfer by `transfer_deadline`; `on` is the next day, when NL becomes responsible."""

    TYPE: ClassVar[str] = PREFIX + "transfer.deadline_expired"
    SOURCE: ClassVar[str] = "dublin"
    stage: DublinStage
    transfer_deadline: date


@dataclass(frozen=True, slots=True, kw_only=True)
class DublinStageChanged(Derived):
    """The case moved to `stage` through something no other Dublin event announces (a transfer
    scheduled, completed or failed; a claim rejected or sent too late; a request period passed
    in silence; the Dublin track left)."""

    TYPE: ClassVar[str] = PREFIX + "dublin.stage_changed"
    SOURCE: ClassVar[str] = "dublin"
    stage: DublinStage
    previous: DublinStage | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SideInflow(Derived):
    """Zij-instroom: NL became responsible on `on`; fed back to the deadline fold as a fact."""

    TYPE: ClassVar[str] = NationalProcedureEntered.TYPE
    SOURCE: ClassVar[str] = "dublin"
    reason: NationalProcedureReason
    original_lodged_on: date
    stage: DublinStage
    claim_sent_on: date | None
    claim_kind: str | None
    accepted_on: date | None
    tacit: bool | None
    transfer_deadline: date | None
    failed_transfers: int
    #: Set when a fact of that day established it (see `NationalProcedureEntered`).
    known_on: date | None = None

    def data(self) -> dict[str, JSONValue]:
        """Reason, original lodging, stage and `known_on` on top; what happened in Dublin under
        `history`."""
        flat = Derived.data(self)
        top = ["reason", "original_lodged_on", "stage", "known_on"]
        return {
            **{key: flat[key] for key in top if flat[key] is not None},
            "history": {key: value for key, value in flat.items() if key not in top},
        }

    def to_fact(self) -> NationalProcedureEntered:
        """The same event as the fact the deadline fold consumes (same id, so idempotent)."""
        return NationalProcedureEntered(
            event_id=self.id,
            case_id=self.case_id,
            on=self.on,
            source=self.SOURCE,
            reason=self.reason,
            original_lodged_on=self.original_lodged_on,
            known_on=self.known_on,
        )


DERIVED_TYPES: dict[str, type[Derived]] = {
    cls.TYPE: cls
    for cls in (
        TermStarted,
        TermChanged,
        DeadlineWarning,
        DeadlineBreached,
        PenaltyAccruing,
        PenaltyCapped,
        DecisionOnTime,
        DecisionLate,
        ClaimReplyDue,
        ClaimTacitlyAccepted,
        TransferDeadlineSet,
        TransferDeadlineExpired,
        DublinStageChanged,
        SideInflow,
    )
}
