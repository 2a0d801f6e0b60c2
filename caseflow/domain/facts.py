"""Partner facts: the domain's input, one frozen value per event type of DESIGN.md §3.

Instants were already turned into legal dates (`on`, Europe/Amsterdam) at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

ApplicationKind = Literal["first", "subsequent"]
HearingKind = Literal["first", "substantive", "additional"]
HearingMode = Literal["in_person", "video", "written"]
ExtensionGround = Literal["complex", "mass_influx", "applicant_delay", "exceptional", "moratorium"]
SuspensionGround = Literal["info_request", "applicant_delay", "force_majeure", "consent"]
Outcome = Literal[
    "granted",
    "rejected",
    "manifestly_unfounded",
    "inadmissible",
    "manifestly_inadmissible",
    "not_considered_dublin",
    "withdrawn",
]
ClaimKind = Literal["take_charge", "take_back"]
TransferFailure = Literal["absconded", "imprisoned", "suspended", "medical", "refused", "other"]
LinkRelation = Literal["child_born", "family_member"]
NationalProcedureReason = Literal["transfer_expired", "claim_rejected", "request_deadline_missed"]
#: Eurodac categories (Regulation 603/2013): 1 = applied for protection in another member state
#: (art. 9), 2 = apprehended crossing an external border irregularly (art. 14).
EurodacCategory = Literal[1, 2]
#: The Dublin III states (EU + Iceland, Liechtenstein, Norway, Switzerland), ISO 3166 alpha-2 as
#: the EU writes them (GR for Greece).
MemberState = Literal[
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
    "IS",
    "LI",
    "NO",
    "CH",
]

PREFIX = "nl.asylum."
"""The namespace of every caseflow event type, partner, service and operator alike."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """Common fields: partner event id (idempotency key), case, legal date, sender."""

    TYPE: ClassVar[str] = ""

    event_id: str
    case_id: str
    on: date
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationRecorded(Fact):
    """Aanmelding: the first registration with police or KMar, before formal lodging."""

    TYPE: ClassVar[str] = PREFIX + "registration.recorded"
    nationality: str
    unaccompanied_minor: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationLodged(Fact):
    """Indiening: the formal lodging that starts the decision term (Vw 2000 art. 42(1))."""

    TYPE: ClassVar[str] = PREFIX + "application.lodged"
    kind: ApplicationKind
    nationality: str
    track: int | None = None
    linked_to: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackAssigned(Fact):
    """Spoor 1-5; track 1 is Dublin."""

    TYPE: ClassVar[str] = PREFIX + "track.assigned"
    track: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingHeld(Fact):
    """Gehoor; `mode` written = schriftelijk horen, video = telehoren."""

    TYPE: ClassVar[str] = PREFIX + "hearing.held"
    kind: HearingKind
    mode: HearingMode


@dataclass(frozen=True, slots=True, kw_only=True)
class IntendedDecisionIssued(Fact):
    """Voornemen."""

    TYPE: ClassVar[str] = PREFIX + "intended_decision.issued"


@dataclass(frozen=True, slots=True, kw_only=True)
class WrittenResponseReceived(Fact):
    """Zienswijze."""

    TYPE: ClassVar[str] = PREFIX + "written_response.received"


@dataclass(frozen=True, slots=True, kw_only=True)
class TermExtended(Fact):
    """Verlenging of the decision term; `instrument` names a group-extension decree, if any."""

    TYPE: ClassVar[str] = PREFIX + "term.extended"
    months: int
    ground: ExtensionGround
    instrument: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TermSuspended(Fact):
    """Opschorting (Awb 4:15)."""

    TYPE: ClassVar[str] = PREFIX + "term.suspended"
    ground: SuspensionGround


@dataclass(frozen=True, slots=True, kw_only=True)
class TermResumed(Fact):
    """End of an opschorting (Awb 4:15)."""

    TYPE: ClassVar[str] = PREFIX + "term.resumed"
    ground: SuspensionGround


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionIssued(Fact):
    """Beschikking."""

    TYPE: ClassVar[str] = PREFIX + "decision.issued"
    outcome: Outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeOfDefaultReceived(Fact):
    """Ingebrekestelling; `on` is the receipt date, which is what Awb 4:17(3) counts from."""

    TYPE: ClassVar[str] = PREFIX + "notice_of_default.received"
    sent_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CourtOrderIssued(Fact):
    """Rechterlijke dwangsom (Awb 8:55b-d): decide within a term, or pay per day up to a cap."""

    TYPE: ClassVar[str] = PREFIX + "court.order.issued"
    decide_within_days: int
    penalty_per_day_eur: int
    penalty_cap_eur: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DublinClaimSent(Fact):
    """Claimverzoek (overname = take_charge, terugname = take_back)."""

    TYPE: ClassVar[str] = PREFIX + "dublin.claim.sent"
    member_state: str
    kind: ClaimKind
    eurodac_hit: bool
    eurodac_hit_on: date | None = None
    urgent_reply_days: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EurodacHitReceived(Fact):
    """A Eurodac hit reached the IND on `on`: from that day a request may be sent within 2 months
    of the hit (D3 art. 21(1) 2nd subpar., 23(2))."""

    TYPE: ClassVar[str] = PREFIX + "eurodac.hit_received"
    category: EurodacCategory
    member_state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DublinClaimAnswered(Fact):
    """Claimakkoord or refusal by the requested member state."""

    TYPE: ClassVar[str] = PREFIX + "dublin.claim.answered"
    accepted: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferScheduled(Fact):
    """Overdracht planned by DT&V."""

    TYPE: ClassVar[str] = PREFIX + "dublin.transfer.scheduled"
    planned_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferCompleted(Fact):
    """Overdracht done."""

    TYPE: ClassVar[str] = PREFIX + "dublin.transfer.completed"
    planned_on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferFailed(Fact):
    """Failed overdracht; only absconded/imprisoned extend the transfer period (D3 art. 29(2))."""

    TYPE: ClassVar[str] = PREFIX + "dublin.transfer.failed"
    reason: TransferFailure


@dataclass(frozen=True, slots=True, kw_only=True)
class AppealLodged(Fact):
    """Beroep; with suspensive effect it holds the transfer period (D3 art. 29(1))."""

    TYPE: ClassVar[str] = PREFIX + "appeal.lodged"
    suspensive: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AppealDecided(Fact):
    """Uitspraak on an appeal."""

    TYPE: ClassVar[str] = PREFIX + "appeal.decided"
    outcome: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseLinked(Fact):
    """Links a case to a parent case (newborn child, family member)."""

    TYPE: ClassVar[str] = PREFIX + "case.linked"
    parent: str
    relation: LinkRelation


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonAbsconded(Fact):
    """MOB (met onbekende bestemming vertrokken)."""

    TYPE: ClassVar[str] = PREFIX + "person.absconded"


@dataclass(frozen=True, slots=True, kw_only=True)
class NationalProcedureEntered(Fact):
    """Zij-instroom: the Netherlands became responsible after Dublin (Vw 2000 art. 42(6)).

    Emitted by the Dublin service and fed back as a fact; `on` is the day NL became responsible.
    `known_on` is set when a fact of that day established it (a late request, a rejection), which
    may be after `on`: it is then ordered after that day's facts (see `order_key`).
    """

    TYPE: ClassVar[str] = PREFIX + "national_procedure.entered"
    reason: NationalProcedureReason
    original_lodged_on: date
    known_on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InstrumentInvalidated:
    """An operator's marking: a court held a group-extension instrument unlawful on `on` (the day
    of the ruling). Not a case fact: it applies to every case that used the instrument."""

    TYPE: ClassVar[str] = PREFIX + "policy.instrument_invalidated"
    event_id: str
    on: date
    instrument: str
    ruling: str


def order_key(fact: Fact) -> tuple[date, int]:
    """Where a fact goes in a case's timeline: by date; on one day a side-inflow caused by the
    previous day's silence first, then the partner facts, then a side-inflow a fact of that day
    established (it cannot come before the fact that caused it)."""
    if isinstance(fact, NationalProcedureEntered):
        if fact.known_on is not None:
            return fact.known_on, 2
        return fact.on, 0
    return fact.on, 1


FACT_TYPES: dict[str, type[Fact]] = {
    cls.TYPE: cls
    for cls in (
        RegistrationRecorded,
        ApplicationLodged,
        TrackAssigned,
        HearingHeld,
        IntendedDecisionIssued,
        WrittenResponseReceived,
        TermExtended,
        TermSuspended,
        TermResumed,
        DecisionIssued,
        NoticeOfDefaultReceived,
        CourtOrderIssued,
        DublinClaimSent,
        EurodacHitReceived,
        DublinClaimAnswered,
        TransferScheduled,
        TransferCompleted,
        TransferFailed,
        AppealLodged,
        AppealDecided,
        CaseLinked,
        PersonAbsconded,
        NationalProcedureEntered,
    )
}
