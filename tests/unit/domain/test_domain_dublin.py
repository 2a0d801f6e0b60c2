"""Dublin III time limits (D3 art. 21-29) and the side-inflow into the national procedure."""

from caseflow.domain import facts as f
from caseflow.domain.derived import (
    ClaimReplyDue,
    ClaimTacitlyAccepted,
    DeadlineWarning,
    SideInflow,
    TransferDeadlineExpired,
    TransferDeadlineSet,
)
from caseflow.domain.dublin import (
    apply_dublin,
    next_dublin_due,
    nl_responsibility,
    reply_due,
    request_deadline,
    transfer_term,
)
from caseflow.domain.rules import Policy

from .domain_builders import POLICY, Case, D

LODGED = D(2020, 1, 10)
ACCEPTED = D(2020, 2, 15)
FAR = D(2030, 1, 1)


def dublin_case(lodged_on=LODGED, policy=POLICY):
    case = Case(policy=policy)
    case.lodge(lodged_on, track=1)
    return case


def accepted_case(on=ACCEPTED):
    case = dublin_case()
    case.claim(D(2020, 1, 20))
    assert case.answer(on, accepted=True) is None
    return case


def transfer_deadline(case, as_of=FAR):
    assert case.dublin is not None
    term = transfer_term(case.dublin, case.policy, as_of)
    return term.deadline if term is not None else None


def request_due(case):
    assert case.dublin is not None
    return request_deadline(case.dublin, case.policy)


def reply(case):
    assert case.dublin is not None
    return reply_due(case.dublin, case.policy)


# --- request deadlines -------------------------------------------------------------------------


def test_take_charge_request_within_three_months_of_lodging():
    assert request_due(dublin_case()) == D(2020, 4, 10)


def test_take_charge_request_by_the_earlier_eurodac_two_months():
    case = dublin_case()
    case.claim(D(2020, 1, 20), eurodac_hit=True, eurodac_hit_on=D(2019, 12, 1))
    assert request_due(case) == D(2020, 2, 1)


def test_take_back_request_two_months_of_eurodac_hit_even_past_three_months():
    case = dublin_case()
    case.claim(D(2020, 3, 20), kind="take_back", eurodac_hit=True, eurodac_hit_on=D(2020, 3, 1))
    assert request_due(case) == D(2020, 5, 1)


def test_take_back_request_without_eurodac_three_months_of_lodging():
    case = dublin_case()
    case.claim(D(2020, 3, 20), kind="take_back")
    assert request_due(case) == D(2020, 4, 10)


def test_eurodac_hit_dated_on_registration_when_not_given():
    case = Case()
    case.fact(f.RegistrationRecorded, D(2020, 1, 5), nationality="AFG", unaccompanied_minor=False)
    case.lodge(D(2020, 1, 10), track=1)
    case.claim(D(2020, 1, 20), eurodac_hit=True)
    assert request_due(case) == D(2020, 3, 5)


def test_eurodac_hit_dated_on_lodging_without_registration():
    case = dublin_case()
    case.claim(D(2020, 1, 20), eurodac_hit=True)
    assert request_due(case) == D(2020, 3, 10)


def test_eurodac_fallback_convention_lodging_ignores_registration():
    case = Case(policy=Policy(eurodac_fallback="lodging"))
    case.fact(f.RegistrationRecorded, D(2020, 1, 5), nationality="AFG", unaccompanied_minor=False)
    case.lodge(D(2020, 1, 10), track=1)
    case.claim(D(2020, 1, 20), eurodac_hit=True)
    assert request_due(case) == D(2020, 3, 10)


def test_missed_request_deadline_makes_nl_responsible_the_next_day():
    case = dublin_case()
    case.until(D(2020, 4, 10))
    assert case.of_type(SideInflow) == []
    case.until(D(2020, 4, 11))
    [inflow] = case.of_type(SideInflow)
    assert (inflow.on, inflow.reason, inflow.claim_sent_on) == (
        D(2020, 4, 11),
        "request_deadline_missed",
        None,
    )
    assert case.deadline == D(2020, 10, 11)


def test_late_claim_makes_nl_responsible_the_day_after_the_request_deadline():
    case = dublin_case()
    assert case.claim(D(2020, 3, 20), eurodac_hit=True, eurodac_hit_on=D(2020, 1, 13)) is None
    [inflow] = case.of_type(SideInflow)
    assert (inflow.on, inflow.reason) == (D(2020, 3, 14), "request_deadline_missed")
    assert case.deadline == D(2020, 9, 14)


def test_claim_after_nl_became_responsible_is_rejected():
    case = dublin_case()
    case.until(D(2020, 4, 11))
    rejection = case.claim(D(2020, 4, 12))
    assert rejection is not None and rejection.reason == "nl_responsible"


def test_claim_before_lodging_is_rejected():
    case = dublin_case()
    rejection = case.claim(D(2020, 1, 9))
    assert rejection is not None and rejection.reason == "before_lodging"


