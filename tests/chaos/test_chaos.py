"""Chaos (tests/chaos/harness.py): random SIGKILLs of real service processes while the letter
scenario runs through the live pipeline; nothing lost, nothing duplicated, accounting exact.
The 3-kill version runs in `make test`; `make chaos` runs the full one and keeps its figures
in docs/reliability.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos.harness import Chaos, Figures, write_figures

ROOT = Path(__file__).resolve().parents[2]


def check(figures: Figures) -> None:
    for line in figures.report():
        print(line)
    assert figures.lost == 0
    assert figures.duplicated == 0
    for key, value in figures.expected_accounting.items():
        assert figures.accounting[key] == value, key


async def test_three_kills_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    figures = await Chaos(tmp_path, scale=0.005, kills=3).run()
    check(figures)
    assert figures.kills == 3


@pytest.mark.slow
async def test_chaos_full(tmp_path: Path) -> None:
    figures = await Chaos(
        tmp_path,
        scale=0.02,
        kills=100,
        workers=2,
        retire_one=True,
        restart_postgres=True,
        interval=(0.5, 3.0),
    ).run()
    write_figures(figures, ROOT / "docs" / "reliability.md")
    check(figures)
    assert figures.kills >= 100
    assert len(figures.postgres_restarts) == 1
