"""The Dublin service's pure logic: look-ahead, forecast weeks, parameters, the case document,
the projection columns and the metric families."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric

from caseflow.domain import Policy
from caseflow.ops.replay import replay
from caseflow.runtime.scrape import ScrapeCollector
from services.dublin.metrics import families
from services.dublin.views import (
    Figures,
    OpenClaim,
    case_document,
    expiring_document,
    forecast,
    forecast_until,
    member_state_label,
    parse_within_days,
    projection,
)
from tests.unit.dublin.streams import STREAMS

AS_OF = date(2020, 9, 2)  # a Wednesday in ISO week 2020-W36


def claim(case_id: str, deadline: date, stage: str = "accepted") -> OpenClaim:
    return OpenClaim(case_id, "DE", stage, deadline)


def test_forecast_counts_side_inflow_in_the_week_after_the_deadline_day() -> None:
    weeks = forecast(
        [
            claim("sat", date(2020, 9, 5)),  # inflow Sunday 6 Sep: still week 36
            claim("sun", date(2020, 9, 6)),  # inflow Monday 7 Sep: week 37
            claim("last", date(2020, 11, 21)),  # inflow Sunday 22 Nov: week 47, the 12th
            claim("beyond", date(2020, 11, 22)),  # inflow Monday 23 Nov: week 48, outside
        ],
        AS_OF,
    )
    assert len(weeks) == 12
    assert weeks[0] == {"week": "2020-W36", "starts_on": "2020-08-31", "side_inflow": 1}
    assert weeks[1] == {"week": "2020-W37", "starts_on": "2020-09-07", "side_inflow": 1}
    assert weeks[11] == {"week": "2020-W47", "starts_on": "2020-11-16", "side_inflow": 1}
    assert sum(w["side_inflow"] for w in weeks) == 3
    assert forecast_until(AS_OF) == date(2020, 11, 21)


def test_forecast_weeks_cross_the_iso_year() -> None:
    weeks = forecast([claim("a", date(2020, 12, 31))], date(2020, 12, 30))
    assert [w["week"] for w in weeks[:2]] == ["2020-W53", "2021-W01"]
    assert weeks[0]["side_inflow"] == 1  # inflow Friday 1 Jan 2021 is in 2020-W53


def test_expiring_entries_give_days_left_and_the_side_inflow_day() -> None:
    document = expiring_document(
        AS_OF,
        7,
        [claim("a", date(2020, 9, 2)), claim("b", date(2020, 9, 9), "transfer_scheduled")],
        [],
    )
    assert document["as_of"] == "2020-09-02"
    assert document["claims"] == [
        {
            "case_id": "a",
            "member_state": "DE",
            "stage": "accepted",
            "transfer_deadline": "2020-09-02",
            "days_left": 0,
            "side_inflow_on": "2020-09-03",
        },
        {
            "case_id": "b",
            "member_state": "DE",
            "stage": "transfer_scheduled",
            "transfer_deadline": "2020-09-09",
            "days_left": 7,
            "side_inflow_on": "2020-09-10",
        },
    ]


def test_within_days_parameter() -> None:
    assert parse_within_days({}) == 28
    assert parse_within_days({"within_days": "0"}) == 0
    assert parse_within_days({"within_days": "90"}) == 90
    for bad in ("-1", "x", "1.5", "", "99999"):
        assert isinstance(parse_within_days({"within_days": bad}), str)
    assert parse_within_days({"within": "3"}) == "unknown parameter: within"


def test_member_state_label_is_bounded() -> None:
    assert member_state_label("DE") == "DE"
    assert member_state_label("CH") == "CH"
    assert member_state_label("case-2020-000123") == "other"
    assert member_state_label(None) == "other"


def _state(case_id: str, until: date):  # type: ignore[no-untyped-def]
    stream = next(s for s in STREAMS if s.case_id == case_id)
    result = replay(stream.lines(), until=until, policy=Policy(), now=datetime.now(UTC))
    return result.runs[case_id].dublin.state


def test_case_document_is_the_replay_dublin_view() -> None:
    state = _state("dub-21", date(2020, 9, 1))
    document = case_document("dub-21", state, date(2020, 9, 1), Policy(), [])
    assert document == {
        "case_id": "dub-21",
        "as_of": "2020-09-01",
        "dublin": {
            "stage": "accepted",
            "reply_due": "2020-03-27",
            "accepted_on": "2020-02-28",
            "tacit": False,
            "transfer_deadline": "2021-02-28",
            "nl_responsible_on": None,
        },
        "in_dublin_procedure": True,
        "timeline": [],
    }
    after = case_document("dub-21", state, date(2021, 3, 1), Policy(), [])
    assert after["dublin"]["stage"] == "nl_responsible"
    assert after["in_dublin_procedure"] is False


def test_projection_of_a_failed_transfer_and_its_side_inflow() -> None:
    columns = projection(_state("dub-17", date(2020, 9, 1)), Policy(), date(2020, 9, 1))
    assert columns == {
        "stage": "nl_responsible",
        "member_state": "DE",
        "transfer_deadline": date(2020, 8, 14),
        "nl_responsible_on": date(2020, 8, 15),
        "side_inflow_on": date(2020, 8, 15),
        "side_inflow_reason": "transfer_expired",
        "transferred_on": None,
        "failure_reasons": ["suspended"],
    }
    assert set(projection(None, Policy(), None)) == set(columns)


async def test_metric_families_have_every_known_label_at_zero() -> None:
    figures = Figures(
        as_of=AS_OF,
        open_by_stage={"accepted": 3},
        open_by_member_state={"DE": 2, "IT": 1},
        transfers={("completed", ""): 4, ("failed", "medical"): 2},
        side_inflow={"transfer_expired": 5},
        expiring={7: 1, 28: 2},
    )
    registry = CollectorRegistry()

    async def read() -> list[Metric]:
        return families(figures)

    collector = ScrapeCollector(read, name="dublin")
    await collector.refresh()
    registry.register(collector)
    text = generate_latest(registry).decode()
    assert 'caseflow_dublin_open_claims{stage="accepted"} 3.0' in text
    assert 'caseflow_dublin_open_claims{stage="claim_due"} 0.0' in text
    assert 'caseflow_dublin_open_claims_by_member_state{member_state="IT"} 1.0' in text
    assert 'caseflow_dublin_transfers_total{outcome="completed",reason=""} 4.0' in text
    assert 'caseflow_dublin_transfers_total{outcome="failed",reason="suspended"} 0.0' in text
    assert 'caseflow_dublin_transfers_total{outcome="failed",reason="medical"} 2.0' in text
    assert 'caseflow_dublin_side_inflow_total{reason="claim_rejected"} 0.0' in text
    assert 'caseflow_dublin_claims_expiring{within_days="28"} 2.0' in text
    assert "dub-" not in text
    assert len(families(Figures())) == 4  # no expiring window before the first tick
