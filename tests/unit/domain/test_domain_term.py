"""Decision term rules (Vw 2000 art. 42-43, Awb 4:15, PD art. 31), one test per rule."""

from caseflow.domain import facts as f
from caseflow.domain.derived import (
    DeadlineBreached,
    DeadlineWarning,
    DecisionLate,
    DecisionOnTime,
    TermChanged,
    TermStarted,
)
from caseflow.domain.rules import Policy
from caseflow.domain.term import (
    absolute_deadline,
    apply_term,
    next_term_due,
    on_policy_changed,
    statutory_penalty,
)

from .domain_builders import POLICY, Case, D


def lodged(on, **kw):
    case = Case(**kw)
    case.lodge(on)
    return case


def enters_national_procedure(case, on, reason="transfer_expired"):
    """The side-inflow of a case lodged 10 Jan 2020, as the Dublin fold emits it."""
    return case.fact(
        f.NationalProcedureEntered, on, reason=reason, original_lodged_on=D(2020, 1, 10)
    )


# --- start and month arithmetic ----------------------------------------------------------------


def test_term_starts_on_lodging_not_on_registration():
    case = Case()
    case.fact(f.RegistrationRecorded, D(2020, 3, 1), nationality="ERI", unaccompanied_minor=False)
    case.lodge(D(2020, 3, 10))
    assert case.deadline == D(2020, 9, 10)
    [started] = case.of_type(TermStarted)
    assert (started.starts_on, started.deadline) == (D(2020, 3, 10), D(2020, 9, 10))


def test_31_august_plus_six_months_in_leap_year_is_29_february():
    assert lodged(D(2019, 8, 31)).deadline == D(2020, 2, 29)


def test_lodged_29_february_gives_29_august():
    assert lodged(D(2020, 2, 29)).deadline == D(2020, 8, 29)


def test_extension_months_count_from_the_start_in_one_step():
    case = lodged(D(2022, 8, 31))
    case.extend(D(2022, 11, 1), 9)
    assert case.deadline == D(2023, 11, 30)  # 31 Aug + 15 months, not 28 Feb + 9 months


def test_absolute_maximum_is_21_months_from_lodging():
    case = lodged(D(2020, 1, 31))
    assert case.term is not None
    assert absolute_deadline(case.term) == D(2021, 10, 31)


def test_subsequent_application_has_its_own_term_from_its_lodging():
    case = Case()
    case.lodge(D(2021, 6, 3), kind="subsequent", linked_to="case-0")
    assert case.deadline == D(2021, 12, 3)


def test_newborn_child_keeps_its_own_term():
    case = lodged(D(2021, 2, 1))
    assert case.fact(f.CaseLinked, D(2021, 2, 2), parent="case-0", relation="child_born") is None
    assert case.deadline == D(2021, 8, 1)
    assert case.term is not None and case.term.linked_to == "case-0"


# --- extensions --------------------------------------------------------------------------------


def test_three_month_extension_without_nine_is_rejected():
    case = lodged(D(2022, 9, 25))
    rejection = case.extend(D(2023, 1, 1), 3)
    assert rejection is not None and rejection.reason == "extension_without_prior_nine"
    assert case.deadline == D(2023, 3, 25)


def test_exceptional_extension_without_nine_is_rejected():
    case = lodged(D(2022, 9, 25))
    rejection = case.extend(D(2023, 1, 1), 2, ground="exceptional")
    assert rejection is not None and rejection.reason == "extension_without_prior_nine"


def test_three_months_after_nine_gives_eighteen_months():
    case = lodged(D(2022, 9, 25))
    case.extend(D(2023, 1, 1), 9)
    assert case.extend(D(2023, 11, 1), 3, ground="exceptional") is None
    assert case.deadline == D(2024, 3, 25)


def test_three_months_completing_the_nine_is_an_article_42_4_extension():
    case = lodged(D(2022, 9, 25))
    case.extend(D(2023, 1, 1), 6)
    assert case.extend(D(2023, 2, 1), 3) is None
    assert case.deadline == D(2023, 12, 25)


def test_extension_above_nine_months_is_rejected():
    rejection = lodged(D(2022, 9, 25)).extend(D(2023, 1, 1), 10)
    assert rejection is not None and rejection.reason == "extension_exceeds_maximum"


def test_extensions_summing_past_nine_months_are_rejected():
    case = lodged(D(2022, 9, 25))
    case.extend(D(2023, 1, 1), 6)
    rejection = case.extend(D(2023, 2, 1), 6)
    assert rejection is not None and rejection.reason == "extension_exceeds_maximum"


