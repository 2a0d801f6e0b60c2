"""The Dublin service's own logic over the legal core: what its tables project of a case, the
case document of its API, the look-ahead of expiring transfers and the figures of its metrics.

Everything here is pure (values in, values out); store.py fetches, api.py and metrics.py serve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, get_args

from caseflow.domain import DublinState, Policy, case_view
from caseflow.domain.dublin import (
    OPEN_STAGES,
    dublin_stage,
    nl_responsibility,
    transfer_term,
)
from caseflow.domain.inflow import side_inflow_day
from caseflow.events.partner import MemberState

#: The Dublin states (EU + EEA + CH): the only values the member-state label may take.
MEMBER_STATES = frozenset(get_args(MemberState))
FORECAST_WEEKS = 12
DEFAULT_WITHIN_DAYS = 28
MAX_WITHIN_DAYS = 3660
EXPIRING_WINDOWS = (7, 28)
FAILURE_REASONS = ("absconded", "imprisoned", "suspended", "medical", "refused", "other")
SIDE_INFLOW_REASONS = ("transfer_expired", "claim_rejected", "request_deadline_missed")


def failure_reasons(state: DublinState) -> list[str]:
    """One entry per failed transfer, with its reason."""
    return [report.reason for report in state.failures]


def projection(state: DublinState | None, policy: Policy, as_of: date | None) -> dict[str, Any]:
    """Columns the look-ahead and the metrics query, as of the pipeline day. Every row has the
    same keys (the store writes them as columns)."""
    columns: dict[str, Any] = {
        "stage": None,
        "member_state": None,
        "transfer_deadline": None,
        "nl_responsible_on": None,
        "side_inflow_on": None,
        "side_inflow_reason": None,
        "transferred_on": None,
        "failure_reasons": [],
    }
    if state is None:
        return columns
    # Facts already in the state are history whatever the day: what was emitted, transferred.
    if state.entered is not None:
        columns["side_inflow_on"], columns["side_inflow_reason"] = state.entered
    columns["transferred_on"] = state.completed_on
    columns["failure_reasons"] = failure_reasons(state)
    columns["member_state"] = state.claim.member_state if state.claim is not None else None
    if as_of is None:
        return columns
    term = transfer_term(state, policy, as_of)
    responsible = nl_responsibility(state, policy, as_of)
    columns["stage"] = dublin_stage(state, policy, as_of)
    columns["transfer_deadline"] = term.deadline if term is not None else None
    columns["nl_responsible_on"] = responsible[0] if responsible is not None else None
    return columns


def case_document(
    case_id: str,
    state: DublinState | None,
    as_of: date | None,
    policy: Policy,
    timeline: list[dict[str, Any]],
) -> dict[str, Any]:
    """GET /v1/cases/{id}: the Dublin part of the replay contract as of the pipeline day of the
    case's partition, so `caseflow case show` can merge it with the deadline service's part."""
    dublin = None
    if state is not None and as_of is not None:
        dublin = case_view(None, state, as_of, policy)["dublin"]
    stage = dublin["stage"] if isinstance(dublin, dict) else None
    return {
        "case_id": case_id,
        "as_of": as_of.isoformat() if as_of is not None else None,
        "dublin": dublin,
        "in_dublin_procedure": stage in OPEN_STAGES,
        "timeline": timeline,
    }


@dataclass(frozen=True, slots=True)
class OpenClaim:
    """An accepted claim whose transfer has not happened, as the store reads it."""

    case_id: str
    member_state: str | None
    stage: str
    transfer_deadline: date


def side_inflow_on(claim: OpenClaim) -> date:
    """The day the claim's case becomes side-inflow if it is not transferred in time."""
    return side_inflow_day(claim.transfer_deadline)


def expiring_entry(claim: OpenClaim, as_of: date) -> dict[str, Any]:
    return {
        "case_id": claim.case_id,
        "member_state": claim.member_state,
        "stage": claim.stage,
        "transfer_deadline": claim.transfer_deadline.isoformat(),
        "days_left": (claim.transfer_deadline - as_of).days,
        "side_inflow_on": side_inflow_on(claim).isoformat(),
    }


def week_of(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def forecast(claims: Iterable[OpenClaim], as_of: date) -> list[dict[str, Any]]:
    """Side-inflow per ISO week for the 12 weeks from the pipeline day's week, if none of these
    claims is transferred: each counts in the week of its transfer deadline + 1 day."""
    first = week_of(as_of)
    counts = [0] * FORECAST_WEEKS
    for claim in claims:
        week = (week_of(side_inflow_on(claim)) - first).days // 7
        if 0 <= week < FORECAST_WEEKS:
            counts[week] += 1
    weeks = []
    for i, count in enumerate(counts):
        monday = first + timedelta(weeks=i)
        year, number, _ = monday.isocalendar()
        weeks.append(
            {"week": f"{year}-W{number:02d}", "starts_on": monday.isoformat(), "side_inflow": count}
        )
    return weeks


def forecast_until(as_of: date) -> date:
    """The last transfer deadline whose side-inflow still falls in the forecast's weeks."""
    return week_of(as_of) + timedelta(weeks=FORECAST_WEEKS, days=-2)


def expiring_document(
    as_of: date, within_days: int, window: list[OpenClaim], horizon: list[OpenClaim]
) -> dict[str, Any]:
    """GET /v1/dublin/expiring: `window` are the claims expiring within the days asked, soonest
    first; `horizon` those that would become side-inflow in the forecast's weeks."""
    return {
        "as_of": as_of.isoformat(),
        "within_days": within_days,
        "claims": [expiring_entry(claim, as_of) for claim in window],
        "forecast": forecast(horizon, as_of),
    }


def parse_within_days(raw: Mapping[str, str]) -> int | str:
    """The `within_days` parameter, or the reason it is unusable."""
    unknown = sorted(set(raw) - {"within_days"})
    if unknown:
        return f"unknown parameter: {', '.join(unknown)}"
    value = raw.get("within_days")
    if value is None:
        return DEFAULT_WITHIN_DAYS
    if not value.isdigit():
        return "within_days must be a whole number of days"
    days = int(value)
    if days > MAX_WITHIN_DAYS:
        return f"within_days must be at most {MAX_WITHIN_DAYS}"
    return days


def member_state_label(value: str | None) -> str:
    """Bounded by construction (intake validates it); anything else collapses to "other"."""
    return value if value is not None and value in MEMBER_STATES else "other"


@dataclass(slots=True)
class Figures:
    """What the metrics export, read from the projection in one go."""

    as_of: date | None = None
    open_by_stage: dict[str, int] = field(default_factory=dict)
    open_by_member_state: dict[str, int] = field(default_factory=dict)
    transfers: dict[tuple[str, str], int] = field(default_factory=dict)
    side_inflow: dict[str, int] = field(default_factory=dict)
    expiring: dict[int, int] = field(default_factory=dict)
