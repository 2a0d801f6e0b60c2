"""The live clock's schedule: every period, and right on every Amsterdam midnight."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from caseflow.events.envelope import LEGAL_TZ
from caseflow.ops.clock import next_tick, sleep_until


def test_the_next_tick_is_one_period_on_during_the_day() -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert next_tick(now, 2.0) == now + timedelta(seconds=2)


def test_a_tick_falls_right_on_midnight_in_amsterdam_in_winter_and_summer() -> None:
    winter = datetime(2026, 1, 15, 22, 59, 59, 500000, tzinfo=UTC)  # 23:59:59.5 CET
    assert next_tick(winter, 2.0) == datetime(2026, 1, 16, 0, 0, tzinfo=LEGAL_TZ)
    summer = datetime(2026, 7, 15, 21, 59, 59, tzinfo=UTC)  # 23:59:59 CEST
    assert next_tick(summer, 2.0) == datetime(2026, 7, 16, 0, 0, tzinfo=LEGAL_TZ)
    assert next_tick(summer, 2.0).astimezone(LEGAL_TZ).date().isoformat() == "2026-07-16"


def test_a_tick_at_midnight_is_followed_by_the_next_period() -> None:
    midnight = datetime(2026, 1, 16, 0, 0, tzinfo=LEGAL_TZ)
    assert next_tick(midnight, 2.0) == midnight + timedelta(seconds=2)


def test_on_the_day_clocks_go_forward_midnight_is_still_the_boundary() -> None:
    before = datetime(2026, 3, 28, 22, 59, 58, tzinfo=UTC)  # Saturday 23:59:58 CET
    assert next_tick(before, 5.0) == datetime(2026, 3, 29, 0, 0, tzinfo=LEGAL_TZ)


async def test_sleep_until_never_wakes_before_the_target() -> None:
    readings = iter(
        [
            datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC),
            datetime(2026, 1, 1, 0, 0, 0, 999000, tzinfo=UTC),  # a timer that woke early
            datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
        ]
    )
    calls = []

    def now() -> datetime:
        calls.append(1)
        return next(readings)

    target = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    await asyncio.wait_for(sleep_until(target, now), timeout=5)
    assert len(calls) == 3
