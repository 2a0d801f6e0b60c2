"""The per-case object of the replay JSON contract, and the worklist entry."""

from caseflow.domain import facts as f
from caseflow.domain.view import worklist_entry

from .domain_builders import POLICY, Case, D


def test_view_of_a_regular_case_decided_on_time():
    case = Case()
    case.lodge(D(2020, 6, 1))
    case.decide(D(2020, 11, 30))
    assert case.view(D(2021, 3, 1)) == {
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


def test_view_of_an_undecided_case_after_its_deadline_is_late_with_penalty():
    case = Case()
    case.lodge(D(2019, 8, 15))
    case.notice(D(2020, 3, 2))
    view = case.view(D(2020, 5, 1))
    assert (view["cohort"], view["status"], view["term"]["late"]) == ("taskforce", "open", True)
    assert view["penalty"] == {
        "statutory_eur": 1442,
        "court_eur": 0,
        "first_day": "2020-03-17",
        "capped_on": "2020-04-27",
    }


def test_view_counts_an_open_suspension_up_to_as_of():
    case = Case()
    case.lodge(D(2021, 3, 1))
    case.suspend(D(2021, 4, 10))
    term = case.view(D(2021, 4, 20))["term"]
    assert (term["suspended_days"], term["deadline"], term["late"]) == (10, "2021-09-11", False)


def test_view_of_a_dublin_case_before_nl_is_responsible():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    case.claim(D(2020, 1, 20), eurodac_hit=True, eurodac_hit_on=D(2020, 1, 13))
    view = case.view(D(2020, 4, 1))
    assert view["status"] == "dublin"
    assert (view["term"]["starts_on"], view["term"]["deadline"], view["term"]["late"]) == (
        None,
        None,
        False,
    )
    assert view["dublin"] == {
        "stage": "accepted",
        "reply_due": "2020-03-20",
        "accepted_on": "2020-03-20",
        "tacit": True,
        "transfer_deadline": "2020-09-20",
        "nl_responsible_on": None,
    }


def test_view_of_a_side_inflow_case():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    case.claim(D(2020, 1, 20))
    case.answer(D(2020, 2, 1), accepted=True)
    case.fact(f.TransferScheduled, D(2020, 3, 1), planned_on=D(2020, 3, 20))
    assert case.view(D(2020, 3, 2))["dublin"]["stage"] == "transfer_scheduled"
    case.until(D(2020, 8, 2))
    view = case.view(D(2020, 8, 2))
    assert view["status"] == "open"
    assert view["term"]["starts_on"] == "2020-08-02"
    assert view["term"]["deadline"] == "2021-02-02"
    assert view["term"]["absolute_deadline"] == "2021-10-10"
    assert (view["dublin"]["stage"], view["dublin"]["nl_responsible_on"]) == (
        "nl_responsible",
        "2020-08-02",
    )


def test_view_of_a_withdrawn_case():
    case = Case()
    case.lodge(D(2020, 6, 1))
    case.decide(D(2020, 7, 1), outcome="withdrawn")
    assert case.view(D(2020, 8, 1))["status"] == "withdrawn"


def test_worklist_entry_shows_days_left_and_exposure():
    case = Case()
    case.lodge(D(2019, 8, 15))
    case.notice(D(2020, 3, 2))
    assert case.term is not None
    entry = worklist_entry(case.term, D(2020, 3, 20), POLICY)
    assert entry is not None
    assert (entry.deadline, entry.days_left) == (D(2020, 2, 15), -34)
    assert entry.exposure_if_decided_today_eur == 3 * 23


def test_worklist_entry_before_the_deadline_has_no_exposure():
    case = Case()
    case.lodge(D(2021, 3, 1))
    assert case.term is not None
    entry = worklist_entry(case.term, D(2021, 8, 1), POLICY)
    assert entry is not None
    assert (entry.days_left, entry.exposure_if_decided_on_deadline_eur) == (31, 0)
