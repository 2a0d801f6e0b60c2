"""`caseflow replay` on tests/data/sample.jsonl, checked field by field."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from caseflow.domain import Policy
from caseflow.ops.replay import replay

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample.jsonl"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def run(lines: list[bytes], until: date | None = date(2021, 3, 1)) -> dict[str, Any]:
    return replay(lines, until=until, policy=Policy(), now=NOW).as_json(Policy())


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run(SAMPLE.read_bytes().splitlines())


def test_as_of_is_the_until_date(result: dict[str, Any]) -> None:
    assert result["as_of"] == "2021-03-01"


def test_case_decided_on_time(result: dict[str, Any]) -> None:
    assert result["cases"]["case-a"] == {
        "cohort": "regular",
        "status": "decided",
        "track": 4,
        "lodged_on": "2020-06-01",
        "term": {
            "starts_on": "2020-06-01",
            "deadline": "2020-12-01",
            "absolute_deadline": "2022-03-01",
            "extension_months": 0,
            "suspended_days": 0,
            "late": False,
        },
        "decision": {"on": "2020-11-30", "outcome": "granted", "on_time": True},
        "penalty": {"statutory_eur": 0, "court_eur": 0, "first_day": None, "capped_on": None},
        "dublin": None,
    }


def test_statutory_penalty_example_of_the_rules(result: dict[str, Any]) -> None:
    case = result["cases"]["case-b"]
    assert case["cohort"] == "taskforce"
    assert case["term"]["deadline"] == "2020-02-15"
    assert case["term"]["late"] is True
    assert case["decision"] == {"on": "2020-05-20", "outcome": "granted", "on_time": False}
    assert case["penalty"] == {
        "statutory_eur": 1442,
        "court_eur": 0,
        "first_day": "2020-03-17",
        "capped_on": "2020-04-27",
    }


def test_failed_dublin_transfer_becomes_side_inflow(result: dict[str, Any]) -> None:
    case = result["cases"]["case-d"]
    assert case["status"] == "open"
    assert case["dublin"] == {
        "stage": "nl_responsible",
        "reply_due": "2020-03-20",
        "accepted_on": "2020-03-20",
        "tacit": True,
        "transfer_deadline": "2020-09-20",
        "nl_responsible_on": "2020-09-21",
    }
    assert case["term"]["starts_on"] == "2020-09-21"
    assert case["term"]["deadline"] == "2021-03-21"
    assert case["term"]["absolute_deadline"] == "2021-10-10"
    inflow = [e for e in result["emitted"] if e["type"] == "nl.asylum.national_procedure.entered"]
    assert len(inflow) == 1
    assert inflow[0]["subject"] == "case-d"
    assert inflow[0]["time"].startswith("2020-09-21T00:00:00")
    assert inflow[0]["data"]["reason"] == "transfer_expired"
    assert inflow[0]["data"]["original_lodged_on"] == "2020-01-10"


def test_suspension_moves_the_deadline_by_its_days(result: dict[str, Any]) -> None:
    term = result["cases"]["case-f"]["term"]
    assert term["suspended_days"] == 10
    assert term["deadline"] == "2021-01-11"
    assert term["late"] is True


def test_impossible_extension_is_rejected_and_changes_nothing(result: dict[str, Any]) -> None:
    assert result["cases"]["case-e"]["term"]["deadline"] == "2020-12-10"
    assert result["cases"]["case-e"]["term"]["extension_months"] == 0
    reasons = {r["id"]: r["reason"] for r in result["rejected"]}
    assert reasons["e-2"] == "extension_without_prior_nine"


def test_bad_input_is_rejected_with_reasons(result: dict[str, Any]) -> None:
    reasons = {(r["id"], r["reason"]) for r in result["rejected"]}
    assert (None, "malformed_json") in reasons
    assert ("x-1", "unknown_case") in reasons
    assert ("y-1", "source_not_allowed") in reasons
    assert "case-unknown" not in result["cases"]


def test_cases_not_yet_begun_at_as_of_are_absent(result: dict[str, Any]) -> None:
    assert "case-c" not in result["cases"]


def test_until_defaults_to_the_last_event_date() -> None:
    document = run(SAMPLE.read_bytes().splitlines(), until=None)
    assert document["as_of"] == "2023-03-01"
    assert document["cases"]["case-c"]["term"]["deadline"] == "2023-12-25"
    assert document["cases"]["case-c"]["term"]["extension_months"] == 9


def test_emitted_ids_are_unique_and_deterministic(result: dict[str, Any]) -> None:
    ids = [e["id"] for e in result["emitted"]]
    assert len(ids) == len(set(ids))
    assert ids == [e["id"] for e in run(SAMPLE.read_bytes().splitlines())["emitted"]]


def test_emitted_events_are_in_date_order(result: dict[str, Any]) -> None:
    times = [e["time"][:10] for e in result["emitted"]]
    assert times == sorted(times)


def test_shuffled_file_replays_the_same(result: dict[str, Any]) -> None:
    lines = SAMPLE.read_bytes().splitlines()
    random.Random(7).shuffle(lines)
    shuffled = run(lines)
    assert shuffled["cases"] == result["cases"]
    assert {e["id"] for e in shuffled["emitted"]} == {e["id"] for e in result["emitted"]}


def test_cli_prints_the_same_json(result: dict[str, Any]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "caseflow.ops.cli", "replay", str(SAMPLE), "--until", "2021-03-01"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["cases"] == result["cases"]


def test_cli_table_names_every_case() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "caseflow.ops.cli", "replay", str(SAMPLE), "--format", "table"],
        capture_output=True,
        text=True,
        check=True,
    )
    for case_id in ("case-a", "case-b", "case-c", "case-d", "case-e", "case-f"):
        assert case_id in out.stdout
