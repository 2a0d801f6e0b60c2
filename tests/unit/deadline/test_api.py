"""The operator API's parameter checks, credential rule, and the CLI's join with the Dublin part."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from aiohttp.test_utils import make_mocked_request

from caseflow.ops.api_client import contract, merge
from caseflow.runtime.operator import authorised
from services.deadline.api import BadQuery, worklist_query


def request(peer: str, headers: dict[str, str] | None = None) -> Any:
    transport = Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 40000) if name == "peername" else default
    )
    return make_mocked_request("GET", "/v1/worklist", headers=headers or {}, transport=transport)


def test_worklist_defaults_and_values() -> None:
    assert worklist_query({}) == {"within_days": 28, "cohort": None, "track": None, "limit": 100}
    assert worklist_query({"within_days": "0", "cohort": "taskforce", "track": "4"}) == {
        "within_days": 0,
        "cohort": "taskforce",
        "track": 4,
        "limit": 100,
    }


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"within_days": "-1"}, "within_days must be between"),
        ({"within_days": "2.5"}, "within_days must be an integer"),
        ({"track": "0"}, "track must be between 1 and 5"),
        ({"limit": "1001"}, "limit must be between 1 and 1000"),
        ({"cohort": "everyone"}, "cohort must be one of"),
        ({"withindays": "3"}, "unknown parameter(s): withindays"),
    ],
)
def test_bad_worklist_queries_say_why(query: dict[str, str], reason: str) -> None:
    with pytest.raises(BadQuery, match=reason.replace("(", r"\(").replace(")", r"\)")):
        worklist_query(query)


def test_without_a_token_only_loopback_is_served() -> None:
    assert authorised(request("127.0.0.1"), None)
    assert authorised(request("::1"), None)
    assert not authorised(request("10.1.2.3"), None)


def test_with_a_token_the_bearer_must_match_wherever_it_comes_from() -> None:
    assert authorised(request("10.1.2.3", {"Authorization": "Bearer s3cret"}), "s3cret")
    assert not authorised(request("127.0.0.1"), "s3cret")
    assert not authorised(request("127.0.0.1", {"Authorization": "Bearer nope"}), "s3cret")


CASE: dict[str, Any] = {
    "cohort": "taskforce",
    "status": "dublin",
    "track": 1,
    "lodged_on": "2020-01-10",
    "term": {"starts_on": None, "deadline": None},
    "decision": None,
    "penalty": {"statutory_eur": 0, "court_eur": 0, "first_day": None, "capped_on": None},
    "dublin": None,
    "timeline": [],
    "as_of": "2020-03-01",
}


def test_merge_takes_the_dublin_part_and_keeps_the_status() -> None:
    part = {"stage": "claim_sent", "reply_due": "2020-03-20"}
    shown = contract(merge(CASE, {"dublin": part, "in_dublin_procedure": True}))
    assert shown == {
        **{k: v for k, v in CASE.items() if k not in ("timeline", "as_of")},
        "dublin": part,
    }


def test_merge_without_the_dublin_service_shows_null() -> None:
    assert merge(CASE, None)["dublin"] is None
    opened = {**CASE, "status": "open"}
    assert (
        merge(opened, {"dublin": {"stage": "claim_sent"}, "in_dublin_procedure": True})["status"]
        == "dublin"
    )


def test_the_figures_question_names_its_dates() -> None:
    from datetime import date

    from caseflow.runtime.operator import BadDate
    from services.deadline.api import figures_question

    asked = figures_question(
        {"until": "2020-12-31", "decided_by": "2020-12-31,2020-11-15", "penalties_by": "2020-12-15"}
    )
    assert asked.decided_by == (date(2020, 11, 15), date(2020, 12, 31))
    assert asked.penalties_by == date(2020, 12, 15)
    defaults = figures_question({"until": "2021-03-31"})
    assert defaults.decided_by == (date(2021, 3, 31),) and defaults.penalties_by == date(
        2021, 3, 31
    )
    for bad, reason in (
        ({}, "until=YYYY-MM-DD is required"),
        ({"until": "2020-13-01"}, "until must be a date, YYYY-MM-DD"),
        ({"until": "2020-12-31", "decided_by": "1999-01-01"}, "decided_by is out of range"),
    ):
        with pytest.raises(BadDate, match=reason):
            figures_question(bad)
