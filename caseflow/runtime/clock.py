"""The clock: one protocol for the wall clock and the simulated clock tests and replays drive."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from caseflow.events.envelope import LEGAL_TZ, legal_date_of


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    def today(self) -> date:
        """The current legal date (Europe/Amsterdam)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return legal_date_of(self.now())


class ControlledClock:
    """A clock that moves only when told to; it never goes backwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware start")
        self._now = start

    @classmethod
    def at_date(cls, day: date) -> ControlledClock:
        return cls(start_of_day(day))

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return legal_date_of(self._now)

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock does not go backwards")
        self._now += delta

    def advance_to(self, instant: datetime) -> None:
        if instant > self._now:
            self._now = instant


def start_of_day(day: date) -> datetime:
    """Midnight of a legal date in Europe/Amsterdam, as an aware instant."""
    return datetime.combine(day, time(0), tzinfo=LEGAL_TZ)
