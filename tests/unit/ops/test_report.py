"""The monthly report (`caseflow report`): each month as known at its end, so the December 2020
report is the same whether made in January or in July 2021; months outside the data refused
with nothing written; the publishable document — a Dutch (or English) PDF with source, scale,
as-of and generation time on every page, HTML, Markdown, charts and the CSV of the series."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from caseflow.domain import Policy
from caseflow.domain.stock import monthly_series
from caseflow.ops import report
from caseflow.ops.cli import main
from caseflow.ops.replay import admitted, replay
from caseflow.runtime.settings import load_settings
from scenarios.letter_2020 import generate

SCALE = 0.03
DECEMBER = date(2020, 12, 31)
NOW = datetime(2021, 7, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return [line.encode() for line in generate(seed=11, scale=SCALE)]


def made_by(lines: list[bytes], last_day: date) -> list[bytes]:
    """The events a report made on ``last_day`` has: those dated up to it."""
    return [line for line in lines if date.fromisoformat(json.loads(line)["time"][:10]) <= last_day]


def series(lines: list[bytes], until: date) -> list[dict[str, object]]:
    found = admitted(lines, policy=Policy(), now=NOW)
    return report.known_series(found.facts, Policy(), until)[0]


def test_december_2020_is_the_same_made_in_january_or_in_july_2021(lines: list[bytes]) -> None:
    january = series(made_by(lines, date(2021, 1, 31)), DECEMBER)
    july = series(lines, DECEMBER)
    assert [r["month"] for r in july] == [f"2020-{m:02d}" for m in range(4, 13)]
    assert january == july
    # Each month as it was known at its end, whatever came later: the series up to June 2021
    # begins with the very same months.
    assert series(lines, date(2021, 6, 30))[: len(july)] == july
    # Computed from every case's final state instead, the old way, later facts rewrite the
    # past (a manifestly unfounded decision voids a penalty already counted as paid).
    final = replay(lines, until=date(2021, 6, 30), policy=Policy(), now=NOW)
    terms = [r.term.state for r in final.runs.values() if r.term.state is not None]
    dublins = [r.dublin.state for r in final.runs.values() if r.dublin.state is not None]
    assert monthly_series(terms, dublins, Policy(), DECEMBER) != july


def test_later_facts_the_law_applies_to_the_past_are_listed_as_revisions(
    lines: list[bytes],
) -> None:
    found = admitted(lines, policy=Policy(), now=NOW)
    published, revised = report.known_series(found.facts, Policy(), DECEMBER)
    changes = report.revisions(published, revised)
    assert changes, "the scenario has penalties voided by a later decision"
    assert {c.figure for c in changes} == {"penalties_paid_eur"}
    assert all(c.revised < c.published for c in changes)
    assert published[-1] == revised[-1]  # the latest month is as known now


def write_events(tmp_path: Path, lines: list[bytes]) -> Path:
    path = tmp_path / "letter.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize(
    ("month", "says"),
    [
        ("2020-13", "'2020-13' does not match the format '%Y-%m'"),
        ("2020-03", "the series starts in 2020-04"),
        ("2021-02", "the data end on 2021-01-31: the last complete month is 2021-01"),
        ("2030-01", "the last complete month is 2021-01"),
    ],
)
def test_a_month_outside_the_data_is_refused_and_nothing_is_written(
    lines: list[bytes], tmp_path: Path, month: str, says: str
) -> None:
    events = write_events(tmp_path, made_by(lines, date(2021, 1, 31)))
    out = tmp_path / "out"
    done = CliRunner().invoke(
        main,
        [
            "--home",
            str(tmp_path),
            "report",
            "--month",
            month,
            "--out",
            str(out),
            "--events",
            str(events),
        ],
    )
    assert done.exit_code != 0
    assert says in done.output, done.output
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.jsonl"]  # no staging left


@pytest.fixture(scope="module")
def written(lines: list[bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    source = report.Source(
        False, "letter.jsonl", len(lines), admitted(lines, policy=Policy(), now=NOW)
    )
    made = report.make(source, DECEMBER, load_settings(home=folder), scale=SCALE, now=NOW)
    report.write(made, folder / "out")
    return folder / "out"


def test_the_documents_and_their_numbers(written: Path) -> None:
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(
        [
            "caseflow-2020-12.csv",
            "caseflow-2020-12.md",
            "caseflow-2020-12.html",
            "caseflow-2020-12.pdf",
            *(f"caseflow-2020-12-{c}.png" for c in report.CHARTS),
        ]
    )
    assert (written / "caseflow-2020-12.pdf").read_bytes()[:5] == b"%PDF-"
    with (written / "caseflow-2020-12.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert table[-1]["month"] == "2020-12" and len(table) == 9
    markdown = (written / "caseflow-2020-12.md").read_text()
    # Dutch by default: month names, thousands separators, the source and the scale.
    assert "Maandrapportage december 2020".lower() in markdown.lower()
    assert "september 2020" in markdown and "Schaal: 0,03" in markdown
    stock = int(table[-1]["taskforce_stock"])
    assert f"| {stock:,}".replace(",", ".") in markdown


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_every_page_says_source_scale_as_of_and_when_it_was_made(written: Path) -> None:
    pdf = written / "caseflow-2020-12.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    pages = [p for p in text.stdout.split("\f") if p.strip()]
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        for needed in ("Bron: caseflow", "Schaal: 0,03", "Stand:", "Gemaakt: 2 juli 2021 11:30"):
            assert needed in page, (n, needed)
        assert f"pagina {n} van {len(pages)}" in page


def test_english_on_request(lines: list[bytes], tmp_path: Path) -> None:
    source = report.Source(
        True, "intake.event_log", len(lines), admitted(lines, policy=Policy(), now=NOW)
    )
    made = report.make(source, DECEMBER, load_settings(home=tmp_path), language="en", now=NOW)
    page = report._page(made, report.Messages("en"))
    assert page["title"] == "Asylum chain progress: monthly report December 2020"
    assert page["scale"] == "Scale: 1 (real volume)"
    assert page["source"].startswith("Source: caseflow, replay of intake's event log")


def test_a_failure_while_writing_leaves_nothing(
    lines: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = report.Source(False, "x", len(lines), admitted(lines, policy=Policy(), now=NOW))
    made = report.make(source, date(2020, 6, 30), load_settings(home=tmp_path), now=NOW)

    def broken(html: Path, path: Path) -> Path:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(report, "_pdf", broken)
    with pytest.raises(OSError):
        report.write(made, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