def test_claim_for_an_unlodged_case_is_rejected():
    fact = f.DublinClaimSent(
        event_id="x",
        case_id="c",
        on=D(2020, 1, 1),
        source="ind",
        member_state="DEU",
        kind="take_charge",
        eurodac_hit=False,
    )
    result = apply_dublin(None, fact, POLICY)
    assert result.rejection is not None and result.rejection.reason == "not_lodged"


# --- replies -----------------------------------------------------------------------------------


def test_take_charge_reply_within_two_months():
    case = dublin_case()
    case.claim(D(2020, 1, 20))
    assert reply(case) == D(2020, 3, 20)


def test_urgent_take_charge_reply_within_the_requested_days():
    case = dublin_case()
    case.claim(D(2020, 1, 20), urgent_reply_days=10)
    assert reply(case) == D(2020, 1, 30)


def test_urgent_reply_shorter_than_a_week_is_rejected():
    rejection = dublin_case().claim(D(2020, 1, 20), urgent_reply_days=6)
    assert rejection is not None and rejection.reason == "urgent_period_out_of_range"


def test_urgent_reply_longer_than_a_month_is_rejected():
    rejection = dublin_case().claim(D(2020, 1, 20), urgent_reply_days=32)
    assert rejection is not None and rejection.reason == "urgent_period_out_of_range"


def test_take_back_reply_two_weeks_on_eurodac_hit():
    case = dublin_case()
    case.claim(D(2020, 1, 20), kind="take_back", eurodac_hit=True)
    assert reply(case) == D(2020, 2, 3)


def test_take_back_reply_one_month_without_eurodac_clamps_to_leap_day():
    case = dublin_case()
    case.claim(D(2020, 1, 31), kind="take_back")
    assert reply(case) == D(2020, 2, 29)


def test_reply_period_is_announced_when_the_claim_is_sent():
    case = dublin_case()
    case.claim(D(2020, 1, 20))
    [announced] = case.of_type(ClaimReplyDue)
    assert (announced.on, announced.reply_due) == (D(2020, 1, 20), D(2020, 3, 20))


def test_late_claim_gets_no_reply_period():
    case = dublin_case()
    assert case.claim(D(2020, 3, 20), eurodac_hit=True, eurodac_hit_on=D(2020, 1, 13)) is None
    assert case.of_type(ClaimReplyDue) == []


def test_answer_on_the_last_day_prevents_tacit_acceptance():
    case = dublin_case()
    case.claim(D(2020, 1, 20))
    case.until(D(2020, 3, 20))
    assert case.answer(D(2020, 3, 20), accepted=False) is None
    case.until(D(2020, 4, 30))
    assert case.of_type(ClaimTacitlyAccepted) == []
    assert [e.reason for e in case.of_type(SideInflow)] == ["claim_rejected"]


def test_answer_after_the_reply_period_is_rejected():
    case = dublin_case()
    case.claim(D(2020, 1, 20))
    rejection = case.answer(D(2020, 3, 21), accepted=False)
    assert rejection is not None and rejection.reason == "after_reply_period"


def test_answer_without_claim_is_rejected():
    rejection = dublin_case().answer(D(2020, 2, 1), accepted=True)
    assert rejection is not None and rejection.reason == "claim_not_sent"


def test_second_answer_is_rejected():
    case = accepted_case()
    rejection = case.answer(D(2020, 2, 16), accepted=False)
    assert rejection is not None and rejection.reason == "already_answered"


def test_rejected_claim_makes_nl_responsible_on_the_reply_day():
    case = dublin_case()
    case.claim(D(2020, 1, 20))
    case.answer(D(2020, 2, 10), accepted=False)
    [inflow] = case.of_type(SideInflow)
    assert (inflow.on, inflow.reason) == (D(2020, 2, 10), "claim_rejected")
    assert case.deadline == D(2020, 8, 10)


# --- transfer ----------------------------------------------------------------------------------


def test_explicit_acceptance_sets_a_six_month_transfer_deadline():
    case = accepted_case()
    [deadline_set] = case.of_type(TransferDeadlineSet)
    assert (deadline_set.on, deadline_set.transfer_deadline, deadline_set.basis) == (
        D(2020, 2, 15),
        D(2020, 8, 15),
        "accepted",
    )


def test_transfer_deadline_after_acceptance_on_31_august_is_end_of_february():
    case = accepted_case(D(2020, 3, 10))
    assert transfer_deadline(case) == D(2020, 9, 10)
    case = dublin_case(D(2020, 7, 1))
    case.claim(D(2020, 7, 2))
    case.answer(D(2020, 8, 31), accepted=True)
    assert transfer_deadline(case) == D(2021, 2, 28)
    case.until(D(2021, 3, 1))
    assert [e.on for e in case.of_type(SideInflow)] == [D(2021, 3, 1)]


def test_imprisonment_extends_the_transfer_period_to_12_months():
    case = accepted_case()
    case.fact(f.TransferFailed, D(2020, 6, 1), reason="imprisoned")
    assert transfer_deadline(case) == D(2021, 2, 15)


