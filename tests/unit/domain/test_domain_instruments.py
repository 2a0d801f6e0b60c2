"""Group-extension instruments held unlawful (DOMAIN.md §1): the marking recomputes every case that
used the instrument from the day of the ruling, re-validating its extensions in order (Vw 2000
art. 42(4)-(5)); the same facts give one deadline whenever the marking comes. Dates by hand."""

from dataclasses import replace

from caseflow.domain import facts as f
from caseflow.domain.derived import DeadlineBreached, TermChanged
from caseflow.domain.rules import Policy
from caseflow.domain.term import Impact, extension_months, impact, on_policy_changed

from .domain_builders import POLICY, Case, D

WBV = "WBV 2022/22"
RULING = "ECLI:NL:RBDHA:2023:136"


def marking(on, instrument=WBV, ruling=RULING):
    return f.InstrumentInvalidated(
        event_id=f"mark-{instrument}-{on}", on=on, instrument=instrument, ruling=ruling
    )


def issue_case(policy=POLICY):
    """Issue 15, defect 4: lodged 1 Jul 2022 (deadline 1 Jan 2023), +9 under WBV 2022/22 on
    1 Dec 2022 (1 Oct 2023), an individual +3 on 1 Sep 2023 (1 Jan 2024)."""
    case = Case(policy=policy)
    case.lodge(D(2022, 7, 1))
    assert case.extend(D(2022, 12, 1), 9, ground="mass_influx", instrument=WBV) is None
    assert case.extend(D(2023, 9, 1), 3, ground="exceptional") is None
    return case


def test_marked_after_the_fact_the_later_extension_is_void_and_the_term_ended_1_january():
    """Without WBV 2022/22 the term ended 1 Jan 2023 (Vw 2000 art. 42(1)); the +3 of 1 Sep 2023
    has no valid +9 before it (art. 42(5)) and was granted after the real term expired: void."""
    case = issue_case()
    assert case.deadline == D(2024, 1, 1)
    [changed] = case.mark(marking(D(2023, 11, 1)))
    assert (
        changed.on,
        changed.old_deadline,
        changed.new_deadline,
        changed.cause,
        changed.instrument,
        changed.ruling,
    ) == (D(2023, 11, 1), D(2024, 1, 1), D(2023, 1, 1), "instrument", WBV, RULING)
    assert case.deadline == D(2023, 1, 1)
    assert case.term is not None and extension_months(case.term, case.policy) == 0
    emitted = case.until(D(2023, 11, 1))
    assert [(type(e), e.on) for e in emitted] == [(DeadlineBreached, D(2023, 1, 2))]


def test_marked_before_the_later_extension_the_same_deadline():
    """Ruling 1 Aug 2023, before the +3 of 1 Sep: the +3 is recorded (it was filed) and counts for
    nothing; 1 Jan 2023 as when marked afterwards."""
    case = Case(policy=replace(POLICY, invalidations=(marking(D(2023, 8, 1)),)))
    case.lodge(D(2022, 7, 1))
    case.extend(D(2022, 12, 1), 9, ground="mass_influx", instrument=WBV)
    case.until(D(2023, 8, 31))
    assert case.deadline == D(2023, 1, 1)
    assert case.extend(D(2023, 9, 1), 3, ground="exceptional") is None
    assert case.deadline == D(2023, 1, 1)
    assert case.term is not None and len(case.term.extensions) == 2


def test_an_instrument_held_unlawful_from_the_start_gives_the_same_deadline():
    case = issue_case(Policy(invalid_instruments=frozenset({WBV})))
    assert case.deadline == D(2023, 1, 1)
    assert case.rejections == []


def test_known_in_advance_the_marking_applies_on_the_day_of_the_ruling():
    """A marking the policy knows from the start (dated 1 Nov 2023) does nothing before that day
    and on it does exactly what the marking arriving that day does: same state, same events."""
    early = issue_case(replace(POLICY, invalidations=(marking(D(2023, 11, 1)),)))
    early.until(D(2023, 10, 31))
    assert early.deadline == D(2024, 1, 1)
    early.until(D(2023, 11, 2))

    late = issue_case()
    late.until(D(2023, 10, 31))
    late.mark(marking(D(2023, 11, 1)))
    late.until(D(2023, 11, 2))
    assert early.term == late.term
    assert [e.id for e in early.emitted] == [e.id for e in late.emitted]


def test_suspensions_are_re_validated_too():
    """Lodged 1 Jul 2022, +9 under WBV on 1 Oct 2022, suspended 1 Nov - 1 Dec 2022 (30 days) and
    1 Mar - 1 Apr 2023 (31 days): 1 Oct 2023 + 61 days = 1 Dec 2023. Without WBV the term ran to
    1 Jan 2023 + 30 days = 31 Jan 2023, so the second suspension began after it expired: void
    (Awb 4:15 suspends a running term only)."""
    case = Case()
    case.lodge(D(2022, 7, 1))
    case.extend(D(2022, 10, 1), 9, ground="mass_influx", instrument=WBV)
    case.suspend(D(2022, 11, 1))
    case.resume(D(2022, 12, 1))
    case.suspend(D(2023, 3, 1))
    case.resume(D(2023, 4, 1))
    assert case.deadline == D(2023, 12, 1)
    case.mark(marking(D(2023, 6, 1)))
    assert case.deadline == D(2023, 1, 31)
    assert case.view(D(2023, 6, 1))["term"]["suspended_days"] == 30


