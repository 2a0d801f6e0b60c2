"""The 2020 letter scenario: deterministic, valid, and telling the letter's story when the
pipeline (here: the offline replay) computes the figures from it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from caseflow.domain import Policy
from caseflow.domain.stock import monthly_series
from caseflow.ops.replay import Replay, replay
from scenarios.letter_2020 import generate, letter_figures, write

SCALE = 0.03


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return list(generate(seed=7, scale=SCALE))


@pytest.fixture(scope="module")
def replayed(lines: list[str]) -> Replay:
    return replay(
        [line.encode() for line in lines],
        until=date(2021, 6, 30),
        policy=Policy(),
        now=datetime.now(UTC),
    )


def states(result: Replay) -> tuple[list[Any], list[Any]]:
    terms = [r.term.state for r in result.runs.values() if r.term.state is not None]
    dublins = [r.dublin.state for r in result.runs.values() if r.dublin.state is not None]
    return terms, dublins


def test_same_seed_same_events(lines: list[str]) -> None:
    assert list(generate(seed=7, scale=SCALE)) == lines
    assert list(generate(seed=8, scale=SCALE)) != lines


def test_events_are_in_time_order_and_within_the_period(lines: list[str]) -> None:
    times = [datetime.fromisoformat(json.loads(line)["time"]) for line in lines]
    assert times == sorted(times)
    assert date(2019, 1, 1) <= times[0].date() and times[-1].date() <= date(2021, 6, 30)


def test_partners_send_only_their_own_types_and_nothing_is_rejected(replayed: Replay) -> None:
    assert replayed.rejected == []
    assert replayed.duplicates == 0


def test_figures_follow_the_letter_at_small_scale(replayed: Replay) -> None:
    figures = letter_figures(*states(replayed), Policy())
    assigned = figures["taskforce_assigned"]
    assert assigned == round(15_350 * SCALE)  # the backlog, Dublin cases that joined it included
    assert figures["taskforce_decided_by_2020_11_15"] / assigned == pytest.approx(
        6_500 / 15_350, abs=0.06
    )
    assert figures["taskforce_decided_by_2020_12_31"] / assigned == pytest.approx(
        8_200 / 15_350, abs=0.06
    )
    assert figures["first_applications_2020"] == round(9_200 * SCALE)
    assert figures["subsequent_applications_2020"] == round(1_170 * SCALE)
    assert figures["share_decided_by_2020_12_31"] == pytest.approx(0.45, abs=0.06)
    assert 0 < figures["decided_late_2020"] <= round(20 * SCALE) + 1
    assert figures["penalties_paid_eur_by_2020_12_15"] == pytest.approx(13e6 * SCALE, rel=0.2)
    assert figures["side_inflow_2020"] == pytest.approx(1_500 * SCALE, rel=0.35)


def test_monthly_series_adds_up(replayed: Replay) -> None:
    terms, dublins = states(replayed)
    rows = monthly_series(terms, dublins, Policy(), date(2020, 12, 31))
    figures = letter_figures(terms, dublins, Policy())
    assert [r["month"] for r in rows] == [f"2020-{m:02d}" for m in range(4, 13)]
    december = rows[-1]
    assert december["taskforce_stock"] == (
        figures["taskforce_assigned"] - figures["taskforce_decided_by_2020_12_31"]
    )
    assert sum(r["side_inflow"] for r in rows) <= figures["side_inflow_2020"]
    stock = [r["taskforce_stock"] for r in rows]
    assert stock == sorted(stock, reverse=True)


def test_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "letter.jsonl"
    assert write(out, seed=1, scale=0.005) == len(out.read_text().splitlines())
