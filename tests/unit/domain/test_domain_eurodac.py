"""A Eurodac hit as a fact of its own (D3 art. 21(1), 23(2)): the request period counts 2 months
from the day the hit reached the IND, for a take-back request even past 3 months from lodging.
Every expected date below is worked out by hand from the article."""

from caseflow.domain import facts as f
from caseflow.domain.derived import ClaimReplyDue, ClaimTacitlyAccepted, SideInflow
from caseflow.domain.dublin import reply_due, request_deadline

from .domain_builders import Case, D

LODGED = D(2021, 1, 10)


def dublin_case(lodged_on=LODGED):
    case = Case()
    case.lodge(lodged_on, track=1)
    return case


def test_take_back_request_after_a_late_hit_is_in_time_until_two_months_after_the_hit():
    """Issue 15's case: lodged 10 Jan 2021, hit 20 Mar, take-back request 1 May. D3 art. 23(2):
    within 2 months of the hit, so until 20 May, although 3 months from lodging ended 10 Apr.
    Reply on a Eurodac basis within 2 weeks (art. 25(1)): 15 May; silence is acceptance that day
    (art. 25(2)); transfer within 6 months (art. 29(1)): 15 Nov 2021."""
    case = dublin_case()
    assert case.hit(D(2021, 3, 20), category=1, member_state="AT") is None
    case.until(D(2021, 4, 30))
    assert case.of_type(SideInflow) == []  # not responsible on 11 Apr: a request may still come
    assert case.claim(D(2021, 5, 1), kind="take_back") is None
    assert case.dublin is not None
    assert request_deadline(case.dublin, case.policy) == D(2021, 5, 20)
    assert reply_due(case.dublin, case.policy) == D(2021, 5, 15)
    [announced] = case.of_type(ClaimReplyDue)
    assert (announced.reply_due, announced.stage) == (D(2021, 5, 15), "claim_sent")
    case.until(D(2021, 5, 16))
    [tacit] = case.of_type(ClaimTacitlyAccepted)
    assert (tacit.accepted_on, tacit.stage) == (D(2021, 5, 15), "accepted")
    view = case.view(D(2021, 5, 16))["dublin"]
    assert (view["stage"], view["transfer_deadline"]) == ("accepted", "2021-11-15")


def test_without_a_request_a_late_hit_makes_nl_responsible_the_day_after_its_two_months():
    """Hit 20 Mar 2021: a request could be sent until 20 May (D3 art. 23(2)); none came, so the
    Netherlands is responsible from 21 May and the 6-month term runs to 21 Nov 2021."""
    case = dublin_case()
    case.hit(D(2021, 3, 20))
    case.until(D(2021, 5, 20))
    assert case.of_type(SideInflow) == []
    case.until(D(2021, 5, 21))
    [inflow] = case.of_type(SideInflow)
    assert (inflow.on, inflow.reason, inflow.stage) == (
        D(2021, 5, 21),
        "request_deadline_missed",
        "nl_responsible",
    )
    assert case.deadline == D(2021, 11, 21)


def test_take_charge_request_counts_from_lodging_when_that_ends_first():
    """D3 art. 21(1): 3 months from lodging or 2 months from the hit, whichever comes first
    (CJEU C-670/16, Mengesteab): lodged 10 Jan 2021, hit 20 Mar, take-charge request 1 May is
    late (deadline 10 Apr); the Netherlands is responsible from 11 Apr, the term runs to 11 Oct."""
    case = dublin_case()
    case.hit(D(2021, 3, 20), category=2, member_state="IT")
    assert case.claim(D(2021, 5, 1)) is None  # recorded: it was sent
    [inflow] = case.of_type(SideInflow)
    assert (inflow.on, inflow.reason, inflow.known_on) == (
        D(2021, 4, 11),
        "request_deadline_missed",
        D(2021, 5, 1),
    )
    assert case.deadline == D(2021, 10, 11)


def test_a_hit_before_lodging_shortens_the_request_period():
    """Hit 4 Jan 2021, lodged 10 Jan on track 1: 2 months from the hit end 4 Mar (D3 art. 21(1),
    23(2)); with no request the Netherlands is responsible from 5 Mar."""
    case = Case()
    case.fact(f.RegistrationRecorded, D(2021, 1, 3), nationality="AFG", unaccompanied_minor=False)
    case.hit(D(2021, 1, 4))
    case.lodge(D(2021, 1, 10), track=1)
    case.until(D(2021, 3, 5))
    [inflow] = case.of_type(SideInflow)
    assert inflow.on == D(2021, 3, 5)


def test_the_first_hit_counts():
    """Two hits: the 2 months run from the first one received (20 Mar), not the second."""
    case = dublin_case()
    case.hit(D(2021, 3, 20))
    case.hit(D(2021, 4, 5))
    assert case.dublin is not None
    assert request_deadline(case.dublin, case.policy) == D(2021, 5, 20)


def test_a_hit_after_the_request_period_changes_nothing():
    """Lodged 10 Jan 2021, no hit and no request by 10 Apr: responsible from 11 Apr (D3 art.
    21(1)); a hit on 20 Apr cannot reopen the period and a request after it is refused."""
    case = dublin_case()
    case.until(D(2021, 4, 11))
    assert [e.on for e in case.of_type(SideInflow)] == [D(2021, 4, 11)]
    assert case.hit(D(2021, 4, 20)) is None
    rejection = case.claim(D(2021, 5, 1), kind="take_back")
    assert rejection is not None and rejection.reason == "nl_responsible"
    assert case.deadline == D(2021, 10, 11)


def test_a_take_back_request_after_a_hit_gets_the_two_week_reply_period():
    """D3 art. 25(1): a take-back request based on Eurodac data is answered within 2 weeks; the
    hit received before the request is that basis even when the request does not say so."""
    case = dublin_case()
    case.hit(D(2021, 1, 12))
    case.claim(D(2021, 1, 20), kind="take_back", eurodac_hit=False)
    assert case.dublin is not None
    assert reply_due(case.dublin, case.policy) == D(2021, 2, 3)


def test_the_claim_attribute_is_still_accepted():
    """`eurodac_hit` / `eurodac_hit_on` on the request keep working: DOMAIN.md §3 example, hit
    13 Jan 2020 given on the request, take-charge request due 13 Mar 2020."""
    case = dublin_case(D(2020, 1, 10))
    assert case.claim(D(2020, 1, 20), eurodac_hit=True, eurodac_hit_on=D(2020, 1, 13)) is None
    assert case.dublin is not None
    assert request_deadline(case.dublin, case.policy) == D(2020, 3, 13)


def test_a_hit_in_a_national_case_moves_the_period_for_a_later_step():
    """Track 4, lodged 10 Jan 2021, hit 20 Mar: a take-back request on 1 May is within 2 months
    of the hit (D3 art. 23(2)), so it stops the national term (Vw 2000 art. 42(6))."""
    case = Case()
    case.lodge(D(2021, 1, 10), track=4)
    case.hit(D(2021, 3, 20))
    assert case.claim(D(2021, 5, 1), kind="take_back") is None
    assert case.deadline is None
    assert case.view(D(2021, 5, 2))["status"] == "dublin"
