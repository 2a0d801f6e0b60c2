"""The ``data`` of operator events: actions of a named operator that reach every case, so they
carry no subject. Never accepted from a partner (the codec refuses them unless asked)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from caseflow.domain.facts import InstrumentInvalidated as InstrumentMarking
from caseflow.events.envelope import Text

#: A European Case Law Identifier: ECLI:country:court:year:number.
Ecli = Annotated[
    str,
    StringConstraints(pattern=r"^ECLI:[A-Z]{2}:[A-Z0-9]{1,7}:\d{4}:[A-Za-z0-9.]{1,25}$"),
]


class InstrumentInvalidated(BaseModel):
    """A court held a group-extension instrument unlawful; ``time`` is the day of the ruling."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: Text = Field(description="As the extensions name it, e.g. `WBV 2022/22`.")
    ruling: Ecli = Field(description="The ruling, e.g. `ECLI:NL:RBDHA:2023:136`.")


class OperatorType(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    data: type[BaseModel]
    source: str
    topic: str
    summary: str


OPERATOR_TYPES: dict[str, OperatorType] = {
    row.name: row
    for row in (
        OperatorType(
            name=InstrumentMarking.TYPE,
            data=InstrumentInvalidated,
            source="operator",
            topic="case.events",
            summary="An instrument held unlawful (`caseflow policy invalidate`): every case that"
            " used it is recomputed from the day of the ruling. No subject: it is published"
            " into every partition.",
        ),
    )
}
