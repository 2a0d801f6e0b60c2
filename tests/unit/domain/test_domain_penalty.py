"""Penalty payments: statutory (Awb 4:17-4:18, Stb. 2020, 242) and court (Awb 8:55b-d)."""

from caseflow.domain import facts as f
from caseflow.domain.derived import DecisionLate, PenaltyAccruing, PenaltyCapped
from caseflow.domain.rules import Policy
from caseflow.domain.term import court_penalty, on_policy_changed, statutory_penalty

from .domain_builders import POLICY, Case, D


def late_case(lodged_on, notice_on, policy=POLICY):
    case = Case(policy=policy)
    case.lodge(lodged_on)
    assert case.notice(notice_on) is None
    return case


def stat(case, as_of):
    assert case.term is not None
    return statutory_penalty(case.term, as_of, case.policy)


def test_notice_before_expiry_is_void_and_accrues_nothing():
    case = late_case(D(2019, 8, 15), D(2020, 2, 1))
    figures = stat(case, D(2020, 6, 1))
    assert (figures.accrued_eur, figures.not_due) == (0, "no_valid_notice")
    assert case.term is not None and len(case.term.notices) == 1  # recorded, not rejected


def test_notice_received_on_the_deadline_day_is_void():
    figures = stat(late_case(D(2019, 8, 15), D(2020, 2, 15)), D(2020, 6, 1))
    assert figures.not_due == "no_valid_notice"


def test_notice_the_day_after_the_deadline_starts_the_penalty_15_days_later():
    figures = stat(late_case(D(2019, 8, 15), D(2020, 2, 16)), D(2020, 3, 2))
    assert (figures.first_day, figures.accrued_eur) == (D(2020, 3, 2), 23)


def test_later_valid_notice_counts_after_a_void_one():
    case = late_case(D(2019, 8, 15), D(2020, 2, 1))
    case.notice(D(2020, 3, 2))
    assert stat(case, D(2020, 3, 17)).first_day == D(2020, 3, 17)


def test_nothing_accrues_before_the_first_penalty_day():
    assert stat(late_case(D(2019, 8, 15), D(2020, 3, 2)), D(2020, 3, 16)).accrued_eur == 0


def test_second_tier_starts_on_the_15th_penalty_day():
    assert stat(late_case(D(2019, 8, 15), D(2020, 3, 2)), D(2020, 3, 31)).accrued_eur == 322 + 35


def test_temporary_law_blocks_penalty_for_notice_received_from_10_july_2020():
    figures = stat(late_case(D(2019, 12, 1), D(2020, 7, 10)), D(2020, 12, 31))
    assert (figures.accrued_eur, figures.not_due) == (0, "temporary_law")


def test_temporary_law_spares_a_notice_received_9_july_2020():
    figures = stat(late_case(D(2019, 12, 1), D(2020, 7, 9)), D(2020, 7, 31))
    assert (figures.first_day, figures.accrued_eur) == (D(2020, 7, 24), 8 * 23)


def test_rate_set_2009_applies_to_first_penalty_day_in_2018():
    case = late_case(D(2018, 5, 1), D(2018, 12, 5))
    figures = stat(case, D(2019, 3, 1))
    assert figures.first_day == D(2018, 12, 20)
    assert figures.per_day_eur == (20, 30, 40)
    assert (figures.accrued_eur, figures.capped_on) == (1260, D(2019, 1, 30))
    assert stat(case, D(2018, 12, 31)).accrued_eur == 12 * 20


def test_rate_set_2019_applies_to_first_penalty_day_in_2019():
    figures = stat(late_case(D(2018, 5, 1), D(2018, 12, 20)), D(2019, 3, 1))
    assert figures.first_day == D(2019, 1, 4)
    assert (figures.per_day_eur, figures.accrued_eur) == ((23, 35, 45), 1442)


def test_rate_set_basis_notice_received_picks_the_2009_rates():
    policy = Policy(rate_set_basis="notice_received")
    figures = stat(late_case(D(2018, 5, 1), D(2018, 12, 20), policy), D(2019, 3, 1))
    assert (figures.per_day_eur, figures.accrued_eur) == ((20, 30, 40), 1260)


def test_no_statutory_penalty_outside_every_rate_set():
    policy = Policy(penalty_suspension_laws=())
    figures = stat(late_case(D(2025, 6, 1), D(2025, 12, 20), policy), D(2026, 3, 1))
    assert figures.not_due == "no_rate_set"