def test_extension_beyond_eighteen_months_under_article_42_is_rejected():
    case = lodged(D(2022, 9, 25))
    case.extend(D(2023, 1, 1), 9)
    case.extend(D(2023, 11, 1), 3, ground="exceptional")
    rejection = case.extend(D(2024, 1, 1), 1, ground="exceptional")
    assert rejection is not None and rejection.reason == "extension_exceeds_maximum"
    assert case.deadline == D(2024, 3, 25)


def test_moratorium_extends_the_term_to_21_months():
    case = lodged(D(2020, 2, 1))
    assert case.extend(D(2020, 5, 1), 15, ground="moratorium") is None
    assert case.deadline == D(2021, 11, 1)


def test_moratorium_beyond_21_months_is_rejected():
    rejection = lodged(D(2020, 2, 1)).extend(D(2020, 5, 1), 16, ground="moratorium")
    assert rejection is not None and rejection.reason == "extension_exceeds_maximum"


def test_extension_after_the_deadline_is_rejected():
    case = lodged(D(2022, 9, 25))
    rejection = case.extend(D(2023, 3, 26), 9)
    assert rejection is not None and rejection.reason == "term_expired"


def test_extension_on_the_deadline_day_is_accepted():
    case = lodged(D(2022, 9, 25))
    assert case.extend(D(2023, 3, 25), 9) is None


def test_extension_emits_term_changed_with_old_and_new_deadline():
    case = lodged(D(2022, 9, 25))
    case.extend(D(2023, 1, 10), 9)
    [changed] = case.of_type(TermChanged)
    assert (changed.on, changed.old_deadline, changed.new_deadline, changed.cause) == (
        D(2023, 1, 10),
        D(2023, 3, 25),
        D(2023, 12, 25),
        "extension",
    )


def test_extension_after_decision_is_rejected():
    case = lodged(D(2022, 9, 25))
    case.decide(D(2022, 12, 1))
    rejection = case.extend(D(2023, 1, 1), 9)
    assert rejection is not None and rejection.reason == "already_decided"


def test_invalid_group_instrument_recomputes_the_deadline():
    case = lodged(D(2022, 9, 25))
    case.extend(D(2022, 10, 1), 9, ground="mass_influx", instrument="WBV 2022/22")
    assert case.deadline == D(2023, 12, 25)
    assert case.term is not None
    strict = Policy(invalid_instruments=frozenset({"WBV 2022/22"}))
    state, emitted = on_policy_changed(case.term, POLICY, strict, D(2023, 2, 1))
    [changed] = emitted
    assert (changed.old_deadline, changed.new_deadline, changed.cause, changed.instrument) == (
        D(2023, 12, 25),
        D(2023, 3, 25),
        "instrument",
        "WBV 2022/22",
    )
    assert state.effective_since == D(2023, 2, 1)


def test_policy_change_without_effect_emits_nothing():
    case = lodged(D(2022, 9, 25))
    assert case.term is not None
    strict = Policy(invalid_instruments=frozenset({"WBV 2022/22"}))
    assert on_policy_changed(case.term, POLICY, strict, D(2023, 2, 1)) == (case.term, [])


# --- suspension --------------------------------------------------------------------------------


def test_suspension_moves_the_deadline_by_resume_minus_suspend_days():
    case = lodged(D(2021, 3, 1))
    case.suspend(D(2021, 4, 10))
    assert case.resume(D(2021, 4, 30)) is None
    assert case.deadline == D(2021, 9, 21)
    [changed] = case.of_type(TermChanged)
    assert (changed.new_deadline, changed.cause) == (D(2021, 9, 21), "suspension")


def test_two_suspensions_add_up():
    case = lodged(D(2021, 3, 1))
    case.suspend(D(2021, 4, 1))
    case.resume(D(2021, 4, 6))
    case.suspend(D(2021, 5, 1))
    case.resume(D(2021, 5, 8))
    assert case.deadline == D(2021, 9, 13)


def test_resume_without_suspension_is_rejected():
    rejection = lodged(D(2021, 3, 1)).resume(D(2021, 4, 1))
    assert rejection is not None and rejection.reason == "resume_without_suspension"


def test_suspension_while_suspended_is_rejected():
    case = lodged(D(2021, 3, 1))
    case.suspend(D(2021, 4, 1))
    rejection = case.suspend(D(2021, 4, 2))
    assert rejection is not None and rejection.reason == "already_suspended"


