"""The ``data`` of the events caseflow's own services publish (deadline, dublin)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from caseflow.events.envelope import IsoDate, Text


class ServiceData(BaseModel):
    """Base of service event data: frozen; new optional fields may be added in place."""

    model_config = ConfigDict(frozen=True, extra="allow")


class TermStarted(ServiceData):
    starts_on: IsoDate
    deadline: IsoDate
    absolute_deadline: IsoDate


class TermChanged(ServiceData):
    old_deadline: IsoDate | None
    new_deadline: IsoDate | None
    cause: Text


class DeadlineWarning(ServiceData):
    threshold_days: Annotated[StrictInt, Field(ge=0)]
    deadline: IsoDate


class DeadlineBreached(ServiceData):
    deadline: IsoDate


class PenaltyAccruing(ServiceData):
    kind: Literal["statutory", "court"]
    first_day: IsoDate


class PenaltyCapped(ServiceData):
    kind: Literal["statutory", "court"]
    cap_eur: Annotated[StrictInt, Field(ge=0)]


class DecisionTimeliness(ServiceData):
    deadline: IsoDate | None
    outcome: Text


class ClaimReplyDue(ServiceData):
    reply_due: IsoDate


class ClaimTacitlyAccepted(ServiceData):
    accepted_on: IsoDate


class TransferDeadlineSet(ServiceData):
    transfer_deadline: IsoDate


class TransferDeadlineExpired(ServiceData):
    transfer_deadline: IsoDate


class NationalProcedureEntered(ServiceData):
    """The side-inflow (zij-instroom): the Netherlands became responsible for a Dublin case."""

    reason: Literal["transfer_expired", "claim_rejected", "request_deadline_missed"]
    original_lodged_on: IsoDate | None
    history: dict[str, Any] = Field(default_factory=dict)


class ServiceType(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    data: type[ServiceData]
    source: str
    topic: str
    summary: str


def _row(name: str, data: type[ServiceData], source: str, topic: str, summary: str) -> ServiceType:
    return ServiceType(
        name="nl.asylum." + name, data=data, source=source, topic=topic, summary=summary
    )


SERVICE_TYPES: dict[str, ServiceType] = {
    row.name: row
    for row in (
        _row(
            "term.started",
            TermStarted,
            "deadline",
            "case.deadlines",
            "The decision term of a case started.",
        ),
        _row(
            "term.changed",
            TermChanged,
            "deadline",
            "case.deadlines",
            "The deadline moved (extension, suspension, instrument invalidated).",
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
            DecisionTimeliness,
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
            "national_procedure.entered",
            NationalProcedureEntered,
            "dublin",
            "case.events",
            "The Netherlands became responsible: the case enters the national procedure.",
        ),
    )
}
