"""Every worked example of DOMAIN.md, end to end through the folds."""

from caseflow.domain.derived import (
    ClaimTacitlyAccepted,
    PenaltyAccruing,
    PenaltyCapped,
    SideInflow,
    TermStarted,
    TransferDeadlineExpired,
    TransferDeadlineSet,
)
from caseflow.domain.dublin import reply_due, request_deadline
from caseflow.domain.term import statutory_penalty

from .domain_builders import Case, D


def test_court_confirmed_example_six_months_then_nine():
    case = Case()
    case.lodge(D(2022, 9, 25))
    assert case.deadline == D(2023, 3, 25)
    assert case.extend(D(2023, 1, 10), 9) is None
    assert case.deadline == D(2023, 12, 25)


def test_deadline_on_sunday_is_not_moved():
    case = Case()
    case.lodge(D(2022, 10, 7))
    case.extend(D(2022, 12, 1), 9)
    assert case.deadline == D(2024, 1, 7)
    assert case.deadline.isoweekday() == 7


def test_31_august_plus_six_months_is_end_of_february():
    case = Case()
    case.lodge(D(2022, 8, 31))
    assert case.deadline == D(2023, 2, 28)


def test_penalty_example_2020():
    case = Case()
    case.lodge(D(2019, 8, 15))
    assert case.deadline == D(2020, 2, 15)
    assert case.deadline.isoweekday() == 6
    case.notice(D(2020, 3, 2))
    assert case.term is not None
    figures = statutory_penalty(case.term, D(2020, 3, 30), case.policy)
    assert (figures.first_day, figures.accrued_eur) == (D(2020, 3, 17), 322)
    assert statutory_penalty(case.term, D(2020, 4, 13), case.policy).accrued_eur == 322 + 490
    assert statutory_penalty(case.term, D(2020, 4, 26), case.policy).capped_on is None
    capped = statutory_penalty(case.term, D(2020, 4, 27), case.policy)
    assert (capped.accrued_eur, capped.capped_on, capped.fixed_by) == (
        1442,
        D(2020, 4, 27),
        D(2020, 5, 11),
    )
    assert statutory_penalty(case.term, D(2020, 12, 31), case.policy).accrued_eur == 1442
    case.until(D(2020, 5, 31))
    [accruing] = case.of_type(PenaltyAccruing)
    [cap] = case.of_type(PenaltyCapped)
    assert (accruing.on, accruing.per_day_eur, accruing.cap_eur) == (
        D(2020, 3, 17),
        (23, 35, 45),
        1442,
    )
    assert (cap.on, cap.cap_eur, cap.fixed_by) == (D(2020, 4, 27), 1442, D(2020, 5, 11))


def test_dublin_example_2020_through_side_inflow():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    assert case.deadline is None
    assert case.claim(D(2020, 1, 20), eurodac_hit=True, eurodac_hit_on=D(2020, 1, 13)) is None
    assert case.dublin is not None
    assert request_deadline(case.dublin, case.policy) == D(2020, 3, 13)
    assert reply_due(case.dublin, case.policy) == D(2020, 3, 20)
    case.until(D(2020, 3, 20))
    assert case.of_type(ClaimTacitlyAccepted) == []
    case.until(D(2020, 3, 21))
    [tacit] = case.of_type(ClaimTacitlyAccepted)
    [deadline_set] = case.of_type(TransferDeadlineSet)
    assert tacit.on == tacit.accepted_on == D(2020, 3, 20)
    assert (deadline_set.transfer_deadline, deadline_set.basis) == (D(2020, 9, 20), "tacit")
    case.until(D(2020, 9, 21))
    [expired] = case.of_type(TransferDeadlineExpired)
    [inflow] = case.of_type(SideInflow)
    assert expired.on == inflow.on == D(2020, 9, 21)
    assert inflow.reason == "transfer_expired"
    assert case.deadline == D(2021, 3, 21)
    started = case.of_type(TermStarted)[-1]
    assert (started.starts_on, started.absolute_deadline) == (D(2020, 9, 21), D(2021, 10, 10))
