"""The ``data`` of the events caseflow's own services publish (deadline, dublin)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from caseflow.domain.derived import DublinStage, LateCause, PenaltyKind
from caseflow.domain.facts import PREFIX, NationalProcedureReason
from caseflow.events.envelope import IsoDate, Text


class ServiceData(BaseModel):
    """Base of service event data: frozen; new optional fields may be added in place."""

    model_config = ConfigDict(frozen=True, extra="allow")


class TermStarted(ServiceData):
    starts_on: IsoDate
    deadline: IsoDate
    absolute_deadline: IsoDate
    starts_breached: StrictBool = Field(
        default=False,
        description="The deadline lies before the start: a side-inflow case past its 21-month"
        " maximum, late the day it enters the national procedure (PD 31(5)).",
    )


class TermChanged(ServiceData):
    old_deadline: IsoDate | None
    new_deadline: IsoDate | None
    cause: Text = Field(
        description="extension, suspension, dublin, track or instrument (`ChangeCause`); records"
        " published before the marking event say policy"
    )
    instrument: Text | None = Field(
        default=None, description="With cause `instrument`: the instrument marked unlawful."
    )
    ruling: Text | None = Field(default=None, description="With cause `instrument`: the ruling.")


class DeadlineWarning(ServiceData):
    threshold_days: Annotated[StrictInt, Field(ge=0)]
    deadline: IsoDate


class DeadlineBreached(ServiceData):
    deadline: IsoDate


class PenaltyAccruing(ServiceData):
    kind: PenaltyKind
    first_day: IsoDate


class PenaltyCapped(ServiceData):
    kind: PenaltyKind
    cap_eur: Annotated[StrictInt, Field(ge=0)]


class DecisionTimeliness(ServiceData):
    deadline: IsoDate | None
    outcome: Text


class DecisionLate(DecisionTimeliness):
    deadline: IsoDate
    cause: LateCause | None = Field(
        default=None,
        description="Why it came late: linked_child (a newborn child decided with the parents'"
        " case), side_inflow_over_term (past its 21-month maximum when it entered the national"
        " procedure), other.",
    )


class DublinData(ServiceData):
    """Every event of the Dublin service says the stage the case is in after it."""

    stage: DublinStage | None = None


class ClaimReplyDue(DublinData):
    reply_due: IsoDate


class ClaimTacitlyAccepted(DublinData):
    accepted_on: IsoDate


class TransferDeadlineSet(DublinData):
    transfer_deadline: IsoDate


class TransferDeadlineExpired(DublinData):
    transfer_deadline: IsoDate


class DublinStageChanged(DublinData):
    """A stage change no other Dublin event announces."""

    stage: DublinStage
    previous: DublinStage | None


class NationalProcedureEntered(DublinData):
    """The side-inflow (zij-instroom): the Netherlands became responsible for a Dublin case."""

    reason: NationalProcedureReason
    original_lodged_on: IsoDate | None
    known_on: IsoDate | None = Field(
        default=None,
        description="The day a fact established it (a late request, a rejection) when that is"
        " after `time`; it then follows that day's facts.",
    )
    history: dict[str, Any] = Field(default_factory=dict)


class ServiceType(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    data: type[ServiceData]
    source: str
    topic: str
    summary: str


def _row(name: str, data: type[ServiceData], source: str, topic: str, summary: str) -> ServiceType:
    return ServiceType(name=PREFIX + name, data=data, source=source, topic=topic, summary=summary)


SERVICE_TYPES: dict[str, ServiceType] = {
    row.name: row
    for row in (
        _row(
            "term.started",
            TermStarted,
            "deadline",
            "case.deadlines",
            "The decision term of a case started (flagged when it starts already breached).",
        ),
        _row(
            "term.changed",
            TermChanged,
            "deadline",
            "case.deadlines",
            "The deadline moved (extension, suspension, Dublin, track, an instrument marked"
            " unlawful).",
        ),
        _row(
            "deadline.warning",
            DeadlineWarning,
            "deadline",
            "case.deadlines",
            "The deadline is threshold_days away.",
        ),
        _row(
            "deadline.breached",
            DeadlineBreached,
            "deadline",
            "case.deadlines",
            "The deadline passed without a decision.",
        ),
        _row(
            "penalty.accruing",
            PenaltyAccruing,
            "deadline",
            "case.deadlines",
            "A penalty payment (dwangsom) starts accruing.",
        ),
        _row(
            "penalty.capped",
            PenaltyCapped,
            "deadline",
            "case.deadlines",
            "A penalty payment reached its cap.",
        ),
        _row(
            "decision.on_time",
            DecisionTimeliness,
            "deadline",
            "case.deadlines",
            "The case was decided on or before its deadline.",
        ),
        _row(
            "decision.late",
            DecisionLate,
            "deadline",
            "case.deadlines",
            "The case was decided after its deadline.",
        ),
        _row(
            "claim.reply_due",
            ClaimReplyDue,
            "dublin",
            "dublin.events",
            "The reply period of a Dublin claim is set.",
        ),
        _row(
            "claim.tacitly_accepted",
            ClaimTacitlyAccepted,
            "dublin",
            "dublin.events",
            "The requested state did not reply in time: the claim is accepted (D3 22(7), 25(2)).",
        ),
        _row(
            "transfer.deadline_set",
            TransferDeadlineSet,
            "dublin",
            "dublin.events",
            "The transfer deadline (uiterste overdrachtsdatum) is set or moved.",
        ),
        _row(
            "transfer.deadline_expired",
            TransferDeadlineExpired,
            "dublin",
            "dublin.events",
            "The transfer deadline passed without transfer (D3 29(2)).",
        ),
        _row(
            "dublin.stage_changed",
            DublinStageChanged,
            "dublin",
            "dublin.events",
            "The Dublin stage changed without another Dublin event saying so.",
        ),
        _row(
            "national_procedure.entered",
            NationalProcedureEntered,
            "dublin",
            "case.events",
            "The Netherlands became responsible: the case enters the national procedure.",
        ),
    )
}
