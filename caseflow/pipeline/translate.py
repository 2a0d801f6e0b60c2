"""CloudEvents to domain facts and derived domain events back to CloudEvents."""

from __future__ import annotations

import dataclasses
from typing import Any

from caseflow.domain.derived import Derived
from caseflow.domain.facts import FACT_TYPES, Fact
from caseflow.events.catalogue import EVENT_TYPES
from caseflow.events.envelope import Envelope
from caseflow.runtime.clock import start_of_day


def fact_of(envelope: Envelope) -> Fact | None:
    """The domain fact an accepted event states, or None for a type the domain ignores."""
    cls = FACT_TYPES.get(envelope.type)
    if cls is None:
        return None
    data = EVENT_TYPES[envelope.type].model_validate(envelope.data or {}).model_dump()
    own = {f.name for f in dataclasses.fields(cls)}
    return cls(
        event_id=envelope.id,
        case_id=envelope.subject,
        on=envelope.legal_date,
        source=envelope.source,
        **{name: value for name, value in data.items() if name in own},
    )


def envelope_of(event: Derived, **extensions: Any) -> Envelope:
    """A derived event as a CloudEvent; its time is the start of the legal day it is due."""
    return Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": event.id,
            "source": event.source,
            "type": event.TYPE,
            "subject": event.case_id,
            "time": start_of_day(event.on).isoformat(),
            "data": event.data(),
            **extensions,
        }
    )
