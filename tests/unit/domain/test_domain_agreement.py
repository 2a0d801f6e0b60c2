"""The Dublin fold and the term fold agree, so the offline replay and the live pipeline give one
answer (DOMAIN.md §3: a Dublin step after the national term started; the side-inflow).

`caseflow replay` runs the Dublin fold over a case's facts and then the term fold over the facts
and the side-inflow together, in canonical order (`ops/replay.py::replay_case`). The live
services see the same facts but meet the side-inflow later: the Dublin worker publishes it onto
case.events when a tick brings it about, and the deadline worker advances after it, on the
ticks the Dublin worker forwards (`pipeline/live.py`). Both run `timeline.advance`; here both
orders are played over generated histories full of late requests, late track changes, Eurodac
hits, rejections and expiries, ticking live on a random subset of days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.domain import facts as f
from caseflow.domain.derived import Derived, SideInflow
from caseflow.domain.rules import Policy
from caseflow.domain.term import invalidate
from caseflow.pipeline.timeline import DUBLIN, TERM, advance

from .domain_builders import D
from .test_domain_properties import FAST, dublin_histories, extended_histories, histories

POLICY = Policy()
DAY = timedelta(days=1)


def replayed(facts: list[f.Fact], until: date) -> tuple[Any, Any]:
    """As `replay_case`: the Dublin fold, then the term fold over the facts and its inflows."""
    dublin = advance(DUBLIN, None, facts, until, POLICY)
    inflows = [e.to_fact() for e in dublin.emitted if isinstance(e, SideInflow)]
    return dublin, advance(TERM, None, [*facts, *inflows], until, POLICY)


def live(facts: list[f.Fact], ticks: list[date]) -> dict[str, Any]:
    """As the services on these tick days, partners having published every fact ahead: each
    tick the Dublin worker advances first; its side-inflow reaches the deadline worker, which
    advances on the same tick."""
    dublin_state: Any = None
    term_state: Any = None
    dublin_pending, term_pending = list(facts), list(facts)
    dublin_emitted: list[Derived] = []
    term_emitted: list[Derived] = []
    dublin_rejected: list[tuple[str, str]] = []
    term_rejected: list[tuple[str, str]] = []
    for day in ticks:
        dublin = advance(DUBLIN, dublin_state, dublin_pending, day, POLICY)
        dublin_state, dublin_pending = dublin.state, dublin.pending
        dublin_emitted += dublin.emitted
        dublin_rejected += [(x.event_id, r.reason) for x, r in dublin.rejected]
        inflows = [e.to_fact() for e in dublin.emitted if isinstance(e, SideInflow)]
        term = advance(TERM, term_state, [*term_pending, *inflows], day, POLICY)
        term_state, term_pending = term.state, term.pending
        term_emitted += term.emitted
        term_rejected += [(x.event_id, r.reason) for x, r in term.rejected]
    return {
        "dublin": (dublin_state, [e.id for e in dublin_emitted], dublin_rejected),
        "term": (term_state, [e.id for e in term_emitted], term_rejected),
    }


def as_replayed(facts: list[f.Fact], until: date) -> dict[str, Any]:
    dublin, term = replayed(facts, until)
    return {
        "dublin": (
            dublin.state,
            [e.id for e in dublin.emitted],
            [(x.event_id, r.reason) for x, r in dublin.rejected],
        ),
        "term": (
            term.state,
            [e.id for e in term.emitted],
            [(x.event_id, r.reason) for x, r in term.rejected],
        ),
    }


@st.composite
def tick_days(draw: st.DrawFn, first: date, until: date) -> list[date]:
    """Some days between the first fact and `until`, always ending on `until`."""
    span = (until - first).days
    picked = draw(st.lists(st.integers(0, span), max_size=25))
    return sorted({first + DAY * n for n in picked} | {until})


@settings(FAST, max_examples=200)
@given(st.one_of(histories(), dublin_histories()), st.integers(0, 400), st.data())
def test_live_and_replay_give_the_same_states_events_and_rejections(stream, tail, data):
    until = max(fact.on for fact in stream) + DAY * tail
    ticks = data.draw(tick_days(min(fact.on for fact in stream), until))
    assert live(stream, ticks) == as_replayed(stream, until)


@settings(FAST, max_examples=200)
@given(st.one_of(histories(), dublin_histories()), st.integers(0, 400))
def test_the_term_fold_takes_every_side_inflow_of_the_dublin_fold(stream, tail):
    """Unless the case was decided first, the term fold never refuses the Dublin fold's verdict:
    both judge a Dublin step against the same request period (`dublin.step_in_time`)."""
    _, term = replayed(stream, max(fact.on for fact in stream) + DAY * tail)
    refused = [
        reason
        for fact, rejection in term.rejected
        if isinstance(fact, f.NationalProcedureEntered)
        for reason in [rejection.reason]
    ]
    assert set(refused) <= {"already_decided"}


def test_a_late_request_in_a_national_case_live_and_in_replay():
    """Issue 15, defect 2, through both orders: lodged 15 Aug 2019 on track 4, notice 2 Mar 2020,
    take-charge request 1 Apr 2020 (after the request period, 15 Nov 2019): the term keeps its
    deadline of 15 Feb 2020 in both, no side-inflow, the request refused by the Dublin fold."""
    common = {"case_id": "c", "source": "ind"}
    facts: list[f.Fact] = [
        f.ApplicationLodged(
            event_id="l", on=D(2019, 8, 15), kind="first", nationality="SYR", track=4, **common
        ),
        f.NoticeOfDefaultReceived(event_id="n", on=D(2020, 3, 2), sent_on=D(2020, 3, 2), **common),
        f.DublinClaimSent(
            event_id="r",
            on=D(2020, 4, 1),
            member_state="IT",
            kind="take_charge",
            eurodac_hit=False,
            **common,
        ),
    ]
    until = D(2020, 6, 1)
    expected = as_replayed(facts, until)
    assert live(facts, [D(2020, 3, 1), D(2020, 4, 1), until]) == expected
    term_state, _, _ = expected["term"]
    assert expected["dublin"][2] == [("r", "nl_responsible")]
    from caseflow.domain.term import deadline_of, statutory_penalty

    assert deadline_of(term_state, POLICY) == D(2020, 2, 15)
    assert statutory_penalty(term_state, until, POLICY).accrued_eur == 1442


# --- an instrument marked unlawful, whenever the marking arrives ------------------------------


@settings(FAST, max_examples=200)
@given(st.one_of(extended_histories(), histories()), st.integers(0, 400), st.data())
def test_marking_at_any_moment_equals_having_it_marked_from_the_start(stream, tail, data):
    """A marking of the instrument the generated extensions use ("WBV"), dated on a day t of the
    history, reaching the deadline fold at any moment up to t (the live services hold an event
    dated ahead until the clock gets there), gives the same final state, events and rejections
    as a policy that knew it from the start: nothing before t depends on it, and on t the
    marking applies after that day's timers and before that day's facts."""
    first, last = min(x.on for x in stream), max(x.on for x in stream)
    until = last + DAY * tail
    ruled = first + DAY * data.draw(st.integers(0, (until - first).days))
    arrives = ruled - DAY * data.draw(st.integers(0, (ruled - first).days + 1))
    marking = f.InstrumentInvalidated(
        event_id="m", on=ruled, instrument="WBV", ruling="ECLI:NL:RBDHA:2023:136"
    )
    marked = replace(POLICY, invalidations=(marking,))
    dublin = advance(DUBLIN, None, stream, until, POLICY)
    facts = [*stream, *(e.to_fact() for e in dublin.emitted if isinstance(e, SideInflow))]

    known = advance(TERM, None, facts, until, marked)
    before = advance(TERM, None, facts, arrives - DAY, POLICY)
    after = advance(TERM, before.state, before.pending, until, marked)
    assert after.state == known.state
    assert [e.id for e in [*before.emitted, *after.emitted]] == [e.id for e in known.emitted]
    assert [*before.rejected, *after.rejected] == known.rejected

    # The same marking applied by hand, one call per case, where the timer applies it: after the
    # timers due by the day of the ruling, before that day's facts.
    upto = advance(TERM, None, facts, ruled - DAY, POLICY)
    due = advance(TERM, upto.state, [], ruled, POLICY)
    emitted = [*upto.emitted, *due.emitted]
    state = due.state
    if state is not None:
        state, events = invalidate(state, marking, marked)
        emitted += events
    rest = advance(TERM, state, upto.pending, until, marked)
    assert rest.state == known.state
    assert [e.id for e in [*emitted, *rest.emitted]] == [e.id for e in known.emitted]