def test_absconding_before_expiry_extends_the_transfer_period_to_18_months():
    case = accepted_case()
    case.fact(f.PersonAbsconded, D(2020, 6, 1))
    assert transfer_deadline(case) == D(2021, 8, 15)
    assert case.of_type(TransferDeadlineSet)[-1].basis == "absconded"


def test_absconding_on_the_last_day_still_extends():
    case = accepted_case()
    case.fact(f.PersonAbsconded, D(2020, 8, 15))
    assert transfer_deadline(case) == D(2021, 8, 15)


def test_absconding_after_transfer_expiry_does_not_extend():
    case = accepted_case()
    case.until(D(2020, 8, 16))
    case.fact(f.PersonAbsconded, D(2020, 8, 20))
    assert transfer_deadline(case) == D(2020, 8, 15)
    assert [e.on for e in case.of_type(SideInflow)] == [D(2020, 8, 16)]


def test_absconding_during_the_claim_extends_from_acceptance():
    case = dublin_case()
    case.claim(D(2020, 1, 20))
    case.fact(f.PersonAbsconded, D(2020, 2, 1))
    case.answer(D(2020, 2, 15), accepted=True)
    assert transfer_deadline(case) == D(2021, 8, 15)


def test_covid_suspension_of_transfers_does_not_stop_the_clock():
    case = accepted_case()
    case.fact(f.TransferScheduled, D(2020, 3, 1), planned_on=D(2020, 3, 20))
    case.fact(f.TransferFailed, D(2020, 3, 16), reason="suspended")
    assert transfer_deadline(case) == D(2020, 8, 15)
    case.until(D(2020, 8, 16))
    [expired] = case.of_type(TransferDeadlineExpired)
    [inflow] = case.of_type(SideInflow)
    assert (expired.on, expired.transfer_deadline) == (D(2020, 8, 16), D(2020, 8, 15))
    assert (inflow.reason, inflow.failed_transfers, inflow.accepted_on) == (
        "transfer_expired",
        1,
        D(2020, 2, 15),
    )


def test_appeal_with_suspensive_effect_restarts_transfer_period():
    case = accepted_case()
    case.fact(f.AppealLodged, D(2020, 3, 1), suspensive=True)
    assert transfer_deadline(case) is None
    case.fact(f.AppealDecided, D(2020, 7, 1), outcome="unfounded")
    assert transfer_deadline(case) == D(2021, 1, 1)
    assert case.of_type(TransferDeadlineSet)[-1].basis == "appeal"


def test_pending_suspensive_appeal_holds_the_transfer_expiry():
    case = accepted_case()
    case.fact(f.AppealLodged, D(2020, 3, 1), suspensive=True)
    case.until(D(2020, 12, 31))
    assert case.of_type(SideInflow) == []


def test_appeal_without_suspensive_effect_changes_nothing():
    case = accepted_case()
    case.fact(f.AppealLodged, D(2020, 3, 1), suspensive=False)
    case.fact(f.AppealDecided, D(2020, 7, 1), outcome="unfounded")
    assert transfer_deadline(case) == D(2020, 8, 15)


def test_transfer_completed_in_time_prevents_side_inflow():
    case = accepted_case()
    assert case.fact(f.TransferCompleted, D(2020, 8, 15), planned_on=D(2020, 8, 15)) is None
    case.until(D(2021, 1, 1))
    assert case.of_type(SideInflow) == []
    assert case.dublin is not None and next_dublin_due(case.dublin, POLICY) is None


def test_transfer_after_the_deadline_is_rejected():
    case = accepted_case()
    rejection = case.fact(f.TransferCompleted, D(2020, 8, 17))
    assert rejection is not None and rejection.reason == "nl_responsible"


def test_transfer_without_acceptance_is_rejected():
    case = dublin_case()
    case.claim(D(2020, 1, 20))
    rejection = case.fact(f.TransferScheduled, D(2020, 2, 1), planned_on=D(2020, 3, 1))
    assert rejection is not None and rejection.reason == "not_accepted"


def test_transfer_in_a_non_dublin_case_is_rejected():
    case = Case()
    case.lodge(D(2020, 1, 10))
    rejection = case.fact(f.TransferScheduled, D(2020, 2, 1), planned_on=D(2020, 3, 1))
    assert rejection is not None and rejection.reason == "not_dublin"


def test_side_inflow_is_emitted_exactly_once():
    case = accepted_case()
    case.tick(D(2020, 8, 16))
    case.tick(D(2020, 8, 17))
    case.tick(D(2021, 8, 17))
    assert len(case.of_type(SideInflow)) == 1


def test_side_inflow_term_warns_relative_to_the_new_deadline():
    case = accepted_case()
    case.until(D(2021, 2, 16))
    deadlines = {w.deadline for w in case.of_type(DeadlineWarning)}
    assert deadlines == {D(2021, 2, 16)}


def test_nl_responsibility_as_of_a_date_before_and_after_expiry():
    case = accepted_case()
    assert case.dublin is not None
    assert nl_responsibility(case.dublin, POLICY, D(2020, 8, 15)) is None
    assert nl_responsibility(case.dublin, POLICY, D(2020, 8, 16)) == (
        D(2020, 8, 16),
        "transfer_expired",
    )
