"""Dublin steps and the national term (Vw 2000 art. 42(1), (6); D3 art. 17(1), 21(1), 23(2);
Awb 4:17): a step within the request period stops the term, a later one changes nothing, leaving
the Dublin track before any request starts the term that day. Dates worked out by hand."""

from caseflow.domain.derived import (
    DublinStageChanged,
    PenaltyCapped,
    SideInflow,
    TermChanged,
    TermStarted,
)
from caseflow.domain.term import statutory_penalty

from .domain_builders import Case, D


def penalty_case():
    """DOMAIN.md §2 example: lodged 15 Aug 2019 (track 4), deadline Sat 15 Feb 2020, notice Mon
    2 Mar, first penalty day 17 Mar, EUR 1,442 reached 27 Apr 2020."""
    case = Case()
    case.lodge(D(2019, 8, 15), track=4)
    case.notice(D(2020, 3, 2))
    return case


def assert_term_untouched(case):
    assert case.deadline == D(2020, 2, 15)
    view = case.view(D(2020, 5, 1))
    assert (view["status"], view["term"]["starts_on"], view["term"]["late"]) == (
        "open",
        "2019-08-15",
        True,
    )
    assert view["penalty"]["statutory_eur"] == 1442
    assert view["dublin"] is None
    assert case.of_type(TermChanged) == []


def test_a_request_after_the_request_period_does_not_stop_a_running_term():
    """Lodged 15 Aug 2019: a request was possible until 15 Nov 2019 (D3 art. 21(1)). A take-charge
    request on 1 Apr 2020 comes after it: the Netherlands is responsible, the expired term stays
    expired and the penalty due stays due (ABRvS ECLI:NL:RVS:2015:3891)."""
    case = penalty_case()
    case.until(D(2020, 3, 31))
    rejection = case.claim(D(2020, 4, 1))
    assert rejection is not None and rejection.reason == "nl_responsible"
    case.until(D(2020, 5, 1))
    assert_term_untouched(case)
    [capped] = case.of_type(PenaltyCapped)
    assert (capped.on, capped.cap_eur) == (D(2020, 4, 27), 1442)
    assert case.of_type(SideInflow) == []


def test_a_late_change_to_track_one_does_not_stop_a_running_term():
    """Track 1 on 1 Apr 2020, after the request period that ended 15 Nov 2019: no effect."""
    case = penalty_case()
    case.until(D(2020, 3, 31))
    assert case.track(D(2020, 4, 1), 1) is None
    case.until(D(2020, 5, 1))
    assert_term_untouched(case)
    assert case.of_type(SideInflow) == []


def test_a_request_within_the_request_period_stops_the_term():
    """Lodged 10 Jan 2020 (track 4), request 1 Feb 2020, within 3 months: no national term until
    the Netherlands is responsible (Vw 2000 art. 42(6)); rejected 10 Feb: responsible that day,
    the term runs 10 Feb - 10 Aug 2020."""
    case = Case()
    case.lodge(D(2020, 1, 10), track=4)
    case.claim(D(2020, 2, 1))
    assert case.deadline is None
    case.answer(D(2020, 2, 10), accepted=False)
    assert case.deadline == D(2020, 8, 10)


def test_a_request_rejected_the_day_it_was_sent():
    """Request and rejection on 1 Feb 2020: responsible from 1 Feb, deadline 1 Aug 2020."""
    case = Case()
    case.lodge(D(2020, 1, 10), track=4)
    case.claim(D(2020, 2, 1))
    case.answer(D(2020, 2, 1), accepted=False)
    [inflow] = case.of_type(SideInflow)
    assert (inflow.on, inflow.reason, inflow.known_on) == (
        D(2020, 2, 1),
        "claim_rejected",
        D(2020, 2, 1),
    )
    assert case.deadline == D(2020, 8, 1)


def test_leaving_the_dublin_track_before_any_request_starts_the_term_that_day():
    """Lodged 10 Jan 2020 on track 1, track 4 on 1 Mar 2020 with no request sent: the Netherlands
    examines it and is responsible from that day (D3 art. 17(1), DOMAIN.md §3); the 6 months run
    1 Mar - 1 Sep 2020 (Vw 2000 art. 42(1), (6)), the maximum from the lodging (PD art. 31(5))."""
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    assert case.track(D(2020, 3, 1), 4) is None
    assert case.deadline == D(2020, 9, 1)
    [started] = case.of_type(TermStarted)
    assert (started.starts_on, started.deadline, started.absolute_deadline) == (
        D(2020, 3, 1),
        D(2020, 9, 1),
        D(2021, 10, 10),
    )
    view = case.view(D(2020, 3, 2))
    assert (view["status"], view["term"]["starts_on"]) == ("open", "2020-03-01")
    assert (view["dublin"]["stage"], view["dublin"]["nl_responsible_on"]) == (
        "nl_responsible",
        "2020-03-01",
    )
    assert [(e.stage, e.previous) for e in case.of_type(DublinStageChanged)] == [
        ("claim_due", None),
        ("nl_responsible", "claim_due"),
    ]
    case.until(D(2020, 6, 1))
    assert case.of_type(SideInflow) == []  # it never left the national procedure by side-inflow
    rejection = case.claim(D(2020, 3, 15))
    assert rejection is not None and rejection.reason == "nl_responsible"
    assert case.deadline == D(2020, 9, 1)


def test_leaving_the_dublin_track_after_a_request_changes_nothing():
    case = Case()
    case.lodge(D(2020, 1, 10), track=1)
    case.claim(D(2020, 1, 20))
    case.track(D(2020, 3, 1), 4)
    assert case.deadline is None
    assert case.view(D(2020, 3, 2))["dublin"]["stage"] == "claim_sent"


def test_a_request_found_late_by_the_registration_date_lets_the_term_run_on():
    """Registered 1 Feb 2020, lodged 10 Feb (track 4); take-charge request 5 Apr on a Eurodac hit
    it does not date. The term fold, which starts at the lodging, dates the hit on the lodging:
    2 months end 10 Apr, so the request stops the term. The Dublin fold dates it on the
    registration (`Policy.eurodac_fallback`): 2 months ended 1 Apr, the request was late and the
    Netherlands responsible from 2 Apr, before the request. The term from the lodging then runs
    on: deadline 10 Aug 2020."""
    from caseflow.domain import facts as f

    case = Case()
    case.fact(f.RegistrationRecorded, D(2020, 2, 1), nationality="AFG", unaccompanied_minor=False)
    case.lodge(D(2020, 2, 10), track=4)
    case.claim(D(2020, 4, 5), eurodac_hit=True)
    [inflow] = case.of_type(SideInflow)
    assert (inflow.on, inflow.reason) == (D(2020, 4, 2), "request_deadline_missed")
    assert case.deadline == D(2020, 8, 10)
    assert case.term is not None
    assert case.view(D(2020, 4, 6))["term"]["starts_on"] == "2020-02-10"
    assert [c.new_deadline for c in case.of_type(TermChanged)] == [None, D(2020, 8, 10)]


def test_statutory_penalty_survives_a_late_request():
    case = penalty_case()
    case.claim(D(2020, 4, 1))
    assert case.term is not None
    assert statutory_penalty(case.term, D(2020, 5, 1), case.policy).accrued_eur == 1442