def test_decision_stops_accrual_the_day_before():
    case = late_case(D(2019, 8, 15), D(2020, 3, 2))
    case.decide(D(2020, 3, 20))
    figures = stat(case, D(2020, 6, 1))
    assert (figures.accrued_eur, figures.last_day, figures.fixed_by) == (
        3 * 23,
        D(2020, 3, 19),
        D(2020, 4, 2),
    )
    [late] = case.of_type(DecisionLate)
    assert late.statutory_penalty_eur == 69


def test_decision_on_the_first_penalty_day_owes_nothing():
    case = late_case(D(2019, 8, 15), D(2020, 3, 2))
    case.decide(D(2020, 3, 17))
    case.until(D(2020, 6, 1))
    assert stat(case, D(2020, 6, 1)).accrued_eur == 0
    assert case.of_type(PenaltyAccruing) == []


def test_excluded_outcome_owes_no_statutory_penalty():
    case = late_case(D(2019, 8, 15), D(2020, 3, 2))
    case.decide(D(2020, 4, 1), outcome="manifestly_unfounded")
    figures = stat(case, D(2020, 6, 1))
    assert (figures.accrued_eur, figures.not_due) == (0, "excluded_outcome")


def test_manifestly_inadmissible_outcome_owes_no_statutory_penalty():
    """Awb 4:17(6)(c): only a *manifestly* inadmissible application is excluded."""
    case = late_case(D(2019, 8, 15), D(2020, 3, 2))
    case.decide(D(2020, 4, 1), outcome="manifestly_inadmissible")
    figures = stat(case, D(2020, 6, 1))
    assert (figures.accrued_eur, figures.not_due) == (0, "excluded_outcome")


def test_plain_inadmissible_outcome_still_owes_the_statutory_penalty():
    """Awb 4:17(6)(c) excludes a manifestly inadmissible application, not a plain inadmissible
    one: deadline Sat 15 Feb 2020, notice Mon 2 Mar, first day 17 Mar; decided 1 Apr, so 17-30 Mar
    at EUR 23 (14 x 23 = 322) and 31 Mar at EUR 35: 357."""
    case = late_case(D(2019, 8, 15), D(2020, 3, 2))
    case.decide(D(2020, 4, 1), outcome="inadmissible")
    assert stat(case, D(2020, 6, 1)).accrued_eur == 322 + 35
    [late] = case.of_type(DecisionLate)
    assert late.statutory_penalty_eur == 357


def test_penalty_counts_as_paid_when_it_must_be_fixed():
    case = late_case(D(2019, 8, 15), D(2020, 3, 2))
    assert not stat(case, D(2020, 5, 10)).paid
    assert stat(case, D(2020, 5, 11)).paid


def test_penalty_events_fire_the_day_after_the_day_they_describe():
    case = late_case(D(2019, 8, 15), D(2020, 3, 2))
    case.until(D(2020, 3, 17))
    assert case.of_type(PenaltyAccruing) == []
    case.until(D(2020, 3, 18))
    assert [e.on for e in case.of_type(PenaltyAccruing)] == [D(2020, 3, 17)]
    case.until(D(2020, 4, 28))
    assert [e.on for e in case.of_type(PenaltyCapped)] == [D(2020, 4, 27)]


def test_notice_sent_after_receipt_is_rejected():
    case = Case()
    case.lodge(D(2019, 8, 15))
    rejection = case.notice(D(2020, 3, 2), sent_on=D(2020, 3, 3))
    assert rejection is not None and rejection.reason == "sent_after_receipt"


def test_notice_after_the_decision_is_rejected():
    case = Case()
    case.lodge(D(2019, 8, 15))
    case.decide(D(2020, 3, 1))
    rejection = case.notice(D(2020, 3, 2))
    assert rejection is not None and rejection.reason == "already_decided"


def test_invalid_instrument_makes_an_earlier_void_notice_valid():
    case = Case()
    case.lodge(D(2019, 8, 15))
    case.extend(D(2019, 9, 1), 9, instrument="decree")
    case.notice(D(2020, 3, 2))
    assert stat(case, D(2020, 4, 1)).accrued_eur == 0
    strict = Policy(invalid_instruments=frozenset({"decree"}))
    assert case.term is not None
    state, _ = on_policy_changed(case.term, POLICY, strict, D(2020, 4, 1))
    assert statutory_penalty(state, D(2020, 4, 1), strict).accrued_eur == 322 + 2 * 35


def court_case(*orders):
    case = Case()
    case.lodge(D(2020, 1, 1))
    for on, days, rate, cap in orders:
        case.fact(
            f.CourtOrderIssued,
            on,
            decide_within_days=days,
            penalty_per_day_eur=rate,
            penalty_cap_eur=cap,
        )
    return case


def court(case, as_of):
    assert case.term is not None
    return court_penalty(case.term, as_of, case.policy)