def test_an_extension_completing_the_nine_months_needs_the_six_before_it():
    """+6 under WBV on 1 Dec 2022 and +3 complex on 15 Dec 2022 (together the 9 of art. 42(4)):
    without WBV the +3 stands alone, a further 3 months without the nine (art. 42(5)): void."""
    case = Case()
    case.lodge(D(2022, 7, 1))
    case.extend(D(2022, 12, 1), 6, ground="mass_influx", instrument=WBV)
    assert case.extend(D(2022, 12, 15), 3) is None
    assert case.deadline == D(2023, 10, 1)
    case.mark(marking(D(2023, 2, 1)))
    assert case.deadline == D(2023, 1, 1)


def test_an_extension_that_does_not_depend_on_the_instrument_stays():
    """+9 complex (individual) on 1 Oct 2022, +3 under WBV on 1 Jun 2023: without WBV the +9
    stands, deadline 1 Oct 2023 (1 Jul 2022 + 15 months)."""
    case = Case()
    case.lodge(D(2022, 7, 1))
    case.extend(D(2022, 10, 1), 9)
    case.extend(D(2023, 6, 1), 3, ground="exceptional", instrument=WBV)
    assert case.deadline == D(2024, 1, 1)
    case.mark(marking(D(2023, 8, 1)))
    assert case.deadline == D(2023, 10, 1)


def test_a_case_that_did_not_use_the_instrument_is_left_alone_and_marking_twice_is_once():
    case = Case()
    case.lodge(D(2022, 7, 1))
    before = case.term
    assert case.mark(marking(D(2023, 1, 1))) == []
    assert case.term is before
    used = issue_case()
    assert len(used.mark(marking(D(2023, 11, 1)))) == 1
    assert used.mark(marking(D(2023, 11, 1))) == []


def test_policy_change_is_the_same_marking():
    case = issue_case()
    assert case.term is not None
    strict = Policy(invalid_instruments=frozenset({WBV}))
    state, [changed] = on_policy_changed(case.term, POLICY, strict, D(2023, 11, 1))
    assert (changed.new_deadline, changed.cause, changed.instrument, changed.ruling) == (
        D(2023, 1, 1),
        "instrument",
        WBV,
        None,
    )
    assert [m.instrument for m in state.invalidations] == [WBV]


def test_impact_counts_changes_breaches_and_euros():
    """As of 1 May 2020, a decree marked on 1 Apr 2020. (a) lodged 15 Aug 2019, +9 under the
    decree, notice Mon 2 Mar 2020: deadline 15 Nov 2020 becomes Sat 15 Feb 2020, so the notice is
    valid, first penalty day 17 Mar, EUR 1,442 by 27 Apr (Awb 4:17). (b) the same, decided on
    1 Mar 2020: now late, no notice, no euros. (c) no decree: unchanged."""
    decree = marking(D(2020, 4, 1), instrument="decree", ruling="ECLI:NL:RVS:2020:1")
    a, b, c = Case("a"), Case("b"), Case("c")
    for case in (a, b, c):
        case.lodge(D(2019, 8, 15))
    for case in (a, b):
        case.extend(D(2019, 9, 1), 9, instrument="decree")
    a.notice(D(2020, 3, 2))
    b.decide(D(2020, 3, 1))
    states = [case.term for case in (a, b, c)]
    assert all(s is not None for s in states)
    assert impact(states, decree, D(2020, 5, 1), POLICY) == Impact(2, 2, 1442)


def test_a_fact_after_the_marking_sees_it():
    """An extension filed under WBV after the ruling (1 Aug 2023) is void from the start: no
    term.changed, the deadline stays 1 Jan 2023."""
    case = Case(policy=replace(POLICY, invalidations=(marking(D(2022, 11, 1)),)))
    case.lodge(D(2022, 7, 1))
    assert case.extend(D(2022, 12, 1), 9, ground="mass_influx", instrument=WBV) is None
    assert case.of_type(TermChanged) == []
    assert case.deadline == D(2023, 1, 1)
    assert case.term is not None and [m.on for m in case.term.invalidations] == [D(2022, 11, 1)]


def test_on_the_day_of_the_ruling_the_day_s_timers_come_first():
    """Deadline 1 Jan 2024: the 56-day warning falls on 6 Nov 2023, the day of the ruling. It
    was due before the ruling could change anything, so it fires; then the marking, then the
    breach of the real deadline (1 Jan 2023, announced dated 2 Jan 2023)."""
    early = issue_case(replace(POLICY, invalidations=(marking(D(2023, 11, 6)),)))
    early.until(D(2023, 11, 6))
    late = issue_case()
    late.tick(D(2023, 11, 6))
    late.mark(marking(D(2023, 11, 6)))
    late.tick(D(2023, 11, 6))
    kinds = [(type(e).__name__, e.on) for e in early.emitted if e.on >= D(2023, 1, 2)]
    assert kinds[-3:] == [
        ("DeadlineWarning", D(2023, 11, 6)),
        ("TermChanged", D(2023, 11, 6)),
        ("DeadlineBreached", D(2023, 1, 2)),
    ]
    assert [e.id for e in early.emitted] == [e.id for e in late.emitted]
