"""The CloudEvents 1.0 envelope (structured JSON mode) that every caseflow record carries."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    model_validator,
)

LEGAL_TZ = ZoneInfo("Europe/Amsterdam")

#: A pseudonymous case id: letters, digits and a few separators, never a name.
CASE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
CaseId = Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN.pattern)]
#: Short printable text without control characters.
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
]

#: RFC 3339 date-time; the offset is checked (and required) by ``AwareDatetime``.
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)?$")


def _rfc3339(value: object) -> object:
    """Lax pydantic would read a number (or a string of digits) as a Unix timestamp."""
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.match(value)):
        return value
    raise ValueError("time must be an RFC 3339 date-time string")


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]

_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def _iso_date(value: object) -> object:
    """Lax pydantic would read a number as days or seconds since 1970."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise ValueError("dates are ISO 8601 calendar dates, YYYY-MM-DD")


#: A legal date in event data: YYYY-MM-DD only.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")
_CORE_ATTRIBUTES = frozenset(
    {
        "specversion",
        "id",
        "source",
        "type",
        "subject",
        "time",
        "datacontenttype",
        "dataschema",
        "data",
    }
)


class CloudEvent(BaseModel):
    """The attributes every CloudEvents 1.0 event of caseflow has; extension attributes (e.g.
    ``cohort``) are kept as extra fields."""

    model_config = ConfigDict(frozen=True, extra="allow", strict=False)

    specversion: Literal["1.0"]
    id: Text
    source: Text
    type: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]{0,99}$")]
    time: Instant
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: Text | None = None
    data: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _extensions_are_named_by_the_spec(self) -> CloudEvent:
        for name, value in (self.model_extra or {}).items():
            if not _EXTENSION_NAME.match(name):
                raise ValueError("extension attribute names are 1-20 lowercase letters or digits")
            if not isinstance(value, str | int | bool) or isinstance(value, float):
                raise ValueError("extension attribute values are strings, integers or booleans")
        return self

    @property
    def legal_date(self) -> date:
        """The legal date of the event: its ``time`` seen from Europe/Amsterdam."""
        return legal_date_of(self.time)

    @property
    def extensions(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Envelope(CloudEvent):
    """A case event: ``subject`` is the case id (pseudonymous)."""

    subject: CaseId

    @property
    def case_id(self) -> str:
        return self.subject

    def with_extensions(self, **values: str | int | bool) -> Envelope:
        """A copy carrying extra extension attributes; the event itself is unchanged."""
        payload = self.model_dump(mode="json", exclude_none=True)
        payload.update(values)
        return Envelope.model_validate(payload)


class OperatorEvent(CloudEvent):
    """An operator's action that concerns every case (an instrument held unlawful): no subject,
    source ``operator``."""

    source: Literal["operator"]

    @model_validator(mode="after")
    def _concerns_no_single_case(self) -> OperatorEvent:
        if "subject" in (self.model_extra or {}):
            raise ValueError("an operator event has no subject")
        return self


def legal_date_of(instant: datetime) -> date:
    """An instant becomes a legal date only here, in Europe/Amsterdam."""
    return instant.astimezone(LEGAL_TZ).date()
