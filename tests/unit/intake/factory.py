"""Partner events for intake tests: valid by default, any attribute overridable."""

from __future__ import annotations

import json
from typing import Any

P = "nl.asylum."
CASE = "case-2020-000123"

DATA: dict[str, dict[str, Any]] = {
    P + "registration.recorded": {"nationality": "SYR", "unaccompanied_minor": False},
    P + "application.lodged": {"kind": "first", "nationality": "ERI", "track": 4},
    P + "track.assigned": {"track": 2},
    P + "hearing.held": {"kind": "substantive", "mode": "video"},
    P + "decision.issued": {"outcome": "granted"},
    P + "national_procedure.entered": {
        "reason": "transfer_expired",
        "original_lodged_on": "2020-01-20",
    },
}
SOURCE = {P + "registration.recorded": "police"}


def event(event_type: str, **overrides: Any) -> dict[str, Any]:
    """A complete CloudEvent of ``event_type`` (short names get the nl.asylum. prefix)."""
    full = event_type if event_type.startswith(P) else P + event_type
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": "3f6c9d1e-8a4b-4c1e-9d3f-0b6a2f1c7e55",
        "source": SOURCE.get(full, "ind"),
        "type": full,
        "subject": CASE,
        "time": "2020-05-04T09:12:00+02:00",
        "datacontenttype": "application/json",
        "data": dict(DATA.get(full, {})),
    }
    body.update(overrides)
    return body


def raw(event_type: str, **overrides: Any) -> bytes:
    return json.dumps(event(event_type, **overrides)).encode()