def test_suspension_after_the_deadline_is_rejected():
    rejection = lodged(D(2021, 3, 1)).suspend(D(2021, 9, 2))
    assert rejection is not None and rejection.reason == "term_expired"


def test_suspended_term_is_not_breached_while_suspended():
    case = lodged(D(2021, 3, 1))
    case.suspend(D(2021, 8, 20))
    case.until(D(2021, 10, 1))
    assert case.of_type(DeadlineBreached) == []
    case.resume(D(2021, 10, 1))
    assert case.deadline == D(2021, 10, 13)


def test_decision_during_suspension_is_on_time():
    case = lodged(D(2021, 3, 1))
    case.suspend(D(2021, 8, 20))
    case.decide(D(2021, 10, 1))
    assert case.of_type(DecisionOnTime) != []


# --- decisions ---------------------------------------------------------------------------------


def test_decision_on_the_deadline_is_on_time():
    case = lodged(D(2021, 3, 1))
    case.decide(D(2021, 9, 1))
    [on_time] = case.of_type(DecisionOnTime)
    assert on_time.deadline == D(2021, 9, 1)


def test_decision_the_day_after_the_deadline_is_late():
    case = lodged(D(2021, 3, 1))
    case.decide(D(2021, 9, 2), outcome="rejected")
    [late] = case.of_type(DecisionLate)
    assert (late.days_late, late.statutory_penalty_eur) == (1, 0)


def test_decision_before_lodging_is_rejected():
    rejection = lodged(D(2021, 3, 1)).decide(D(2021, 2, 28))
    assert rejection is not None and rejection.reason == "before_lodging"


def test_second_decision_is_rejected():
    case = lodged(D(2021, 3, 1))
    case.decide(D(2021, 5, 1))
    rejection = case.decide(D(2021, 6, 1))
    assert rejection is not None and rejection.reason == "already_decided"


def test_fact_for_a_case_never_lodged_is_rejected():
    fact = f.TermExtended(
        event_id="x", case_id="c", on=D(2021, 1, 1), source="ind", months=9, ground="complex"
    )
    result = apply_term(None, fact, POLICY)
    assert result.rejection is not None and result.rejection.reason == "not_lodged"


def test_second_lodging_is_rejected():
    case = lodged(D(2021, 3, 1))
    rejection = case.fact(f.ApplicationLodged, D(2021, 3, 2), kind="first", nationality="SYR")
    assert rejection is not None and rejection.reason == "already_lodged"


def test_irrelevant_fact_is_accepted_without_effect():
    case = lodged(D(2021, 3, 1))
    before = case.term
    assert case.fact(f.HearingHeld, D(2021, 4, 1), kind="substantive", mode="video") is None
    assert case.term == before


# --- Dublin and side-inflow in the term fold ---------------------------------------------------


def test_track_one_at_lodging_has_no_deadline():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    assert case.deadline is None
    assert case.of_type(TermStarted) == []


def test_track_one_assigned_later_stops_the_term():
    case = lodged(D(2020, 1, 10))
    case.fact(f.TrackAssigned, D(2020, 1, 15), track=1)
    assert case.deadline is None
    [changed] = case.of_type(TermChanged)
    assert (changed.old_deadline, changed.new_deadline, changed.cause) == (
        D(2020, 7, 10),
        None,
        "track",
    )


def test_claim_sent_stops_the_national_term():
    case = lodged(D(2020, 1, 10))
    case.claim(D(2020, 2, 1))
    assert case.deadline is None


def test_extension_in_a_dublin_case_is_rejected():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    rejection = case.extend(D(2020, 2, 1), 9)
    assert rejection is not None and rejection.reason == "term_not_running"


def test_side_inflow_term_starts_when_nl_becomes_responsible():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    enters_national_procedure(case, D(2020, 9, 21))
    assert case.deadline == D(2021, 3, 21)


def test_side_inflow_term_capped_by_21_months_from_original_lodging():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    enters_national_procedure(case, D(2020, 9, 21))
    assert case.extend(D(2021, 1, 5), 9) is None
    assert case.deadline == D(2021, 10, 10)  # not 21 Dec 2021


def test_extension_when_already_at_the_absolute_maximum_is_rejected():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    enters_national_procedure(case, D(2020, 9, 21))
    case.extend(D(2021, 1, 5), 9)
    rejection = case.extend(D(2021, 9, 1), 3, ground="exceptional")
    assert rejection is not None and rejection.reason == "beyond_absolute_maximum"


