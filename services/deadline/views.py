"""The deadline service's own logic over the legal core: what its tables project of a case, the
worklist, and the shape of its API answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from caseflow.domain import (
    Policy,
    TermState,
    court_penalty,
    deadline_of,
    statutory_penalty,
)
from caseflow.domain.taskforce import cohort
from caseflow.domain.view import WorklistEntry, case_status, case_view, worklist_entry

#: Far enough ahead that every penalty a state implies has its first day.
_HORIZON = date(9000, 1, 1)


def projection(state: TermState | None, policy: Policy, _as_of: date | None) -> dict[str, Any]:
    """Columns the worklist and the metrics query, derived from the term state.

    ``deadline`` ignores an open suspension (it is then a lower bound of the real deadline), so
    queries on it select a superset that the handlers narrow with the state."""
    if state is None:
        return {
            "cohort": None,
            "track": None,
            "status": None,
            "lodged_on": None,
            "deadline": None,
            "decided_on": None,
            "penalty_from": None,
        }
    firsts = [
        f.first_day
        for f in (
            statutory_penalty(state, _HORIZON, policy),
            court_penalty(state, _HORIZON, policy),
        )
        if f.first_day is not None
    ]
    return {
        "cohort": cohort(state.lodged_on, policy.taskforce_cutoff),
        "track": state.track,
        "status": case_status(state, None, policy),
        "lodged_on": state.lodged_on,
        "deadline": deadline_of(state, policy),
        "decided_on": state.decision.on if state.decision is not None else None,
        "penalty_from": min(firsts, default=None),
    }


def case_document(
    state: TermState, as_of: date, policy: Policy, timeline: list[dict[str, Any]]
) -> dict[str, Any]:
    """`GET /v1/cases/{id}`: the replay contract's per-case object as of the partition's pipeline
    day (its ``dublin`` part is the Dublin service's), plus the timeline and that day."""
    return {
        **case_view(state, None, as_of, policy),
        "timeline": timeline,
        "as_of": as_of.isoformat(),
    }


def worklist_item(
    state: TermState, as_of: date, within_days: int, policy: Policy
) -> dict[str, Any] | None:
    """The case's worklist line if its deadline falls within the window (or has passed)."""
    entry = worklist_entry(state, as_of, policy)
    if entry is None or entry.days_left > within_days:
        return None
    return _item(entry, state, as_of, policy)


def _item(entry: WorklistEntry, state: TermState, as_of: date, policy: Policy) -> dict[str, Any]:
    return {
        "case_id": entry.case_id,
        "cohort": cohort(state.lodged_on, policy.taskforce_cutoff),
        "track": state.track,
        "deadline": entry.deadline.isoformat(),
        "days_left": entry.days_left,
        "breached": entry.days_left < 0,
        "as_of": as_of.isoformat(),
        "exposure_eur": {
            "if_decided_on_deadline": entry.exposure_if_decided_on_deadline_eur,
            "if_decided_today": entry.exposure_if_decided_today_eur,
        },
    }


def penalty_totals(states: Iterable[tuple[TermState, date]], policy: Policy) -> dict[str, int]:
    """Euros accrued, statutory and court, over the given states each as of its own day."""
    totals = {"statutory": 0, "court": 0}
    for state, as_of in states:
        totals["statutory"] += statutory_penalty(state, as_of, policy).accrued_eur
        totals["court"] += court_penalty(state, as_of, policy).accrued_eur
    return totals
