"""hypothesis properties of the folds: date arithmetic, idempotence and path independence."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseflow.domain import facts as f
from caseflow.domain.derived import CASEFLOW_NAMESPACE, Derived, SideInflow, derived_id
from caseflow.domain.dublin import DublinState, apply_dublin, evaluate_dublin, next_dublin_due
from caseflow.domain.rules import Policy
from caseflow.domain.term import (
    TermState,
    apply_term,
    deadline_of,
    evaluate_term,
    fire_term,
    next_term_due,
    term_start,
    term_timers,
)

POLICY = Policy()
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(FAST, max_examples=30)  # ticks every day of a multi-year history
DAY = timedelta(days=1)


def _fact(kind: str, on: date, n: int, data: Any) -> f.Fact:
    common = {"event_id": f"e{n}", "case_id": "c", "on": on, "source": "ind"}
    match kind:
        case "extend":
            months, ground, instrument = data
            return f.TermExtended(**common, months=months, ground=ground, instrument=instrument)
        case "suspend":
            return f.TermSuspended(**common, ground="info_request")
        case "resume":
            return f.TermResumed(**common, ground="info_request")
        case "notice":
            return f.NoticeOfDefaultReceived(**common, sent_on=on - DAY * data)
        case "decide":
            return f.DecisionIssued(**common, outcome=data)
        case "court":
            return f.CourtOrderIssued(
                **common, decide_within_days=data, penalty_per_day_eur=100, penalty_cap_eur=7500
            )
        case "claim":
            kind_, hit, back = data
            return f.DublinClaimSent(
                **common,
                member_state="DEU",
                kind=kind_,
                eurodac_hit=hit,
                eurodac_hit_on=on - DAY * back if hit and back else None,
            )
        case "answer":
            return f.DublinClaimAnswered(**common, accepted=data)
        case "absconded":
            return f.PersonAbsconded(**common)
        case "failed":
            return f.TransferFailed(**common, reason=data)
        case "appeal":
            return f.AppealLodged(**common, suspensive=data)
        case "appeal_decided":
            return f.AppealDecided(**common, outcome="unfounded")
        case "track":
            return f.TrackAssigned(**common, track=data)
        case "hit":
            return f.EurodacHitReceived(**common, category=data, member_state="AT")
        case "linked":
            return f.CaseLinked(**common, parent="p", relation=data)
        case "scheduled":
            return f.TransferScheduled(**common, planned_on=on + DAY * data)
        case "completed":
            return f.TransferCompleted(**common)
        case "registered":
            return f.RegistrationRecorded(**common, nationality="AFG", unaccompanied_minor=False)
    raise AssertionError(kind)


DATA = {
    "extend": st.tuples(
        st.sampled_from([1, 3, 6, 9]),
        st.sampled_from(["complex", "exceptional", "moratorium"]),
        st.sampled_from([None, "WBV"]),
    ),
    "suspend": st.none(),
    "resume": st.none(),
    "notice": st.integers(0, 5),
    "decide": st.sampled_from(["granted", "manifestly_unfounded", "not_considered_dublin"]),
    "court": st.integers(0, 60),
    "claim": st.tuples(
        st.sampled_from(["take_charge", "take_back"]), st.booleans(), st.integers(0, 30)
    ),
    "answer": st.booleans(),
    "absconded": st.none(),
    "failed": st.sampled_from(["absconded", "imprisoned", "suspended"]),
    "appeal": st.booleans(),
    "appeal_decided": st.none(),
    "track": st.sampled_from([1, 4]),
    "hit": st.sampled_from([1, 2]),
    "linked": st.sampled_from(["child_born", "family_member"]),
    "scheduled": st.integers(1, 30),
    "completed": st.none(),
}
#: The kinds `histories` draws from (transfers need a Dublin case: `dublin_histories`).
KINDS = sorted(set(DATA) - {"scheduled", "completed"})
DUBLIN_KINDS = [
    "claim",
    "claim",
    "answer",
    "answer",
    "track",
    "hit",
    "hit",
    "decide",
    "notice",
    "extend",
    "failed",
    "absconded",
    "appeal",
    "appeal_decided",
    "scheduled",
    "completed",
]


def _lodging(on: date, track: int | None) -> f.ApplicationLodged:
    return f.ApplicationLodged(
        event_id="e0",
        case_id="c",
        on=on,
        source="ind",
        kind="first",
        nationality="SYR",
        track=track,
    )


def _following(
    draw: st.DrawFn,
    on: date,
    count: int,
    gaps: st.SearchStrategy[int],
    kinds: list[str],
    data: dict[str, st.SearchStrategy[Any]],
) -> list[f.Fact]:
    """`count` facts after `on`, each `gaps` days after the one before, of the kinds given."""
    stream = []
    for n in range(1, count + 1):
        on += DAY * draw(gaps)
        kind = draw(st.sampled_from(kinds))
        stream.append(_fact(kind, on, n, draw(data.get(kind, DATA[kind]))))
    return stream


@st.composite
def histories(draw: st.DrawFn) -> list[f.Fact]:
    """A lodging, up to 12 further facts and maybe a decision, on strictly increasing days."""
    on = draw(st.dates(date(2018, 6, 1), date(2023, 6, 1)))
    stream: list[f.Fact] = [_lodging(on, draw(st.sampled_from([1, 4, 4])))]
    stream += _following(draw, on, draw(st.integers(0, 12)), st.integers(1, 75), KINDS, {})
    on = stream[-1].on
    if draw(st.booleans()):
        on += DAY * draw(st.integers(1, 400))
        stream.append(_fact("decide", on, len(stream), draw(DATA["decide"])))
    return stream


@st.composite
def dublin_histories(draw: st.DrawFn) -> list[f.Fact]:
    """Histories around the Dublin request period: maybe a registration and a hit before the
    lodging, then up to 10 facts a few days apart (same-day ones too), mostly Dublin steps."""
    lodged = draw(st.dates(date(2019, 1, 1), date(2023, 6, 1)))
    stream: list[f.Fact] = []
    if draw(st.booleans()):
        stream.append(_fact("registered", lodged - DAY * draw(st.integers(1, 20)), 90, None))
        if draw(st.booleans()):
            stream.append(_fact("hit", lodged - DAY * draw(st.integers(0, 5)), 91, 1))
    stream.append(_lodging(lodged, draw(st.sampled_from([1, 1, 4, None]))))
    count = draw(st.integers(1, 10))
    return stream + _following(draw, lodged, count, st.integers(0, 40), DUBLIN_KINDS, _LATE_HITS)


#: Requests naming a hit up to four months back, so that some turn out late by it.
_LATE_HITS = {
    "claim": st.tuples(
        st.sampled_from(["take_charge", "take_back"]), st.booleans(), st.integers(0, 120)
    )
}
_TERM_KINDS = ["extend", "extend", "extend", "suspend", "resume", "notice", "notice", "decide"]
#: Extensions likely to be accepted, about two in three under the instrument "WBV".
_WBV = {
    "extend": st.tuples(
        st.sampled_from([9, 9, 6, 3]),
        st.sampled_from(["mass_influx", "mass_influx", "complex", "exceptional"]),
        st.sampled_from(["WBV", "WBV", None]),
    )
}


@st.composite
def extended_histories(draw: st.DrawFn) -> list[f.Fact]:
    """National cases with extensions, many under the instrument "WBV"."""
    on = draw(st.dates(date(2019, 1, 1), date(2023, 6, 1)))
    count = draw(st.integers(1, 8))
    return [_lodging(on, None), *_following(draw, on, count, st.integers(1, 60), _TERM_KINDS, _WBV)]


class Run:
    """The replay order: each day, tick first (timers up to today), then that day's facts."""

    def __init__(self, policy: Policy = POLICY) -> None:
        self.policy = policy
        self.term: TermState | None = None
        self.dublin: DublinState | None = None
        self.emitted: list[Derived] = []
        self.rejected: list[str] = []

    def _feed(self, events: list[Derived]) -> None:
        self.emitted.extend(events)
        for event in events:
            if isinstance(event, SideInflow):
                result = apply_term(self.term, event.to_fact(), self.policy)
                self.term = result.state
                self.emitted.extend(result.emitted)

    def apply(self, fact: f.Fact) -> None:
        term = apply_term(self.term, fact, self.policy)
        dublin = apply_dublin(self.dublin, fact, self.policy)
        self.term, self.dublin = term.state, dublin.state
        self._feed([*term.emitted, *dublin.emitted])
        for rejection in (term.rejection, dublin.rejection):
            if rejection is not None:
                self.rejected.append(f"{fact.event_id}:{rejection.reason}")

    def _tick_term(self, today: date) -> None:
        if self.term is not None:
            self.term, events = evaluate_term(self.term, today, self.policy)
            self.emitted.extend(events)

    def tick(self, today: date) -> None:
        """Term timers, then Dublin timers, side-inflow fed back, then the new term's timers."""
        self._tick_term(today)
        if self.dublin is not None:
            self.dublin, events = evaluate_dublin(self.dublin, today, self.policy)
            self._feed(events)
        self._tick_term(today)

    def next_due(self) -> date | None:
        dues = [
            self.term and next_term_due(self.term, self.policy),
            self.dublin and next_dublin_due(self.dublin, self.policy),
        ]
        return min((d for d in dues if d is not None), default=None)

    def catch_up(self, today: date) -> None:
        """Coarse ticking: only the days on which something is due, then `today`."""
        while (due := self.next_due()) is not None and due < today:
            self.tick(due)
        self.tick(today)