def test_national_procedure_for_a_non_dublin_case_is_rejected():
    case = lodged(D(2020, 1, 10))
    rejection = enters_national_procedure(case, D(2020, 5, 1), reason="claim_rejected")
    assert rejection is not None and rejection.reason == "not_dublin"


def test_side_inflow_sets_aside_a_not_considered_dublin_decision():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    case.decide(D(2020, 4, 1), outcome="not_considered_dublin")
    enters_national_procedure(case, D(2020, 9, 21))
    assert case.term is not None and case.term.decision is None
    assert case.deadline == D(2021, 3, 21)


# --- timers ------------------------------------------------------------------------------------


def test_warnings_fire_at_each_threshold():
    case = lodged(D(2021, 3, 1))
    case.until(D(2021, 9, 1))
    warnings = [(w.threshold_days, w.on) for w in case.of_type(DeadlineWarning)]
    assert warnings == [
        (56, D(2021, 7, 7)),
        (28, D(2021, 8, 4)),
        (14, D(2021, 8, 18)),
        (7, D(2021, 8, 25)),
        (1, D(2021, 8, 31)),
    ]


def test_warning_fires_on_its_day_not_before():
    case = lodged(D(2021, 3, 1))
    case.until(D(2021, 7, 6))
    assert case.of_type(DeadlineWarning) == []
    case.until(D(2021, 7, 7))
    assert len(case.of_type(DeadlineWarning)) == 1


def test_configured_warning_thresholds_are_used():
    case = lodged(D(2021, 3, 1), policy=Policy(warning_thresholds=(3,)))
    case.until(D(2021, 9, 1))
    assert [w.on for w in case.of_type(DeadlineWarning)] == [D(2021, 8, 29)]


def test_breach_fires_the_day_after_the_deadline():
    case = lodged(D(2021, 3, 1))
    case.until(D(2021, 9, 1))
    assert case.of_type(DeadlineBreached) == []
    case.until(D(2021, 9, 2))
    [breach] = case.of_type(DeadlineBreached)
    assert (breach.on, breach.deadline) == (D(2021, 9, 2), D(2021, 9, 1))


def test_no_breach_when_decided_on_the_deadline():
    case = lodged(D(2021, 3, 1))
    case.decide(D(2021, 9, 1))
    case.until(D(2021, 12, 1))
    assert case.of_type(DeadlineBreached) == []


def test_no_warnings_after_the_decision():
    case = lodged(D(2021, 3, 1))
    case.decide(D(2021, 5, 1))
    case.until(D(2021, 12, 1))
    assert case.of_type(DeadlineWarning) == []


def test_extension_skips_warnings_for_the_old_deadline_still_to_come():
    case = lodged(D(2021, 3, 1))
    case.until(D(2021, 8, 28))
    case.extend(D(2021, 8, 28), 9)
    case.until(D(2021, 9, 30))
    assert [w.deadline for w in case.of_type(DeadlineWarning) if w.threshold_days == 1] == []
    assert case.of_type(DeadlineBreached) == []


def test_policy_change_skips_past_warnings_but_announces_the_breach():
    case = lodged(D(2022, 9, 25))
    case.extend(D(2022, 10, 1), 9, instrument="WBV 2022/22")
    case.until(D(2023, 5, 1))
    assert case.of_type(DeadlineWarning) == []
    strict = Policy(invalid_instruments=frozenset({"WBV 2022/22"}))
    assert case.term is not None
    case.term, _ = on_policy_changed(case.term, POLICY, strict, D(2023, 5, 2))
    case.policy = strict
    emitted = case.until(D(2023, 5, 2))
    assert [type(e) for e in emitted] == [DeadlineBreached]
    assert emitted[0].on == D(2023, 3, 26)


def test_timers_fire_only_once():
    case = lodged(D(2021, 3, 1))
    case.tick(D(2021, 9, 5))
    assert case.tick(D(2021, 9, 5)) == []
    assert case.tick(D(2021, 9, 6)) == []


def test_next_term_due_is_the_first_warning_then_the_breach():
    case = lodged(D(2021, 3, 1))
    assert case.term is not None
    assert next_term_due(case.term, POLICY) == D(2021, 7, 7)
    case.tick(D(2021, 8, 31))
    assert next_term_due(case.term, POLICY) == D(2021, 9, 2)
    case.tick(D(2021, 9, 2))
    assert next_term_due(case.term, POLICY) is None


