"""The ``data`` of every partner event type (DESIGN.md §3), and who may send each type."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from caseflow.domain.facts import (
    PREFIX,
    ApplicationKind,
    ClaimKind,
    EurodacCategory,
    ExtensionGround,
    HearingKind,
    HearingMode,
    LinkRelation,
    Outcome,
    SuspensionGround,
    TransferFailure,
)
from caseflow.domain.facts import MemberState as MemberState  # the catalogue's, re-exported
from caseflow.events.envelope import CaseId, IsoDate, Text

Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
Track = Annotated[StrictInt, Field(ge=1, le=5)]


def _whole_number(value: object) -> object:
    """Lax pydantic would read true as 1 and 1.0 as 1 for a Literal of integers."""
    if type(value) is not int:
        raise ValueError("a whole number is expected")
    return value


class EventData(BaseModel):
    """Base of every ``data`` model: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoData(EventData):
    """An event whose meaning is entirely in its type."""


class RegistrationRecorded(EventData):
    nationality: Iso3
    unaccompanied_minor: StrictBool = False


class ApplicationLodged(EventData):
    kind: ApplicationKind
    nationality: Iso3
    track: Track | None = None
    linked_to: CaseId | None = None


class TrackAssigned(EventData):
    track: Track


class HearingHeld(EventData):
    kind: HearingKind
    mode: HearingMode


class TermExtended(EventData):
    months: Annotated[StrictInt, Field(ge=1, le=21)]
    ground: ExtensionGround
    instrument: Text | None = None


class TermSuspended(EventData):
    ground: SuspensionGround


class TermResumed(EventData):
    ground: SuspensionGround


class DecisionIssued(EventData):
    outcome: Outcome


class NoticeOfDefaultReceived(EventData):
    sent_on: IsoDate


class CourtOrderIssued(EventData):
    decide_within_days: Annotated[StrictInt, Field(ge=1, le=366)]
    penalty_per_day_eur: Annotated[StrictInt, Field(ge=1, le=10_000)]
    penalty_cap_eur: Annotated[StrictInt, Field(ge=1, le=1_000_000)]


class DublinClaimSent(EventData):
    member_state: MemberState
    kind: ClaimKind
    eurodac_hit: StrictBool
    eurodac_hit_on: IsoDate | None = None
    urgent_reply_days: Annotated[StrictInt, Field(ge=7, le=31)] | None = None

    @model_validator(mode="after")
    def _hit_date_only_with_a_hit(self) -> DublinClaimSent:
        if self.eurodac_hit_on is not None and not self.eurodac_hit:
            raise ValueError("eurodac_hit_on given without eurodac_hit")
        return self


class EurodacHitReceived(EventData):
    """``time`` is the day the hit reached the IND."""

    category: Annotated[
        EurodacCategory,
        BeforeValidator(_whole_number),
        Field(
            description="1: applied for protection in another member state; 2: apprehended"
            " crossing an external border irregularly (Eurodac Regulation 603/2013)."
        ),
    ]
    member_state: MemberState


class DublinClaimAnswered(EventData):
    accepted: StrictBool


class TransferPlanned(EventData):
    planned_on: IsoDate


class TransferCompleted(EventData):
    planned_on: IsoDate | None = None


class TransferFailed(EventData):
    reason: TransferFailure


class AppealLodged(EventData):
    suspensive: StrictBool


class AppealDecided(EventData):
    outcome: Text


class CaseLinked(EventData):
    parent: CaseId
    relation: LinkRelation


class PartnerType(BaseModel):
    """One row of the catalogue: the type, its ``data`` model and who may send it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    data: type[EventData]
    sources: frozenset[str]
    summary: str


def _row(name: str, data: type[EventData], sources: str, summary: str) -> PartnerType:
    return PartnerType(
        name=PREFIX + name, data=data, sources=frozenset(sources.split()), summary=summary
    )


PARTNER_TYPES: dict[str, PartnerType] = {
    row.name: row
    for row in (
        _row(
            "registration.recorded",
            RegistrationRecorded,
            "police kmar",
            "A person registered as asylum seeker (aanmelding).",
        ),
        _row(
            "application.lodged",
            ApplicationLodged,
            "ind",
            "The formal application (indiening); the decision term starts here.",
        ),
        _row("track.assigned", TrackAssigned, "ind", "The case is assigned a track (spoor) 1-5."),
        _row("hearing.held", HearingHeld, "ind", "A hearing (gehoor) took place."),
        _row("intended_decision.issued", NoData, "ind", "An intended decision (voornemen)."),
        _row(
            "written_response.received",
            NoData,
            "lawyer",
            "The applicant's written response (zienswijze).",
        ),
        _row(
            "term.extended",
            TermExtended,
            "ind",
            "The decision term is extended (Vw 2000 art. 42(4), 42(5), 43).",
        ),
        _row("term.suspended", TermSuspended, "ind", "The decision term is suspended (Awb 4:15)."),
        _row("term.resumed", TermResumed, "ind", "A suspension of the decision term ends."),
        _row("decision.issued", DecisionIssued, "ind", "The decision (beschikking) is issued."),
        _row(
            "notice_of_default.received",
            NoticeOfDefaultReceived,
            "lawyer ind",
            "A written notice of default (ingebrekestelling) was received; time = receipt.",
        ),
        _row(
            "court.order.issued",
            CourtOrderIssued,
            "court",
            "A court orders a decision within a term, with a penalty per day (Awb 8:55b-d).",
        ),
        _row(
            "dublin.claim.sent",
            DublinClaimSent,
            "ind",
            "A take-charge or take-back request to another member state (D3 21, 23).",
        ),
        _row(
            "eurodac.hit_received",
            EurodacHitReceived,
            "ind",
            "A Eurodac hit reached the IND: a request may follow within 2 months (D3 21(1), 23(2))."
            " `time` is the day it arrived.",
        ),
        _row(
            "dublin.claim.answered",
            DublinClaimAnswered,
            "ind",
            "The requested member state answered the claim.",
        ),
        _row("dublin.transfer.scheduled", TransferPlanned, "dtv", "A transfer is planned."),
        _row("dublin.transfer.completed", TransferCompleted, "dtv", "The transfer took place."),
        _row("dublin.transfer.failed", TransferFailed, "dtv", "A planned transfer did not happen."),
        _row("appeal.lodged", AppealLodged, "court", "An appeal against a decision is lodged."),
        _row("appeal.decided", AppealDecided, "court", "The court decided an appeal."),
        _row("case.linked", CaseLinked, "ind", "The case is linked to another (child, family)."),
        _row(
            "person.absconded",
            NoData,
            "coa police",
            "The applicant left with unknown destination (MOB).",
        ),
    )
}
