"""Every event type caseflow knows, partner, service and operator, mapped to its ``data``."""

from __future__ import annotations

from pydantic import BaseModel

from caseflow.events.operator import OPERATOR_TYPES
from caseflow.events.partner import PARTNER_TYPES
from caseflow.events.service import SERVICE_TYPES

#: type -> data model: the registry the codec validates against.
EVENT_TYPES: dict[str, type[BaseModel]] = {
    **{name: row.data for name, row in PARTNER_TYPES.items()},
    **{name: row.data for name, row in SERVICE_TYPES.items()},
    **{name: row.data for name, row in OPERATOR_TYPES.items()},
}


def may_send(source: str, event_type: str) -> bool:
    """The authorisation matrix of DESIGN.md §3: partners send only their own types."""
    row = PARTNER_TYPES.get(event_type)
    return row is not None and source in row.sources
