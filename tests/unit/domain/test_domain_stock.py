"""One definition each: the cohort, the Taskforce assignment, the case status, the side-inflow
day, and the stock figures for the dates a question names."""

from __future__ import annotations

from datetime import date

from caseflow.domain.inflow import entered_between, side_inflow_day
from caseflow.domain.stock import Question, month_end, month_ends, stock_figures
from caseflow.domain.taskforce import assigned_to_taskforce, cohort, in_taskforce
from caseflow.domain.view import case_status, status_of
from tests.unit.domain.domain_builders import POLICY, Case

D = date
CUTOFF = POLICY.taskforce_cutoff


def test_the_cohort_is_taskforce_strictly_before_the_cut_off() -> None:
    assert cohort(D(2020, 3, 31), CUTOFF) == "taskforce"
    assert cohort(D(2020, 4, 1), CUTOFF) == "regular"


def test_the_assignment_is_the_national_backlog_undecided_on_the_cut_off() -> None:
    lodged = D(2019, 10, 1)
    assert assigned_to_taskforce(lodged, lodged, None, CUTOFF)
    assert assigned_to_taskforce(lodged, lodged, CUTOFF, CUTOFF)  # decided on the day: still in
    assert not assigned_to_taskforce(lodged, lodged, D(2020, 3, 31), CUTOFF)
    assert not assigned_to_taskforce(lodged, None, None, CUTOFF)  # waiting for a transfer
    assert assigned_to_taskforce(lodged, D(2020, 2, 1), None, CUTOFF)  # side-inflow in February
    assert not assigned_to_taskforce(lodged, CUTOFF, None, CUTOFF)  # side-inflow on the day
    assert not assigned_to_taskforce(CUTOFF, CUTOFF, None, CUTOFF)


def test_a_dublin_claim_rejected_before_the_cut_off_joins_the_backlog() -> None:
    case = Case("case-dub")
    case.lodge(D(2019, 11, 4), track=1)
    case.claim(D(2019, 11, 20))
    assert case.term is not None and not in_taskforce(case.term, POLICY)
    assert case_status(case.term, case.dublin, POLICY) == "dublin"
    case.answer(D(2020, 1, 15), accepted=False)
    case.until(D(2020, 1, 20))
    assert in_taskforce(case.term, POLICY)
    assert case_status(case.term, case.dublin, POLICY) == "open"


def test_the_status_of_the_parts() -> None:
    assert status_of("withdrawn", term_waits=True, dublin_open=True) == "withdrawn"
    assert status_of("granted", term_waits=False, dublin_open=False) == "decided"
    assert status_of(None, term_waits=True, dublin_open=False) == "dublin"
    assert status_of(None, term_waits=False, dublin_open=True) == "dublin"
    assert status_of(None, term_waits=False, dublin_open=False) == "open"


def test_the_side_inflow_comes_the_day_after_the_transfer_deadline() -> None:
    assert side_inflow_day(D(2020, 8, 31)) == D(2020, 9, 1)
    assert side_inflow_day(D(2020, 12, 31)) == D(2021, 1, 1)


def test_figures_are_counted_to_the_dates_the_question_names() -> None:
    early, late, new = Case("case-early"), Case("case-late"), Case("case-new")
    early.lodge(D(2019, 9, 2))
    early.decide(D(2020, 6, 1))
    late.lodge(D(2019, 9, 3))
    late.decide(D(2020, 12, 1))
    new.lodge(D(2020, 5, 4))
    new.decide(D(2020, 9, 1))
    terms = [c.term for c in (early, late, new) if c.term is not None]
    question = Question(D(2020, 12, 31), (D(2020, 6, 30), D(2020, 12, 31)), D(2020, 12, 15))
    figures = stock_figures(terms, POLICY, question)
    assert figures.taskforce_assigned == 2
    assert figures.taskforce_decided_by == {D(2020, 6, 30): 1, D(2020, 12, 31): 2}
    assert (figures.first_applications, figures.share_decided) == (1, 1.0)
    earlier = stock_figures(terms, POLICY, Question(D(2020, 8, 31), (D(2020, 8, 31),), CUTOFF))
    assert (earlier.first_applications, earlier.share_decided) == (1, 0.0)
    assert earlier.as_json()["taskforce_decided_by"] == {"2020-08-31": 1}


def test_side_inflow_is_counted_in_a_period() -> None:
    case = Case("case-dub")
    case.lodge(D(2019, 11, 4), track=1)
    case.claim(D(2019, 11, 20))
    case.answer(D(2020, 1, 15), accepted=False)
    case.until(D(2020, 1, 20))
    assert case.dublin is not None
    assert entered_between([case.dublin], D(2020, 1, 1), D(2020, 12, 31)) == 1
    assert entered_between([case.dublin], D(2020, 2, 1), D(2020, 12, 31)) == 0


def test_month_ends() -> None:
    assert month_end("2020-02") == D(2020, 2, 29)
    assert month_end("2020-12") == D(2020, 12, 31)
    assert month_ends(D(2020, 11, 15), D(2021, 1, 2)) == [
        D(2020, 11, 30),
        D(2020, 12, 31),
        D(2021, 1, 31),
    ]
