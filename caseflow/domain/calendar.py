"""Calendar arithmetic for legal terms: months and days, weekends and holidays included."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta


@lru_cache(maxsize=1 << 16)  # pure, and called for every timer on every tick
def months_after(day: date, months: int) -> date:
    """The same day-of-month `months` later, or the last day of that month if it has no such day.

    DOMAIN.md §1 convention (31 Aug + 6 months = 28/29 Feb); weekends and holidays are not skipped
    because the Algemene termijnenwet does not apply to terms over three months (Atw art. 4(a)).
    """
    return day + relativedelta(months=months)


def days_after(day: date, days: int) -> date:
    """Plain calendar days, weekends and holidays included (Atw art. 4(a))."""
    return day + timedelta(days=days)


def days_between(start: date, end: date) -> int:
    """Days from `start` to `end` (end - start); a suspension S..R counts R - S days (Awb 4:15)."""
    return (end - start).days
