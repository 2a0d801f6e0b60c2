"""The decision term (beslistermijn) and its penalties as a fold over facts, plus timers.

The state keeps the ingredients as filed; the deadline is derived from (state, policy), so an
instrument held unlawful later recomputes it: the extensions and suspensions are re-validated
in order without it (Vw 2000 art. 42(4)-(5)). Whether a fact is accepted never depends on such a
marking, so the same facts give the same state whenever the marking arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import get_args

from caseflow.domain.calendar import days_after, days_between, months_after
from caseflow.domain.derived import (
    ChangeCause,
    DeadlineBreached,
    DeadlineWarning,
    DecisionLate,
    DecisionOnTime,
    Derived,
    LateCause,
    PenaltyAccruing,
    PenaltyCapped,
    TermChanged,
    TermStarted,
    derived_id,
)
from caseflow.domain.dublin import DUBLIN_TRACK, TRACK_LEFT, claim_defect, step_in_time
from caseflow.domain.facts import (
    ApplicationLodged,
    CaseLinked,
    CourtOrderIssued,
    DecisionIssued,
    DublinClaimSent,
    EurodacHitReceived,
    Fact,
    InstrumentInvalidated,
    NationalProcedureEntered,
    NationalProcedureReason,
    NoticeOfDefaultReceived,
    TermExtended,
    TermResumed,
    TermSuspended,
    TrackAssigned,
)
from caseflow.domain.fold import Fired, Timer
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

# Far enough to see every penalty through to its cap, near enough that +14 days stays a valid date.
_HORIZON = date(9000, 1, 1)
_SIDE_INFLOW_REASONS = frozenset(get_args(NationalProcedureReason))
_DEFAULT_POLICY = Policy()


@dataclass(frozen=True, slots=True)
class Extension:
    """A term extension as filed; `article` is the provision it was filed under."""

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
class DublinSteps:
    """What the Dublin procedure did to a case's term. `stopped_on`: the day a Dublin step
    stopped the national term (the lodging day when lodged on track 1); `responsible_on`: the day
    the Netherlands became responsible after it; `national_on`: the day the national term then
    started (with `reason`), None when the term from the lodging runs on; `hits`: the Eurodac
    hits received since lodging, which move the request period."""

    hits: tuple[date, ...] = ()
    lodged_on_track_1: bool = False
    stopped_on: date | None = None
    claim_sent: bool = False
    responsible_on: date | None = None
    national_on: date | None = None
    reason: str | None = None


_NO_DUBLIN = DublinSteps()


@dataclass(frozen=True, slots=True)
class TermState:
    """Ingredients of one case's term. `effective_since` is the day the current deadline came into
    effect (timers due before it are skipped); `fired` holds ids of emitted timer events;
    `dublin` what the Dublin procedure did (None if nothing); `invalidations` the instrument
    markings applied to this case."""

    case_id: str
    lodged_on: date
    kind: str
    track: int | None
    effective_since: date
    dublin: DublinSteps | None = None
    linked_to: str | None = None
    link_relation: str | None = None
    extensions: tuple[Extension, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    notices: tuple[Notice, ...] = ()
    court_orders: tuple[CourtOrder, ...] = ()
    decision: Decision | None = None
    earlier_decisions: tuple[Decision, ...] = ()
    invalidations: tuple[InstrumentInvalidated, ...] = ()
    fired: frozenset[str] = frozenset()
    last_breach: date | None = None
    applied: frozenset[str] = frozenset()


# --- the deadline, derived --------------------------------------------------------------------


def dublin_steps(state: TermState) -> DublinSteps:
    return state.dublin if state.dublin is not None else _NO_DUBLIN


def term_waits_for_dublin(state: TermState) -> bool:
    """No national term runs: the case is in the Dublin procedure and the Netherlands is not
    (yet) responsible (Vw 2000 art. 42(6))."""
    steps = state.dublin
    return steps is not None and steps.stopped_on is not None and steps.responsible_on is None


def term_start(state: TermState) -> date | None:
    """The day the 6 months start: lodging (Vw 2000 art. 42(1); PD art. 31(3)), or for a Dublin
    case the day the Netherlands became responsible (Vw 2000 art. 42(6)); None until then."""
    steps = state.dublin
    if steps is None:
        return state.lodged_on
    if steps.national_on is not None:
        return steps.national_on
    if steps.stopped_on is not None and steps.responsible_on is None:
        return None
    return state.lodged_on


def absolute_deadline(state: TermState) -> date:
    """21 months from the original lodging, also after Dublin (PD art. 31(5))."""
    return months_after(state.lodged_on, ABSOLUTE_MAX_MONTHS)


def invalid_instruments(state: TermState, policy: Policy) -> frozenset[str]:
    """Instruments that do not count for this case: held unlawful before any case used them,
    or marked unlawful and applied to it."""
    if not state.invalidations:
        return policy.invalid_instruments
    return policy.invalid_instruments | {m.instrument for m in state.invalidations}


def _suspended(suspensions: Iterable[Suspension], as_of: date | None) -> int:
    total = 0
    for s in suspensions:
        end = s.resumed_on if s.resumed_on is not None else as_of
        if end is not None and end > s.on:
            total += days_between(s.on, end)
    return total


def _deadline(
    state: TermState,
    start: date,
    extensions: Iterable[Extension],
    suspensions: Iterable[Suspension],
    as_of: date | None,
) -> date:
    """start + 6 months + extensions in one step, + suspended days, capped (see `deadline_of`)."""
    months = BASE_TERM_MONTHS + sum(e.months for e in extensions)
    deadline = days_after(months_after(start, months), _suspended(suspensions, as_of))
    return min(deadline, absolute_deadline(state))


def _article(
    valid: Sequence[Extension], months: int, ground: str
) -> tuple[str, None] | tuple[None, Rejection]:
    """Which provision an extension falls under, given the extensions that count before it, or
    why it is impossible.

    Vw 2000 art. 43 (moratorium): the whole term at most 21 months. Vw 2000 art. 42(4): at most 9
    months in total. Vw 2000 art. 42(5): a further 3 months only once the 9 are in place; by
    convention a 3-month or `exceptional` extension before then is that further extension.
    """
    total = BASE_TERM_MONTHS + sum(e.months for e in valid) + months
    if ground == "moratorium":
        if total > MORATORIUM_MAX_TERM_MONTHS:
            return None, Rejection("extension_exceeds_maximum", "moratorium term above 21 months")
        return "43", None
    nine = sum(e.months for e in valid if e.article == "42(4)")
    three = sum(e.months for e in valid if e.article == "42(5)")
    if nine < EXTENSION_42_4_MAX_MONTHS:
        completes_nine = nine + months == EXTENSION_42_4_MAX_MONTHS
        if ground == "exceptional" or (months == EXTENSION_42_5_MAX_MONTHS and not completes_nine):
            return None, Rejection(
                "extension_without_prior_nine", "further 3 months need the 9-month extension first"
            )
        if nine + months > EXTENSION_42_4_MAX_MONTHS:
            return None, Rejection("extension_exceeds_maximum", "art. 42(4) allows 9 months")
        return "42(4)", None
    if three + months > EXTENSION_42_5_MAX_MONTHS:
        return None, Rejection("extension_exceeds_maximum", "art. 42 allows 6+9+3 = 18 months")
    return "42(5)", None


def valid_course(
    state: TermState, policy: Policy
) -> tuple[tuple[Extension, ...], tuple[Suspension, ...]]:
    """The extensions and suspensions that count.

    As filed, all of them (each was checked when it came). When an instrument does not count,
    its extensions go and the others are re-validated in date order against the real term:
    a 42(5) extension needs a valid 42(4) nine months before it (Vw 2000 art. 42(5)); an
    extension or suspension dated after the real term expired is void (Vw 2000 art. 42(4),
    Awb 4:15: only a running term can be extended or suspended)."""
    invalid = invalid_instruments(state, policy)
    if not invalid or not any(e.instrument in invalid for e in state.extensions):
        return state.extensions, state.suspensions
    start = term_start(state)
    if start is None:
        return (), state.suspensions
    course: list[tuple[date, int, int, Extension | Suspension]] = [
        (e.on, 0, i, e) for i, e in enumerate(state.extensions)
    ]
    course += [(s.on, 1, i, s) for i, s in enumerate(state.suspensions)]
    extensions: list[Extension] = []
    suspensions: list[Suspension] = []
    for on, _, _, item in sorted(course, key=lambda c: c[:3]):
        if on > _deadline(state, start, extensions, suspensions, on):
            continue
        if isinstance(item, Suspension):
            suspensions.append(item)
            continue
        if item.instrument in invalid:
            continue
        article, rejection = _article(extensions, item.months, item.ground)
        if rejection is None and article is not None:
            extensions.append(item if item.article == article else replace(item, article=article))
    return tuple(extensions), tuple(suspensions)


def valid_extensions(state: TermState, policy: Policy) -> tuple[Extension, ...]:
    """The extensions that count (`valid_course`)."""
    return valid_course(state, policy)[0]


def extension_months(state: TermState, policy: Policy) -> int:
    """Months added by the extensions that count (Vw 2000 art. 42(4)-(5), 43)."""
    return sum(e.months for e in valid_extensions(state, policy))


def open_suspension(state: TermState) -> Suspension | None:
    return next((s for s in state.suspensions if s.resumed_on is None), None)


def suspended_days(
    state: TermState, as_of: date | None = None, policy: Policy | None = None
) -> int:
    """Days the term stood still: R - S per suspension that counts (Awb 4:15, `valid_course`
    under `policy`, the default conventions if none is given); an open suspension counts up to
    `as_of`, or not at all without one."""
    return _suspended(valid_course(state, policy or _DEFAULT_POLICY)[1], as_of)


def deadline_of(state: TermState, policy: Policy, as_of: date | None = None) -> date | None:
    """Last day on which a decision is on time: start + 6 months + extensions (Vw 2000 art. 42(1),
    (4), (5), 43), + suspended days (Awb 4:15), never past 21 months from lodging (PD art. 31(5)).

    Months are added in one step from the start (start + 15 months, not start + 6 + 9), so month-end
    clamping happens once. None while a Dublin case is not the Netherlands' responsibility.
    """
    start = term_start(state)
    if start is None:
        return None
    extensions, suspensions = valid_course(state, policy)
    return _deadline(state, start, extensions, suspensions, as_of)


def _filed_deadline(state: TermState, as_of: date | None = None) -> date | None:
    """The deadline with every extension and suspension as filed: what a new fact is judged
    against, so that accepting it never depends on when an instrument is marked."""
    start = term_start(state)
    if start is None:
        return None
    return _deadline(state, start, state.extensions, state.suspensions, as_of)


def is_late(state: TermState, as_of: date, policy: Policy) -> bool:
    """Decided after the deadline, or undecided with `as_of` after it."""
    on = state.decision.on if state.decision is not None else as_of
    deadline = deadline_of(state, policy, on)
    return deadline is not None and on > deadline


def starts_breached(state: TermState) -> bool:
    """A side-inflow case whose 21-month maximum (PD art. 31(5)) passed before the Netherlands
    became responsible: late on the day it enters the national procedure."""
    start = dublin_steps(state).national_on
    return start is not None and absolute_deadline(state) < start


def late_cause(state: TermState) -> LateCause:
    """Why a late decision is late (the 2021 letter's explainable ones): a newborn child decided
    with the parents' case (`case.linked`, child_born); a side-inflow case already past its
    21-month maximum when it entered (`national_procedure.entered`, `starts_breached`); else
    other."""
    if state.link_relation == "child_born":
        return "linked_child"
    if dublin_steps(state).reason in _SIDE_INFLOW_REASONS and starts_breached(state):
        return "side_inflow_over_term"
    return "other"


# --- penalties ---------------------------------------------------------------------------------


def first_valid_notice(state: TermState, policy: Policy) -> Notice | None:
    """The first notice of default that counts: sent and received after the term expired; one
    sent on or before its last day is premature and void, even when it arrives later (Awb 4:17(3);
    ABRvS 9 Feb 2011; `Policy.notice_validity` "received": receipt alone decides). A notice from
    before the national term started (in the Dublin procedure) is void too."""
    start = term_start(state)
    if start is None:
        return None
    on_receipt = policy.notice_validity == "received"
    for notice in sorted(state.notices, key=lambda n: n.received_on):
        deadline = deadline_of(state, policy, notice.received_on)
        day = notice.received_on if on_receipt else notice.sent_on
        if deadline is not None and min(day, notice.received_on) > deadline and day >= start:
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


def court_penalties(state: TermState, as_of: date) -> list[PenaltyFigures]:
    """Each court order's penalty (Awb 8:55b-d) as of `as_of`: from the day after the term the
    court set (order + decide_within_days), per day up to the order's cap, until the day before
    the decision or before a later order takes effect (what an earlier order forfeited stays
    forfeited: both count)."""
    orders = sorted(state.court_orders, key=lambda o: o.on)
    decided_on = state.decision.on if state.decision is not None else None
    figures = []
    for i, order in enumerate(orders):
        ends = [o.on for o in orders[i + 1 : i + 2]]
        if decided_on is not None:
            ends.append(decided_on)
        first_day = days_after(order.on, order.decide_within_days + 1)
        stop = min(ends, default=None)
        figures.append(
            accrue("court", first_day, (order.per_day_eur,), 0, order.cap_eur, as_of, stop)
        )
    return figures


def court_penalty(state: TermState, as_of: date, policy: Policy) -> PenaltyFigures:
    """The court penalties of every order together (`court_penalties`): the amounts add up; the
    dates and rates are those of the latest order, the first day that of the first that ran."""
    segments = court_penalties(state, as_of)
    if not segments:
        return not_due("court", "no_court_order")
    latest = segments[-1]
    ran = [s for s in segments if s.accrued_eur > 0]
    return replace(
        latest,
        accrued_eur=sum(s.accrued_eur for s in segments),
        first_day=ran[0].first_day if ran else latest.first_day,
        paid=all(s.paid for s in ran) if ran else latest.paid,
    )


# --- applying facts ----------------------------------------------------------------------------

_Result = TermState | Rejection
_Handler = Callable[[TermState, Fact, Policy], tuple[_Result, list[Derived]]]


def _reject(reason: str, detail: str) -> tuple[_Result, list[Derived]]:
    return Rejection(reason, detail), []


def _term_changed(
    before: TermState,
    after: TermState,
    policy: Policy,
    on: date,
    cause: ChangeCause,
    ref: str,
    marking: InstrumentInvalidated | None = None,
) -> tuple[TermState, list[Derived]]:
    """Emit term.changed and restart timer eligibility when the deadline moved."""
    old, new = deadline_of(before, policy), deadline_of(after, policy)
    if old == new:
        return after, []
    event = TermChanged(
        id=derived_id(after.case_id, TermChanged.TYPE, f"{old}:{new}:{ref}"),
        case_id=after.case_id,
        on=on,
        old_deadline=old,
        new_deadline=new,
        cause=cause,
        instrument=marking.instrument if marking is not None else None,
        ruling=(marking.ruling or None) if marking is not None else None,
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
        starts_breached=deadline < start,
    )


def _lodge(fact: ApplicationLodged, policy: Policy) -> tuple[TermState, list[Derived]]:
    """The term starts on formal lodging (Vw 2000 art. 42(1)); a subsequent application has its
    own term from its own lodging (Vb 3.118b). Lodged on track 1 (Dublin) no term runs yet
    (Vw 2000 art. 42(6))."""
    in_dublin = fact.track == DUBLIN_TRACK
    state = TermState(
        case_id=fact.case_id,
        lodged_on=fact.on,
        kind=fact.kind,
        track=fact.track,
        effective_since=fact.on,
        dublin=DublinSteps(lodged_on_track_1=True, stopped_on=fact.on) if in_dublin else None,
        linked_to=fact.linked_to,
        applied=frozenset({fact.event_id}),
    )
    if in_dublin:
        return state, []
    return state, [_term_started(state, policy, fact.on)]


def _steps_into_dublin(state: TermState, on: date, claim: DublinClaimSent | None) -> bool:
    """A Dublin step stops the running term only within the request period (`step_in_time`,
    the same judgement the Dublin fold makes); a later one changes nothing: the term runs on, an
    expired term stays expired and penalties due stay due (ABRvS ECLI:NL:RVS:2015:3891)."""
    return step_in_time(state.lodged_on, dublin_steps(state).hits, on, claim)


def _on_track(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """Track 1 within the request period makes it a Dublin case: no term until NL is responsible
    (Vw 2000 art. 42(6)). Leaving track 1 before any request: NL is responsible and the term
    starts that day (convention, D3 art. 17(1)); as at side-inflow, a 'not considered' Dublin
    decision is set aside."""
    assert isinstance(fact, TrackAssigned)
    after = replace(state, track=fact.track)
    steps = dublin_steps(state)
    if steps.responsible_on is not None:
        return after, []
    waiting = term_waits_for_dublin(state)
    if fact.track == DUBLIN_TRACK:
        if state.decision is not None or waiting or not _steps_into_dublin(state, fact.on, None):
            return after, []
        stopped = replace(after, dublin=replace(steps, stopped_on=fact.on))
        return _term_changed(state, stopped, policy, fact.on, "track", fact.event_id)
    if not waiting or steps.claim_sent:
        return after, []
    left = replace(steps, responsible_on=fact.on, national_on=fact.on, reason=TRACK_LEFT)
    after = _set_aside_dublin_decision(replace(after, dublin=left, effective_since=fact.on))
    if after.decision is not None:
        return after, []
    return after, [_term_started(after, policy, fact.on)]


def _set_aside_dublin_decision(state: TermState) -> TermState:
    """A 'not considered' (Dublin) decision no longer stands once the case is examined
    nationally; kept among the earlier decisions."""
    decision = state.decision
    if decision is None or decision.outcome != "not_considered_dublin":
        return state
    return replace(state, decision=None, earlier_decisions=(*state.earlier_decisions, decision))


def _on_claim(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """A Dublin request within the request period stops the national term until NL is
    responsible (Vw 2000 art. 42(6)); the Dublin fold judges the request itself."""
    assert isinstance(fact, DublinClaimSent)
    steps = dublin_steps(state)
    if state.decision is not None or steps.responsible_on is not None or steps.claim_sent:
        return state, []
    if claim_defect(fact) is not None:
        return state, []
    if term_waits_for_dublin(state):
        return replace(state, dublin=replace(steps, claim_sent=True)), []
    if not _steps_into_dublin(state, fact.on, fact):
        return state, []
    after = replace(state, dublin=replace(steps, claim_sent=True, stopped_on=fact.on))
    return _term_changed(state, after, policy, fact.on, "dublin", fact.event_id)


def _on_hit(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """A Eurodac hit moves the request period (D3 art. 21(1), 23(2)), so it is kept for judging
    a later Dublin step; the Dublin fold judges the hit itself."""
    steps = dublin_steps(state)
    return replace(state, dublin=replace(steps, hits=(*steps.hits, fact.on))), []


def _note_markings(state: TermState, instrument: str | None, on: date, policy: Policy) -> TermState:
    """An instrument already marked unlawful by `on` applies to this case from now on."""
    if instrument is None or any(m.instrument == instrument for m in state.invalidations):
        return state
    marked = [m for m in policy.invalidations if m.instrument == instrument and m.on <= on]
    if not marked:
        return state
    return replace(state, invalidations=(*state.invalidations, min(marked, key=lambda m: m.on)))


def _on_extension(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """Extension of the term (Vw 2000 art. 42(4)-(5), 43), never past PD art. 31(5). Judged on
    the term as filed; under an instrument already marked unlawful it is kept but counts for
    nothing (`valid_course`)."""
    assert isinstance(fact, TermExtended)
    if state.decision is not None:
        return _reject("already_decided", "extension after the decision")
    deadline = _filed_deadline(state, fact.on)
    if deadline is None:
        return _reject("term_not_running", "no term runs in a Dublin case")
    if fact.months < 1:
        return _reject("invalid_months", "an extension adds at least one month")
    if fact.on > deadline:
        return _reject("term_expired", "an expired term cannot be extended")
    article, rejection = _article(state.extensions, fact.months, fact.ground)
    if rejection is not None:
        return rejection, []
    assert article is not None
    extension = Extension(
        fact.event_id, fact.on, fact.months, fact.ground, fact.instrument, article
    )
    after = replace(state, extensions=(*state.extensions, extension))
    if _filed_deadline(after) == _filed_deadline(state):
        return _reject("beyond_absolute_maximum", "deadline already at 21 months from lodging")
    after = _note_markings(after, fact.instrument, fact.on, policy)
    return _term_changed(state, after, policy, fact.on, "extension", fact.event_id)


def _on_suspended(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """The term stops (Awb 4:15); the deadline is open-ended until resumption."""
    assert isinstance(fact, TermSuspended)
    if state.decision is not None:
        return _reject("already_decided", "suspension after the decision")
    if open_suspension(state) is not None:
        return _reject("already_suspended", "the term is already suspended")
    deadline = _filed_deadline(state)
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
    no term runs is on time. A late one carries its cause (`late_cause`)."""
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
            cause=late_cause(after),
        )
    return after, [event]


