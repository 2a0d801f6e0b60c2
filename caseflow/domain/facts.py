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
    "not_considered_dublin",
    "withdrawn",
]
ClaimKind = Literal["take_charge", "take_back"]
TransferFailure = Literal["absconded", "imprisoned", "suspended", "medical", "refused", "other"]
LinkRelation = Literal["child_born", "family_member"]
NationalProcedureReason = Literal["transfer_expired", "claim_rejected", "request_deadline_missed"]

PREFIX = "nl.asylum."


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
    """

    TYPE: ClassVar[str] = PREFIX + "national_procedure.entered"
    reason: NationalProcedureReason
    original_lodged_on: date


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