def replay(stream: list[f.Fact], until: date, daily: bool) -> Run:
    run = Run()
    by_day: dict[date, list[f.Fact]] = {}
    for fact in stream:
        by_day.setdefault(fact.on, []).append(fact)
    day = min(by_day)
    while day <= until:
        if daily:
            run.tick(day)
        elif day in by_day or day == until:
            run.catch_up(day)
        for fact in by_day.get(day, []):
            run.apply(fact)
        day += DAY
    return run


def signature(run: Run) -> tuple[Any, ...]:
    return run.term, run.dublin, [(e.id, e.on) for e in run.emitted], run.rejected


@FAST
@given(histories(), st.integers(1, 500))
def test_evaluating_in_one_step_equals_evaluating_day_by_day(stream, tail):
    run = replay(stream, stream[-1].on, daily=False)
    assert run.term is not None
    start, until = stream[-1].on, stream[-1].on + DAY * tail
    term, dublin = run.term, run.dublin
    term_once, term_events = evaluate_term(term, until, POLICY)
    daily_events: list[Derived] = []
    for n in range(1, tail + 1):
        term, events = evaluate_term(term, start + DAY * n, POLICY)
        daily_events.extend(events)
    assert (term_once, term_events) == (term, daily_events)
    if dublin is not None:
        dublin_once, dublin_events = evaluate_dublin(dublin, until, POLICY)
        daily_events = []
        for n in range(1, tail + 1):
            dublin, events = evaluate_dublin(dublin, start + DAY * n, POLICY)
            daily_events.extend(events)
        assert (dublin_once, dublin_events) == (dublin, daily_events)