def _on_notice(state: TermState, fact: Fact, policy: Policy) -> tuple[_Result, list[Derived]]:
    """Recorded always; whether it counts is derived (`first_valid_notice`, Awb 4:17(3))."""
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
    21-month maximum still counts from the original lodging (PD art. 31(5)), and a case already
    past it is late that day (`starts_breached`). A 'not considered' Dublin decision is set
    aside: the case is examined nationally now.

    When the Dublin step that stopped a running term turns out to have come after the request
    period (NL responsible since a day no later than that step), the term from the lodging runs
    on as if the step never happened (ABRvS ECLI:NL:RVS:2015:3891)."""
    assert isinstance(fact, NationalProcedureEntered)
    steps = dublin_steps(state)
    if steps.responsible_on is not None:
        return _reject("already_national", "the case already entered the national procedure")
    if not term_waits_for_dublin(state):
        if state.decision is not None:
            return _reject("already_decided", "the case already has a decision")
        return _reject("not_dublin", "not a Dublin case")
    known = fact.known_on or fact.on
    assert steps.stopped_on is not None
    if (
        fact.reason == "request_deadline_missed"
        and not steps.lodged_on_track_1
        and fact.on <= steps.stopped_on
    ):
        runs_on = replace(steps, stopped_on=None, responsible_on=fact.on)
        after = replace(state, dublin=runs_on)
        return _term_changed(state, after, policy, known, "dublin", fact.event_id)
    if state.decision is not None and state.decision.outcome != "not_considered_dublin":
        return _reject("already_decided", "the case already has a decision")
    entered = replace(steps, responsible_on=fact.on, national_on=fact.on, reason=fact.reason)
    after = replace(state, dublin=entered, effective_since=max(fact.on, known))
    after = _set_aside_dublin_decision(after)
    return after, [_term_started(after, policy, fact.on)]


_HANDLERS: dict[type[Fact], _Handler] = {
    TrackAssigned: _on_track,
    DublinClaimSent: _on_claim,
    EurodacHitReceived: _on_hit,
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
_DUBLIN_FACTS = frozenset({DublinClaimSent, EurodacHitReceived})
_NEEDS_LODGING = frozenset(_HANDLERS) - _DUBLIN_FACTS


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
        if type(fact) in _DUBLIN_FACTS:
            return Applied(state)
        return Applied(state, [], Rejection("before_lodging", "dated before the lodging"))
    result, emitted = handler(state, fact, policy)
    if isinstance(result, Rejection):
        return Applied(state, [], result)
    return Applied(replace(result, applied=state.applied | {fact.event_id}), emitted)


# --- instruments marked unlawful ---------------------------------------------------------------


def uses_instrument(state: TermState, instrument: str) -> bool:
    return any(e.instrument == instrument for e in state.extensions)


def invalidate(
    state: TermState, marking: InstrumentInvalidated, policy: Policy
) -> tuple[TermState, list[Derived]]:
    """Apply an instrument's marking to one case on the day of the ruling: from then on the case
    is recomputed as if the instrument never applied (`valid_course`, Vw 2000 art. 42(4)-(5)),
    and a moved deadline goes out as term.changed with the instrument as cause; warnings,
    breaches and penalties follow from the timers. A case that did not use the instrument, or
    already has the marking, is left as it is."""
    if not uses_instrument(state, marking.instrument) or any(
        m.instrument == marking.instrument for m in state.invalidations
    ):
        return state, []
    after = replace(state, invalidations=(*state.invalidations, marking))
    ref = f"instrument:{marking.instrument}:{marking.on}"
    return _term_changed(state, after, policy, marking.on, "instrument", ref, marking)


def on_policy_changed(
    state: TermState, old: Policy, new: Policy, on: date
) -> tuple[TermState, list[Derived]]:
    """A policy change as markings: each marking `new` has and `old` had not, and each instrument
    newly in `invalid_instruments` as a marking dated `on`, applied with `invalidate`."""
    markings = [m for m in new.invalidations if m not in old.invalidations]
    markings += [
        InstrumentInvalidated(event_id=f"policy:{name}:{on}", on=on, instrument=name, ruling="")
        for name in sorted(new.invalid_instruments - old.invalid_instruments)
    ]
    emitted: list[Derived] = []
    for marking in markings:
        state, events = invalidate(state, marking, old)
        emitted.extend(events)
    return state, emitted


@dataclass(frozen=True, slots=True)
class Impact:
    """What marking an instrument would do to a stock of cases as of a day: cases whose deadline
    moves, cases late by then that were not, and the difference in penalties accrued (EUR)."""

    changed: int
    breached: int
    penalty_difference_eur: int


def impact(
    states: Iterable[TermState], marking: InstrumentInvalidated, as_of: date, policy: Policy
) -> Impact:
    """`invalidate` on each state, compared with the state as it is, as of `as_of`: statutory
    and court penalties (Awb 4:17, 8:55b-d) before and after."""
    changed = breached = difference = 0
    for state in states:
        after, events = invalidate(state, marking, policy)
        if after is state:
            continue
        changed += 1 if events else 0
        breached += 1 if is_late(after, as_of, policy) and not is_late(state, as_of, policy) else 0
        for penalty in (statutory_penalty, court_penalty):
            difference += penalty(after, as_of, policy).accrued_eur
            difference -= penalty(state, as_of, policy).accrued_eur
    return Impact(changed, breached, difference)


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
    """Warnings `threshold` days before the deadline and the breach the day after it, or on the
    day the term starts when its deadline lies before that (`starts_breached`: never a breach
    dated while the case was in the Dublin procedure).

    A timer is cancelled only by a decision dated before its due day, or by a suspension begun
    before it; warnings due before the deadline came into effect are skipped, never fired late.
    """
    start = term_start(state)
    if start is None:
        return
    deadline = deadline_of(state, policy)
    assert deadline is not None
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
    due = max(days_after(deadline, 1), start)
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


def term_timers(state: TermState, policy: Policy) -> list[Timer]:
    """Every timer the state implies if no further fact arrives, not yet fired: warnings and the
    breach, penalty days certain, and the markings of instruments this case used, each on the day
    of its ruling."""
    timers = [
        *_deadline_timers(state, policy),
        *_penalty_timers(state.case_id, statutory_penalty(state, _HORIZON, policy)),
    ]
    for figures in court_penalties(state, _HORIZON):
        timers.extend(_penalty_timers(state.case_id, figures))
    due: list[Timer] = [(day, event) for day, event in timers if event.id not in state.fired]
    if policy.invalidations:
        marked = {m.instrument for m in state.invalidations}
        due += [
            (m.on, m)
            for m in policy.invalidations
            if m.instrument not in marked and uses_instrument(state, m.instrument)
        ]
    return due


def _fire_events(
    state: TermState, due: list[tuple[date, Derived]]
) -> tuple[TermState, list[tuple[date, Derived]]]:
    """Firing changes only `fired` and `last_breach`."""
    due.sort(key=lambda item: (item[1].on, item[0]))
    breaches = [e.deadline for _, e in due if isinstance(e, DeadlineBreached)]
    if state.last_breach is not None:
        breaches.append(state.last_breach)
    fired = state.fired | {event.id for _, event in due}
    return replace(state, fired=fired, last_breach=max(breaches, default=None)), due


def fire_term(
    state: TermState, timers: Sequence[Timer], today: date, policy: Policy
) -> Fired[TermState]:
    """Fire the timers (from `term_timers`) due on or before `today`, ordered by `on`. Without a
    marking the new state's timers are the old ones less those fired (a breach is skipped for
    `last_breach` only once it has fired), so evaluating once at D equals evaluating every day
    up to D. A marking due by then is applied after the events due by its day (as a marking
    arriving that day would be), and the timers of the recomputed state follow."""
    due: list[tuple[date, Derived]] = []
    markings: list[tuple[date, InstrumentInvalidated]] = []
    for day, item in timers:
        if day <= today:
            if isinstance(item, InstrumentInvalidated):
                markings.append((day, item))
            else:
                due.append((day, item))
    if not markings:
        if not due:
            return Fired(state, [], timers)
        after, fired = _fire_events(state, due)
        return Fired(after, fired, [t for t in timers if t[0] > today])
    first = min(day for day, _ in markings)
    state, fired = _fire_events(state, [(day, e) for day, e in due if day <= first])
    for day, marking in markings:
        if day == first:
            state, emitted = invalidate(state, marking, policy)
            fired.extend((day, event) for event in emitted)
    return Fired(state, fired, term_timers(state, policy))


def evaluate_term(state: TermState, today: date, policy: Policy) -> tuple[TermState, list[Derived]]:
    """Fire every timer due on or before `today` (`fire_term` until nothing is due)."""
    timers: Sequence[Timer] = term_timers(state, policy)
    emitted: list[Derived] = []
    while any(day <= today for day, _ in timers):
        result = fire_term(state, timers, today, policy)
        state, timers = result.state, result.timers
        emitted.extend(event for _, event in result.events)
    return state, emitted


def next_term_due(state: TermState, policy: Policy) -> date | None:
    """The next day on which `fire_term` would fire something, absent new facts."""
    return min((day for day, _ in term_timers(state, policy)), default=None)
