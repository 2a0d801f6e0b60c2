"""The decision term (beslistermijn) and its penalties as a fold over facts, plus timers.

The state keeps the ingredients; the deadline is derived from (state, policy), so a policy change
(an instrument held unlawful) recomputes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from caseflow.domain.calendar import days_after, days_between, months_after
from caseflow.domain.derived import (
    DeadlineBreached,
    DeadlineWarning,
    DecisionLate,
    DecisionOnTime,
    Derived,
    PenaltyAccruing,
    PenaltyCapped,
    TermChanged,
    TermStarted,
    derived_id,
)
from caseflow.domain.facts import (
    ApplicationLodged,
    CaseLinked,
    CourtOrderIssued,
    DecisionIssued,
    DublinClaimSent,
    Fact,
    NationalProcedureEntered,
    NoticeOfDefaultReceived,
    TermExtended,
    TermResumed,
    TermSuspended,
    TrackAssigned,
)
from caseflow.domain.outcome import Applied, Rejection
from caseflow.domain.penalty import PenaltyFigures, accrue, not_due
from caseflow.domain.rules import (
    ABSOLUTE_MAX_MONTHS,
    BASE_TERM_MONTHS,
    EXTENSION_42_4_MAX_MONTHS,
    EXTENSION_42_5_MAX_MONTHS,
    MORATORIUM_MAX_TERM_MONTHS,
    NOTICE_TO_PENALTY_DAYS,
    Policy,
    rate_set_on,
)

DUBLIN_TRACK = 1
# Far enough to see every penalty through to its cap, near enough that +14 days stays a valid date.
_HORIZON = date(9000, 1, 1)


@dataclass(frozen=True, slots=True)
class Extension:
    """A term extension as filed; `article` is the provision it was accepted under."""

    event_id: str
    on: date
    months: int
    ground: str
    instrument: str | None
    article: str


@dataclass(frozen=True, slots=True)
class Suspension:
    """Opschorting from `on` until `resumed_on` (None while it lasts)."""

    on: date
    ground: str
    resumed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """Ingebrekestelling; whether it is void depends on the deadline, so it is derived."""

    received_on: date
    sent_on: date


@dataclass(frozen=True, slots=True)
class CourtOrder:
    """A court's order to decide within `decide_within_days`, on a penalty per day up to a cap."""

    on: date
    decide_within_days: int
    per_day_eur: int
    cap_eur: int


@dataclass(frozen=True, slots=True)
class Decision:
    on: date
    outcome: str