@FAST
@given(histories(), st.integers(1, 500))
def test_the_timers_kept_after_firing_equal_the_timers_of_the_new_state(stream, tail):
    run = replay(stream, stream[-1].on, daily=False)
    assert run.term is not None
    term, until = run.term, stream[-1].on + DAY * tail
    timers = term_timers(term, POLICY)
    for _ in range(20):  # a handful of due days; each firing must leave the right timers
        due = min((day for day, _ in timers), default=None)
        if due is None or due > until:
            break
        fired = fire_term(term, timers, due, POLICY)
        term, timers = fired.state, fired.timers
        assert list(timers) == term_timers(term, POLICY)


@SLOW
@given(histories(), st.integers(0, 200))
def test_ticking_only_on_due_days_equals_ticking_every_day(stream, tail):
    until = stream[-1].on + DAY * tail
    assert signature(replay(stream, until, daily=True)) == signature(
        replay(stream, until, daily=False)
    )


@FAST
@given(histories())
def test_a_deadline_is_never_before_its_start(stream):
    state: TermState | None = None
    for fact in stream:
        state = apply_term(state, fact, POLICY).state
        assert state is not None
        start, deadline = term_start(state), deadline_of(state, POLICY)
        assert (start is None) == (deadline is None)
        if start is not None and deadline is not None:
            assert deadline >= start


@FAST
@given(histories())
def test_an_extension_never_moves_a_deadline_earlier(stream):
    state: TermState | None = None
    for fact in stream:
        result = apply_term(state, fact, POLICY)
        if isinstance(fact, f.TermExtended) and result.rejection is None and state is not None:
            assert result.state is not None
            before, after = deadline_of(state, POLICY), deadline_of(result.state, POLICY)
            assert before is not None and after is not None and after >= before
        state = result.state


@FAST
@given(histories(), st.integers(1, 200))
def test_suspend_and_resume_of_zero_days_changes_nothing(stream, later):
    state: TermState | None = None
    for fact in stream:
        state = apply_term(state, fact, POLICY).state
    assert state is not None
    day = stream[-1].on + DAY
    common = {"case_id": "c", "on": day, "source": "ind", "ground": "consent"}
    suspended = apply_term(state, f.TermSuspended(event_id="s", **common), POLICY)
    if suspended.rejection is not None:
        return
    resumed = apply_term(suspended.state, f.TermResumed(event_id="r", **common), POLICY)
    assert resumed.rejection is None and resumed.emitted == []
    assert resumed.state is not None
    assert deadline_of(resumed.state, POLICY) == deadline_of(state, POLICY)
    far = day + DAY * later
    assert evaluate_term(resumed.state, far, POLICY)[1] == evaluate_term(state, far, POLICY)[1]


@FAST
@given(histories())
def test_applying_a_fact_twice_equals_applying_it_once(stream):
    once, twice = Run(), Run()
    for fact in stream:
        once.apply(fact)
        twice.apply(fact)
        twice.apply(fact)
    assert (once.term, once.dublin, once.emitted) == (twice.term, twice.dublin, twice.emitted)


@FAST
@given(histories(), st.randoms(use_true_random=False))
def test_folding_a_shuffled_then_sorted_stream_equals_folding_the_sorted_one(stream, rnd):
    shuffled = list(stream)
    random.Random(rnd.random()).shuffle(shuffled)
    resorted = sorted(shuffled, key=lambda fact: fact.on)
    until = stream[-1].on + DAY * 30
    assert signature(replay(resorted, until, daily=False)) == signature(
        replay(stream, until, daily=False)
    )


@FAST
@given(st.text(), st.text(), st.text())
def test_derived_ids_are_the_uuid5_of_their_cause(case_id, what, key):
    expected = uuid.uuid5(CASEFLOW_NAMESPACE, f"{case_id}/{what}/{key}")
    assert derived_id(case_id, what, key) == str(expected)