def test_court_penalty_starts_the_day_after_the_term_the_court_set():
    case = court_case((D(2021, 6, 1), 14, 100, 15000))
    assert court(case, D(2021, 6, 15)).accrued_eur == 0
    figures = court(case, D(2021, 6, 25))
    assert (figures.first_day, figures.accrued_eur) == (D(2021, 6, 16), 1000)


def test_court_penalty_is_capped():
    case = court_case((D(2021, 6, 1), 14, 100, 15000))
    assert court(case, D(2021, 11, 11)).capped_on is None
    figures = court(case, D(2021, 11, 12))
    assert (figures.accrued_eur, figures.capped_on, figures.fixed_by) == (
        15000,
        D(2021, 11, 12),
        D(2021, 11, 26),
    )


def test_court_penalty_stops_at_the_decision():
    case = court_case((D(2021, 6, 1), 14, 100, 7500))
    case.decide(D(2021, 7, 1))
    assert court(case, D(2021, 12, 1)).accrued_eur == 15 * 100


def test_later_court_order_does_not_erase_what_the_earlier_one_forfeited():
    """Awb 8:55b-d, DOMAIN.md §2: the first order (1 Jun 2021, 14 days, EUR 100/day) runs from
    16 Jun until the day before the second order (1 Aug 2021): 16 Jun - 31 Jul is 46 days,
    EUR 4,600. The second (28 days, EUR 50/day) runs from 30 Aug: to 8 Sep 10 days, EUR 500."""
    case = court_case((D(2021, 6, 1), 14, 100, 15000), (D(2021, 8, 1), 28, 50, 7500))
    assert court(case, D(2021, 7, 31)).accrued_eur == 4600
    assert court(case, D(2021, 8, 29)).accrued_eur == 4600
    figures = court(case, D(2021, 9, 8))
    assert (figures.first_day, figures.accrued_eur) == (D(2021, 6, 16), 4600 + 500)
    case.until(D(2021, 9, 8))
    assert [(e.kind, e.first_day) for e in case.of_type(PenaltyAccruing)] == [
        ("court", D(2021, 6, 16)),
        ("court", D(2021, 8, 30)),
    ]


def test_a_decision_ends_every_court_penalty():
    case = court_case((D(2021, 6, 1), 14, 100, 15000), (D(2021, 8, 1), 28, 50, 7500))
    case.decide(D(2021, 9, 1))
    [late] = case.of_type(DecisionLate)
    assert late.court_penalty_eur == 4600 + 2 * 50  # 30 and 31 Aug


def test_court_penalty_is_not_blocked_by_the_temporary_law():
    case = court_case((D(2021, 6, 1), 14, 100, 15000))
    case.notice(D(2021, 5, 1))
    assert stat(case, D(2021, 7, 1)).not_due == "temporary_law"
    assert court(case, D(2021, 7, 1)).accrued_eur == 1600


# --- premature notices (Awb 4:17(3); ABRvS 9 Feb 2011) ----------------------------------------


def test_notice_sent_on_the_last_day_and_received_after_it_is_premature():
    """Deadline Sat 15 Feb 2020; a notice sent that day and received Mon 17 Feb was sent before the
    term expired: void, even though it arrived after (DOMAIN.md §2)."""
    case = Case()
    case.lodge(D(2019, 8, 15))
    assert case.notice(D(2020, 2, 17), sent_on=D(2020, 2, 15)) is None
    figures = stat(case, D(2020, 6, 1))
    assert (figures.accrued_eur, figures.not_due) == (0, "no_valid_notice")


def test_notice_sent_the_day_after_the_deadline_counts():
    """Sent Sun 16 Feb, received Mon 17 Feb 2020: first penalty day 17 Feb + 15 = 3 Mar."""
    case = Case()
    case.lodge(D(2019, 8, 15))
    case.notice(D(2020, 2, 17), sent_on=D(2020, 2, 16))
    assert stat(case, D(2020, 3, 3)).first_day == D(2020, 3, 3)


def test_receipt_only_reading_is_a_named_setting():
    """`Policy.notice_validity = "received"`: receipt after the deadline suffices. Received 17 Feb
    2020, first day 3 Mar; to 31 Mar: 3-16 Mar at 23 (322), 17-30 Mar at 35 (490), 31 Mar at 45."""
    case = Case(policy=Policy(notice_validity="received"))
    case.lodge(D(2019, 8, 15))
    case.notice(D(2020, 2, 17), sent_on=D(2020, 2, 15))
    figures = stat(case, D(2020, 3, 31))
    assert (figures.first_day, figures.accrued_eur) == (D(2020, 3, 3), 322 + 490 + 45)