@dataclass(frozen=True, slots=True)
class TermState:
    """Ingredients of one case's term. `effective_since` is the day the current deadline came into
    effect (timers due before it are skipped); `fired` holds ids of emitted timer events."""

    case_id: str
    lodged_on: date
    kind: str
    track: int | None
    effective_since: date
    claim_sent: bool = False
    national_on: date | None = None
    national_reason: str | None = None
    linked_to: str | None = None
    link_relation: str | None = None
    extensions: tuple[Extension, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    notices: tuple[Notice, ...] = ()
    court_orders: tuple[CourtOrder, ...] = ()
    decision: Decision | None = None
    earlier_decisions: tuple[Decision, ...] = ()
    fired: frozenset[str] = frozenset()
    last_breach: date | None = None
    applied: frozenset[str] = frozenset()


# --- the deadline, derived --------------------------------------------------------------------


def is_dublin(state: TermState) -> bool:
    """A Dublin case until the Netherlands becomes responsible: track 1 or a claim sent."""
    return state.national_on is None and (state.track == DUBLIN_TRACK or state.claim_sent)


def term_start(state: TermState) -> date | None:
    """The day the 6 months start: lodging (Vw 2000 art. 42(1); PD art. 31(3)), or for a Dublin
    case the day the Netherlands became responsible (Vw 2000 art. 42(6)); None until then."""
    if state.national_on is not None:
        return state.national_on
    if is_dublin(state):
        return None
    return state.lodged_on


def absolute_deadline(state: TermState) -> date:
    """21 months from the original lodging, also after Dublin (PD art. 31(5))."""
    return months_after(state.lodged_on, ABSOLUTE_MAX_MONTHS)


def valid_extensions(state: TermState, policy: Policy) -> tuple[Extension, ...]:
    """Extensions whose instrument has not been marked invalid (group decrees held unlawful)."""
    return tuple(e for e in state.extensions if e.instrument not in policy.invalid_instruments)


def extension_months(state: TermState, policy: Policy) -> int:
    """Months added by valid extensions (Vw 2000 art. 42(4)-(5), 43)."""
    return sum(e.months for e in valid_extensions(state, policy))


def open_suspension(state: TermState) -> Suspension | None:
    return next((s for s in state.suspensions if s.resumed_on is None), None)


def suspended_days(state: TermState, as_of: date | None = None) -> int:
    """Days the term stood still: R - S per suspension (Awb 4:15); an open suspension counts up
    to `as_of`, or not at all without one."""
    total = 0
    for s in state.suspensions:
        end = s.resumed_on if s.resumed_on is not None else as_of
        if end is not None and end > s.on:
            total += days_between(s.on, end)
    return total


def deadline_of(state: TermState, policy: Policy, as_of: date | None = None) -> date | None:
    """Last day on which a decision is on time: start + 6 months + extensions (Vw 2000 art. 42(1),
    (4), (5), 43), + suspended days (Awb 4:15), never past 21 months from lodging (PD art. 31(5)).

    Months are added in one step from the start (start + 15 months, not start + 6 + 9), so month-end
    clamping happens once. None while a Dublin case is not the Netherlands' responsibility.
    """
    start = term_start(state)
    if start is None:
        return None
    months = BASE_TERM_MONTHS + extension_months(state, policy)
    deadline = days_after(months_after(start, months), suspended_days(state, as_of))
    return min(deadline, absolute_deadline(state))


def is_late(state: TermState, as_of: date, policy: Policy) -> bool:
    """Decided after the deadline, or undecided with `as_of` after it."""
    on = state.decision.on if state.decision is not None else as_of
    deadline = deadline_of(state, policy, on)
    return deadline is not None and on > deadline


# --- penalties ---------------------------------------------------------------------------------


def first_valid_notice(state: TermState, policy: Policy) -> Notice | None:
    """The first notice of default received after the term expired; earlier ones are void
    (Awb 4:17(3))."""
    for notice in sorted(state.notices, key=lambda n: n.received_on):
        deadline = deadline_of(state, policy, notice.received_on)
        if deadline is not None and notice.received_on > deadline:
            return notice
    return None


def statutory_penalty(state: TermState, as_of: date, policy: Policy) -> PenaltyFigures:
    """Statutory penalty (Awb 4:17) accrued as of `as_of`.

    From receipt of a valid notice + 15 days (Awb 4:17(3)), per day in tiers up to a cap with the
    rate set picked by `policy.rate_set_basis` (Awb 4:17(1)-(2)); none when the notice falls under
    the temporary law (Stb. 2020, 242) or the outcome is excluded (Awb 4:17(6)(c)).
    """
    notice = first_valid_notice(state, policy)
    if notice is None:
        return not_due("statutory", "no_valid_notice")
    if any(law.excludes(notice.received_on) for law in policy.penalty_suspension_laws):
        return not_due("statutory", "temporary_law")
    decision = state.decision
    if decision is not None and decision.outcome in policy.penalty_excluded_outcomes:
        return not_due("statutory", "excluded_outcome")
    first_day = days_after(notice.received_on, NOTICE_TO_PENALTY_DAYS)
    basis = first_day if policy.rate_set_basis == "first_penalty_day" else notice.received_on
    rates = rate_set_on(basis, policy.penalty_rate_sets)
    if rates is None:
        return not_due("statutory", "no_rate_set")
    decided_on = decision.on if decision is not None else None
    return accrue(
        "statutory",
        first_day,
        rates.tier_rates_eur,
        rates.tier_days,
        rates.cap_eur,
        as_of,
        decided_on,
    )


def court_penalty(state: TermState, as_of: date, policy: Policy) -> PenaltyFigures:
    """Court penalty (Awb 8:55b-d) from the latest court order: from the day after the term the
    court set (order + decide_within_days), per day up to the order's cap."""
    if not state.court_orders:
        return not_due("court", "no_court_order")
    order = max(state.court_orders, key=lambda o: o.on)
    first_day = days_after(order.on, order.decide_within_days + 1)
    decided_on = state.decision.on if state.decision is not None else None
    return accrue("court", first_day, (order.per_day_eur,), 0, order.cap_eur, as_of, decided_on)


# --- applying facts ----------------------------------------------------------------------------

_Result = TermState | Rejection
_Handler = Callable[[TermState, Fact, Policy], tuple[_Result, list[Derived]]]


def _reject(reason: str, detail: str) -> tuple[_Result, list[Derived]]:
    return Rejection(reason, detail), []


def _term_changed(
    before: TermState, after: TermState, policy: Policy, on: date, cause: str, ref: str
) -> tuple[TermState, list[Derived]]:
    """Emit term.changed and restart timer eligibility when the deadline moved."""
    old, new = deadline_of(before, policy), deadline_of(after, policy)
    if old == new:
        return after, []
    key = f"{old}:{new}:{ref}"
    event = TermChanged(
        id=derived_id(after.case_id, TermChanged.TYPE, key),
        case_id=after.case_id,
        on=on,
        old_deadline=old,
        new_deadline=new,
        cause=cause,
    )
    return replace(after, effective_since=on), [event]


def _term_started(state: TermState, policy: Policy, start: date) -> TermStarted:
    deadline = deadline_of(state, policy)
    assert deadline is not None  # the caller has just started the term
    return TermStarted(
        id=derived_id(state.case_id, TermStarted.TYPE, start.isoformat()),
        case_id=state.case_id,
        on=start,
        starts_on=start,
        deadline=deadline,
        absolute_deadline=absolute_deadline(state),
    )


def _lodge(fact: ApplicationLodged, policy: Policy) -> tuple[TermState, list[Derived]]:
    """The term starts on formal lodging (Vw 2000 art. 42(1)); a subsequent application has its
    own term from its own lodging (Vb 3.118b)."""
    state = TermState(
        case_id=fact.case_id,
        lodged_on=fact.on,
        kind=fact.kind,
        track=fact.track,
        effective_since=fact.on,
        linked_to=fact.linked_to,
        applied=frozenset({fact.event_id}),
    )
    if is_dublin(state):
        return state, []
    return state, [_term_started(state, policy, fact.on)]


def _on_track(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """Track 1 makes it a Dublin case: no term until NL is responsible (Vw 2000 art. 42(6))."""
    assert isinstance(fact, TrackAssigned)
    after = replace(state, track=fact.track)
    if state.decision is not None:
        return after, []
    return _term_changed(state, after, policy, fact.on, "track", fact.event_id)


def _on_claim(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """A Dublin claim stops the national term until NL is responsible (Vw 2000 art. 42(6))."""
    if state.decision is not None or state.national_on is not None:
        return state, []
    after = replace(state, claim_sent=True)
    return _term_changed(state, after, policy, fact.on, "dublin", fact.event_id)


def _extension_article(
    state: TermState, fact: TermExtended, policy: Policy
) -> tuple[str, None] | tuple[None, Rejection]:
    """Which provision an extension falls under, or why it is impossible.

    Vw 2000 art. 43 (moratorium): the whole term at most 21 months. Vw 2000 art. 42(4): at most 9
    months in total. Vw 2000 art. 42(5): a further 3 months only once the 9 are in place; by
    convention a 3-month or `exceptional` extension before then is that further extension.
    """
    valid = valid_extensions(state, policy)
    total = BASE_TERM_MONTHS + sum(e.months for e in valid) + fact.months
    if fact.ground == "moratorium":
        if total > MORATORIUM_MAX_TERM_MONTHS:
            return None, Rejection("extension_exceeds_maximum", "moratorium term above 21 months")
        return "43", None
    nine = sum(e.months for e in valid if e.article == "42(4)")
    three = sum(e.months for e in valid if e.article == "42(5)")
    if nine < EXTENSION_42_4_MAX_MONTHS:
        completes_nine = nine + fact.months == EXTENSION_42_4_MAX_MONTHS
        if fact.ground == "exceptional" or (
            fact.months == EXTENSION_42_5_MAX_MONTHS and not completes_nine
        ):
            return None, Rejection(
                "extension_without_prior_nine", "further 3 months need the 9-month extension first"
            )
        if nine + fact.months > EXTENSION_42_4_MAX_MONTHS:
            return None, Rejection("extension_exceeds_maximum", "art. 42(4) allows 9 months")
        return "42(4)", None
    if three + fact.months > EXTENSION_42_5_MAX_MONTHS:
        return None, Rejection("extension_exceeds_maximum", "art. 42 allows 6+9+3 = 18 months")
    return "42(5)", None


def _on_extension(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """Extension of the term (Vw 2000 art. 42(4)-(5), 43), never past PD art. 31(5)."""
    assert isinstance(fact, TermExtended)
    if state.decision is not None:
        return _reject("already_decided", "extension after the decision")
    deadline = deadline_of(state, policy, fact.on)
    if deadline is None:
        return _reject("term_not_running", "no term runs in a Dublin case")
    if fact.months < 1:
        return _reject("invalid_months", "an extension adds at least one month")
    if fact.on > deadline:
        return _reject("term_expired", "an expired term cannot be extended")
    if fact.instrument is not None and fact.instrument in policy.invalid_instruments:
        kept = Extension(
            fact.event_id, fact.on, fact.months, fact.ground, fact.instrument, "invalid"
        )
        return replace(state, extensions=(*state.extensions, kept)), []
    article, rejection = _extension_article(state, fact, policy)
    if rejection is not None:
        return rejection, []
    assert article is not None
    extension = Extension(
        fact.event_id, fact.on, fact.months, fact.ground, fact.instrument, article
    )
    after = replace(state, extensions=(*state.extensions, extension))
    if deadline_of(after, policy) == deadline_of(state, policy):
        return _reject("beyond_absolute_maximum", "deadline already at 21 months from lodging")
    return _term_changed(state, after, policy, fact.on, "extension", fact.event_id)


def _on_suspended(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """The term stops (Awb 4:15); the deadline is open-ended until resumption."""
    assert isinstance(fact, TermSuspended)
    if state.decision is not None:
        return _reject("already_decided", "suspension after the decision")
    if open_suspension(state) is not None:
        return _reject("already_suspended", "the term is already suspended")
    deadline = deadline_of(state, policy)
    if deadline is None:
        return _reject("term_not_running", "no term runs in a Dublin case")
    if fact.on > deadline:
        return _reject("term_expired", "an expired term cannot be suspended")
    suspension = Suspension(fact.on, fact.ground)
    return replace(state, suspensions=(*state.suspensions, suspension)), []


def _on_resumed(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """The term runs again; the deadline moves by R - S days (Awb 4:15)."""
    current = open_suspension(state)
    if current is None:
        return _reject("resume_without_suspension", "the term is not suspended")
    if fact.on < current.on:
        return _reject("before_suspension", "resumed before it was suspended")
    closed = replace(current, resumed_on=fact.on)
    suspensions = tuple(closed if s is current else s for s in state.suspensions)
    after = replace(state, suspensions=suspensions)
    return _term_changed(state, after, policy, fact.on, "suspension", fact.event_id)


def _on_decision(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """On time when decided on or before the deadline (Vw 2000 art. 42); a Dublin decision while
    no term runs is on time."""
    assert isinstance(fact, DecisionIssued)
    if state.decision is not None:
        return _reject("already_decided", "the case already has a decision")
    after = replace(state, decision=Decision(fact.on, fact.outcome))
    deadline = deadline_of(after, policy, fact.on)
    key = fact.event_id
    event: Derived
    if deadline is None or fact.on <= deadline:
        event = DecisionOnTime(
            id=derived_id(state.case_id, DecisionOnTime.TYPE, key),
            case_id=state.case_id,
            on=fact.on,
            outcome=fact.outcome,
            deadline=deadline,
        )
    else:
        event = DecisionLate(
            id=derived_id(state.case_id, DecisionLate.TYPE, key),
            case_id=state.case_id,
            on=fact.on,
            outcome=fact.outcome,
            deadline=deadline,
            days_late=days_between(deadline, fact.on),
            statutory_penalty_eur=statutory_penalty(after, fact.on, policy).accrued_eur,
            court_penalty_eur=court_penalty(after, fact.on, policy).accrued_eur,
        )
    return after, [event]


def _on_notice(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """Recorded always; a notice received before the term expired is void (Awb 4:17(3))."""
    assert isinstance(fact, NoticeOfDefaultReceived)
    if state.decision is not None:
        return _reject("already_decided", "notice of default after the decision")
    if fact.sent_on > fact.on:
        return _reject("sent_after_receipt", "notice received before it was sent")
    return replace(state, notices=(*state.notices, Notice(fact.on, fact.sent_on))), []


def _on_court_order(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """Court penalty parameters (Awb 8:55b-d)."""
    assert isinstance(fact, CourtOrderIssued)
    if state.decision is not None:
        return _reject("already_decided", "court order after the decision")
    if min(fact.decide_within_days, fact.penalty_per_day_eur, fact.penalty_cap_eur) < 0:
        return _reject("invalid_amount", "negative term, rate or cap")
    order = CourtOrder(
        fact.on, fact.decide_within_days, fact.penalty_per_day_eur, fact.penalty_cap_eur
    )
    return replace(state, court_orders=(*state.court_orders, order)), []


def _on_linked(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """A linked case (newborn child) keeps its own term (DOMAIN.md §1, the 2021 letter)."""
    assert isinstance(fact, CaseLinked)
    return replace(state, linked_to=fact.parent, link_relation=fact.relation), []


def _on_national(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """Side-inflow: the 6 months start the day NL became responsible (Vw 2000 art. 42(6)); the
    21-month maximum still counts from the original lodging (PD art. 31(5)). A 'not considered'
    Dublin decision is set aside: the case is examined nationally now."""
    assert isinstance(fact, NationalProcedureEntered)
    if state.national_on is not None:
        return _reject("already_national", "the case already entered the national procedure")
    if not is_dublin(state):
        return _reject("not_dublin", "not a Dublin case")
    earlier = state.earlier_decisions
    if state.decision is not None:
        if state.decision.outcome != "not_considered_dublin":
            return _reject("already_decided", "the case already has a decision")
        earlier = (*earlier, state.decision)
    after = replace(
        state,
        national_on=fact.on,
        national_reason=fact.reason,
        decision=None,
        earlier_decisions=earlier,
        effective_since=fact.on,
    )
    return after, [_term_started(after, policy, fact.on)]


_HANDLERS: dict[type[Fact], _Handler] = {
    TrackAssigned: _on_track,
    DublinClaimSent: _on_claim,
    TermExtended: _on_extension,
    TermSuspended: _on_suspended,
    TermResumed: _on_resumed,
    DecisionIssued: _on_decision,
    NoticeOfDefaultReceived: _on_notice,
    CourtOrderIssued: _on_court_order,
    CaseLinked: _on_linked,
    NationalProcedureEntered: _on_national,
}
# Dublin facts are the Dublin fold's to judge: without a lodging the term fold just ignores them.
_NEEDS_LODGING = frozenset(_HANDLERS) - {DublinClaimSent}


def apply_term(state: TermState | None, fact: Fact, policy: Policy) -> Applied[TermState | None]:
    """Fold one fact into the term state. Irrelevant facts are accepted with no effect; a fact
    already applied (same event_id) has no effect; a rejected fact leaves the state unchanged."""
    if isinstance(fact, ApplicationLodged):
        if state is not None:
            if fact.event_id in state.applied:
                return Applied(state)
            return Applied(state, [], Rejection("already_lodged", "the case was already lodged"))
        lodged, emitted = _lodge(fact, policy)
        return Applied(lodged, emitted)
    handler = _HANDLERS.get(type(fact))
    if handler is None:
        return Applied(state)
    if state is None:
        if type(fact) in _NEEDS_LODGING:
            return Applied(state, [], Rejection("not_lodged", "no application lodged yet"))
        return Applied(state)
    if fact.event_id in state.applied:
        return Applied(state)
    if fact.on < state.lodged_on:
        return Applied(state, [], Rejection("before_lodging", "dated before the lodging"))
    result, emitted = handler(state, fact, policy)
    if isinstance(result, Rejection):
        return Applied(state, [], result)
    return Applied(replace(result, applied=state.applied | {fact.event_id}), emitted)


# --- timers ------------------------------------------------------------------------------------


def _penalty_timers(case_id: str, figures: PenaltyFigures) -> Iterable[tuple[date, Derived]]:
    """A penalty day is certain once it has passed without a decision: both events fire the day
    after their `on`, so the order of a day's ticks and facts cannot change them."""
    if figures.first_day is None or figures.accrued_eur <= 0:
        return
    yield (
        days_after(figures.first_day, 1),
        PenaltyAccruing(
            id=derived_id(case_id, PenaltyAccruing.TYPE, f"{figures.kind}:{figures.first_day}"),
            case_id=case_id,
            on=figures.first_day,
            kind=figures.kind,
            first_day=figures.first_day,
            per_day_eur=figures.per_day_eur,
            tier_days=figures.tier_days,
            cap_eur=figures.cap_eur,
        ),
    )
    if figures.capped_on is not None and figures.fixed_by is not None:
        yield (
            days_after(figures.capped_on, 1),
            PenaltyCapped(
                id=derived_id(case_id, PenaltyCapped.TYPE, f"{figures.kind}:{figures.capped_on}"),
                case_id=case_id,
                on=figures.capped_on,
                kind=figures.kind,
                cap_eur=figures.cap_eur,
                fixed_by=figures.fixed_by,
            ),
        )


def _deadline_timers(state: TermState, policy: Policy) -> Iterable[tuple[date, Derived]]:
    """Warnings `threshold` days before the deadline and the breach the day after it.

    A timer is cancelled only by a decision dated before its due day, or by a suspension begun
    before it; warnings due before the deadline came into effect are skipped, never fired late.
    """
    deadline = deadline_of(state, policy)
    if deadline is None:
        return
    decided_on = state.decision.on if state.decision is not None else None
    suspension = open_suspension(state)
    for threshold in sorted(set(policy.warning_thresholds), reverse=True):
        due = days_after(deadline, -threshold)
        if due < state.effective_since:
            continue
        if (decided_on is not None and decided_on < due) or (
            suspension is not None and suspension.on < due
        ):
            continue
        yield (
            due,
            DeadlineWarning(
                id=derived_id(state.case_id, DeadlineWarning.TYPE, f"{threshold}:{deadline}"),
                case_id=state.case_id,
                on=due,
                threshold_days=threshold,
                deadline=deadline,
            ),
        )
    due = days_after(deadline, 1)
    if (decided_on is not None and decided_on < due) or (
        suspension is not None and suspension.on < due
    ):
        return
    if state.last_breach is not None and state.last_breach >= deadline:
        return  # already announced as late since an even later deadline
    yield (
        due,
        DeadlineBreached(
            id=derived_id(state.case_id, DeadlineBreached.TYPE, deadline.isoformat()),
            case_id=state.case_id,
            on=due,
            deadline=deadline,
        ),
    )


def _term_timers(state: TermState, policy: Policy) -> list[tuple[date, Derived]]:
    """Every (due day, event) the state implies if no further fact arrives, not yet fired.

    `next_term_due` and `evaluate_term` ask this of the same state one after the other; the
    last answer is kept (states are immutable, so the same object means the same answer)."""
    last = _LAST_TIMERS
    if last and last[0] is state and last[1] is policy:
        return list(last[2])
    timers = _compute_term_timers(state, policy)
    _LAST_TIMERS[:] = [state, policy, timers]
    return list(timers)


_LAST_TIMERS: list[Any] = []


def _compute_term_timers(state: TermState, policy: Policy) -> list[tuple[date, Derived]]:
    timers = [
        *_deadline_timers(state, policy),
        *_penalty_timers(state.case_id, statutory_penalty(state, _HORIZON, policy)),
        *_penalty_timers(state.case_id, court_penalty(state, _HORIZON, policy)),
    ]
    return [(due, event) for due, event in timers if event.id not in state.fired]


def evaluate_term(state: TermState, today: date, policy: Policy) -> tuple[TermState, list[Derived]]:
    """Fire every timer due on or before `today`, ordered by `on`. Evaluating once at D equals
    evaluating every day up to D, because the timer set depends on the state alone."""
    timers = _term_timers(state, policy)
    due = [(day, event) for day, event in timers if day <= today]
    if not due:
        return state, []
    due.sort(key=lambda item: (item[1].on, item[0]))
    emitted = [event for _, event in due]
    breaches = [e.deadline for e in emitted if isinstance(e, DeadlineBreached)]
    if state.last_breach is not None:
        breaches.append(state.last_breach)
    last_breach = max(breaches, default=None)
    fired = state.fired | {event.id for event in emitted}
    after = replace(state, fired=fired, last_breach=last_breach)
    # Firing changes only `fired` and `last_breach`: the new state's timers are the old ones
    # less those just fired (a breach is skipped for `last_breach` only once it has fired).
    _LAST_TIMERS[:] = [after, policy, [(d, e) for d, e in timers if e.id not in fired]]
    return after, emitted


def next_term_due(state: TermState, policy: Policy) -> date | None:
    """The next day on which `evaluate_term` would emit something, absent new facts."""
    return min((day for day, _ in _term_timers(state, policy)), default=None)


def on_policy_changed(
    state: TermState, old: Policy, new: Policy, on: date
) -> tuple[TermState, list[Derived]]:
    """Recompute the deadline under a new policy (e.g. an instrument held unlawful) and emit
    term.changed when it moved; timers due before `on` for the new deadline are skipped."""
    before, after = deadline_of(state, old), deadline_of(state, new)
    if before == after:
        return state, []
    event = TermChanged(
        id=derived_id(state.case_id, TermChanged.TYPE, f"{before}:{after}:policy:{on}"),
        case_id=state.case_id,
        on=on,
        old_deadline=before,
        new_deadline=after,
        cause="policy",
    )
    return replace(state, effective_since=on), [event]