# --- side-inflow past the 21-month maximum (PD art. 31(5)) ------------------------------------


def over_term_case(policy=POLICY):
    """Lodged 10 Jan 2019 on track 1 (maximum 10 Oct 2020); request 20 Jan, accepted 15 Feb 2019;
    a suspensive appeal lodged 1 Mar 2019 and decided 1 Mar 2020 restarts the transfer period
    (D3 art. 29(1)); absconding reported 1 Jun 2020 makes it 18 months (art. 29(2)): to 1 Sep
    2021. No transfer: responsible from 2 Sep 2021, long after 10 Oct 2020."""
    case = Case(policy=policy)
    case.lodge(D(2019, 1, 10), track=1)
    case.claim(D(2019, 1, 20))
    case.answer(D(2019, 2, 15), accepted=True)
    case.fact(f.AppealLodged, D(2019, 3, 1), suspensive=True)
    case.fact(f.AppealDecided, D(2020, 3, 1), outcome="unfounded")
    case.fact(f.PersonAbsconded, D(2020, 6, 1))
    return case


def test_side_inflow_past_the_maximum_is_breached_the_day_it_enters():
    """The deadline is the maximum, 10 Oct 2020, before the start: term.started says so, and the
    breach is dated 2 Sep 2021, the day it entered, never while it was a Dublin case."""
    case = over_term_case()
    case.until(D(2021, 9, 30))
    [started] = case.of_type(TermStarted)
    assert (started.starts_on, started.deadline, started.starts_breached) == (
        D(2021, 9, 2),
        D(2020, 10, 10),
        True,
    )
    [breach] = case.of_type(DeadlineBreached)
    assert (breach.on, breach.deadline) == (D(2021, 9, 2), D(2020, 10, 10))
    assert case.of_type(DeadlineWarning) == []


def test_a_notice_sent_while_in_the_dublin_procedure_is_void():
    """Without the temporary law (Stb. 2020, 242) for the arithmetic: a notice sent 1 Sep 2021,
    before the national term started, is void; one sent and received 3 Sep 2021 counts, first
    penalty day 18 Sep, to 1 Oct 14 days at EUR 23 = 322 (Awb 4:17(2)-(3))."""
    policy = Policy(penalty_suspension_laws=())
    case = over_term_case(policy)
    case.until(D(2021, 9, 2))
    case.notice(D(2021, 9, 3), sent_on=D(2021, 9, 1))
    assert case.term is not None
    assert statutory_penalty(case.term, D(2021, 10, 1), policy).not_due == "no_valid_notice"
    case.notice(D(2021, 9, 3))
    figures = statutory_penalty(case.term, D(2021, 10, 1), policy)
    assert (figures.first_day, figures.accrued_eur) == (D(2021, 9, 18), 322)


# --- late decisions explained (the 2021 letter) ------------------------------------------------


def test_late_side_inflow_past_its_maximum_is_explained():
    case = over_term_case()
    case.until(D(2021, 9, 2))
    case.decide(D(2021, 12, 1))
    [late] = case.of_type(DecisionLate)
    assert (late.deadline, late.days_late, late.cause) == (
        D(2020, 10, 10),
        417,
        "side_inflow_over_term",
    )


def test_late_newborn_child_is_explained():
    """A child's own term (lodged 1 Feb 2021, deadline 1 Aug 2021) decided with the parents'
    case on 1 Sep 2021: late, cause linked_child."""
    case = lodged(D(2021, 2, 1))
    case.fact(f.CaseLinked, D(2021, 2, 2), parent="case-0", relation="child_born")
    case.decide(D(2021, 9, 1))
    [late] = case.of_type(DecisionLate)
    assert (late.days_late, late.cause) == (31, "linked_child")


def test_other_late_decisions():
    """A side-inflow within its maximum (DOMAIN.md §3 example: term 21 Sep 2020 - 21 Mar 2021)
    decided 1 Apr 2021, and a family member's case, are late for another cause."""
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    enters_national_procedure(case, D(2020, 9, 21))
    case.decide(D(2021, 4, 1))
    family = lodged(D(2021, 2, 1))
    family.fact(f.CaseLinked, D(2021, 2, 2), parent="case-0", relation="family_member")
    family.decide(D(2021, 9, 1))
    assert [e.cause for e in [*case.of_type(DecisionLate), *family.of_type(DecisionLate)]] == [
        "other",
        "other",
    ]
