"""Penalty accrual arithmetic (dwangsom): tiers, cap, last day and the day it must be fixed.

Exact integer euros. The case-level functions live in `term` (statutory_penalty, court_penalty).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from caseflow.domain.calendar import days_after, days_between
from caseflow.domain.rules import PENALTY_FIXING_DAYS


@dataclass(frozen=True, slots=True)
class PenaltyFigures:
    """A penalty as of a date. `tier_days` 0 means one open-ended tier (court penalty).

    `capped_on` is set once the cap was reached by `as_of`; `last_day` once the last day of default
    is known (cap reached or decision issued); `fixed_by` = last_day + 14 days (Awb 4:18), the day
    from which caseflow counts the amount as paid; `not_due` says why no penalty runs at all.
    """

    kind: str
    accrued_eur: int
    first_day: date | None
    capped_on: date | None
    last_day: date | None
    fixed_by: date | None
    paid: bool
    per_day_eur: tuple[int, ...]
    tier_days: int
    cap_eur: int
    not_due: str | None = None


def not_due(kind: str, reason: str) -> PenaltyFigures:
    """No penalty at all, for the given machine-readable reason."""
    return PenaltyFigures(kind, 0, None, None, None, None, False, (), 0, 0, reason)


def _is_last_tier(tier: int, rates: tuple[int, ...], tier_days: int) -> bool:
    return tier_days <= 0 or tier == len(rates) - 1


def amount_for_days(days: int, rates: tuple[int, ...], tier_days: int, cap: int) -> int:
    """Sum of the per-day rates of the first `days` days of default, capped (Awb 4:17(1)-(2))."""
    total = 0
    for tier, rate in enumerate(rates):
        start = tier * tier_days
        last = _is_last_tier(tier, rates, tier_days)
        span = days - start if last else min(days - start, tier_days)
        if span <= 0:
            break
        total += span * rate
        if last:
            break
    return min(total, cap)


def days_to_cap(rates: tuple[int, ...], tier_days: int, cap: int) -> int | None:
    """How many days of default reach the cap; None if the rates never reach it."""
    total = 0
    for tier, rate in enumerate(rates):
        last = _is_last_tier(tier, rates, tier_days)
        if last or total + tier_days * rate >= cap:
            if rate <= 0 or cap <= 0:
                return None
            return tier * tier_days + -(-(cap - total) // rate)
        total += tier_days * rate
    return None


def accrue(
    kind: str,
    first_day: date,
    rates: tuple[int, ...],
    tier_days: int,
    cap: int,
    as_of: date,
    decided_on: date | None,
) -> PenaltyFigures:
    """Penalty accrued up to and including `as_of`.

    The decision day is not a day of default, so accrual stops the day before it; the cap ends
    accrual on the day it is reached (Awb 4:17(1)-(2), DOMAIN.md §2 conventions). The amount counts
    as paid when it must be fixed: two weeks after the last penalty day (Awb 4:18).
    """
    length = days_to_cap(rates, tier_days, cap)
    cap_day = days_after(first_day, length - 1) if length is not None else None
    end = as_of
    if decided_on is not None:
        end = min(end, days_after(decided_on, -1))
    if cap_day is not None:
        end = min(end, cap_day)
    days = days_between(first_day, end) + 1 if end >= first_day else 0
    capped_on = cap_day if cap_day is not None and end >= cap_day else None
    last_day: date | None = None
    if capped_on is not None:
        last_day = capped_on
    elif decided_on is not None and decided_on > first_day:
        last_day = days_after(decided_on, -1)
    fixed_by = days_after(last_day, PENALTY_FIXING_DAYS) if last_day is not None else None
    return PenaltyFigures(
        kind=kind,
        accrued_eur=amount_for_days(days, rates, tier_days, cap),
        first_day=first_day,
        capped_on=capped_on,
        last_day=last_day,
        fixed_by=fixed_by,
        paid=fixed_by is not None and as_of >= fixed_by,
        per_day_eur=rates,
        tier_days=tier_days,
        cap_eur=cap,
    )
