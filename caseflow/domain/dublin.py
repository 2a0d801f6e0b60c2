"""Dublin III time limits as a fold over facts: request, reply, transfer, and side-inflow.

Everything is derived from the stored facts and a date, so timers do not depend on tick size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from caseflow.domain.calendar import days_after, months_after
from caseflow.domain.derived import (
    ClaimReplyDue,
    ClaimTacitlyAccepted,
    Derived,
    SideInflow,
    TransferDeadlineExpired,
    TransferDeadlineSet,
    derived_id,
)
from caseflow.domain.facts import (
    AppealDecided,
    AppealLodged,
    ApplicationLodged,
    DublinClaimAnswered,
    DublinClaimSent,
    Fact,
    NationalProcedureReason,
    PersonAbsconded,
    RegistrationRecorded,
    TrackAssigned,
    TransferCompleted,
    TransferFailed,
    TransferScheduled,
)
from caseflow.domain.outcome import Applied, Rejection
from caseflow.domain.rules import (
    REQUEST_MONTHS,
    REQUEST_MONTHS_EURODAC,
    TAKE_BACK_REPLY_DAYS_EURODAC,
    TAKE_BACK_REPLY_MONTHS,
    TAKE_CHARGE_REPLY_MONTHS,
    TRANSFER_MONTHS,
    TRANSFER_MONTHS_ABSCONDED,
    TRANSFER_MONTHS_IMPRISONED,
    URGENT_REPLY_MAX_MONTHS,
    URGENT_REPLY_MIN_DAYS,
    Policy,
)

DUBLIN_TRACK = 1
_HORIZON = date(9000, 1, 1)
_EXTENDING = {"absconded": TRANSFER_MONTHS_ABSCONDED, "imprisoned": TRANSFER_MONTHS_IMPRISONED}


@dataclass(frozen=True, slots=True)
class Claim:
    """Claimverzoek as sent."""

    sent_on: date
    member_state: str
    kind: str
    eurodac_hit: bool
    eurodac_hit_on: date | None
    urgent_reply_days: int | None


@dataclass(frozen=True, slots=True)
class Answer:
    on: date
    accepted: bool


@dataclass(frozen=True, slots=True)
class Appeal:
    """An appeal with suspensive effect against the transfer."""

    lodged_on: date
    decided_on: date | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Something reported on `on`: absconding or imprisonment (D3 art. 29(2)), or why a planned
    transfer failed."""

    on: date
    reason: str


@dataclass(frozen=True, slots=True)
class DublinState:
    """Ingredients of one case's Dublin procedure; `entered` is set once side-inflow was emitted."""

    case_id: str
    registered_on: date | None = None
    lodged_on: date | None = None
    track: int | None = None
    claim: Claim | None = None
    answer: Answer | None = None
    planned_on: date | None = None
    completed_on: date | None = None
    failed_transfers: int = 0
    reports: tuple[Report, ...] = ()
    #: Every failed transfer with its reason, in order (for the look-ahead and the metrics).
    failures: tuple[Report, ...] = ()
    appeals: tuple[Appeal, ...] = ()
    entered: tuple[date, NationalProcedureReason] | None = None
    fired: frozenset[str] = frozenset()
    applied: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TransferTerm:
    """The transfer deadline (uiterste overdrachtsdatum) and what it counts from.

    `cause_on` is the legal date of its latest cause; `known_on` the first day it is certain (the
    day after the reply period for a tacit acceptance)."""

    deadline: date
    counts_from: date
    months: int
    basis: str
    cause_on: date
    known_on: date


# --- derived dates -----------------------------------------------------------------------------


def is_dublin(state: DublinState) -> bool:
    """Track 1 (Dublin) or a claim sent, after lodging."""
    return state.lodged_on is not None and (state.track == DUBLIN_TRACK or state.claim is not None)


def eurodac_hit_on(state: DublinState, policy: Policy) -> date | None:
    """Date of the Eurodac hit. The catalogue only says whether there was one: without
    `eurodac_hit_on` caseflow dates it on the registration (convention), else on the lodging."""
    claim = state.claim
    if claim is None or not claim.eurodac_hit:
        return None
    if claim.eurodac_hit_on is not None:
        return claim.eurodac_hit_on
    if policy.eurodac_fallback == "registration" and state.registered_on is not None:
        return state.registered_on
    return state.lodged_on


def request_deadline(state: DublinState, policy: Policy) -> date | None:
    """Last day to send the request. Take charge: 3 months from lodging, or 2 months from a
    Eurodac hit if earlier (D3 art. 21(1)). Take back: 2 months from a Eurodac hit, otherwise
    3 months from lodging (D3 art. 23(2)). Before a claim: 3 months from lodging."""
    if state.lodged_on is None:
        return None
    three = months_after(state.lodged_on, REQUEST_MONTHS)
    hit = eurodac_hit_on(state, policy)
    if hit is None or state.claim is None:
        return three
    two = months_after(hit, REQUEST_MONTHS_EURODAC)
    return min(three, two) if state.claim.kind == "take_charge" else two


def claim_in_time(state: DublinState, policy: Policy) -> bool:
    """A request sent after its deadline makes the requesting state responsible (D3 art. 21(1),
    23(3))."""
    deadline = request_deadline(state, policy)
    return state.claim is not None and deadline is not None and state.claim.sent_on <= deadline


def reply_due(state: DublinState, policy: Policy) -> date | None:
    """Last day of the reply period. Take charge: 2 months, urgent: the requested period
    (D3 art. 22(1), 22(6)). Take back: 1 month, 2 weeks on a Eurodac hit (D3 art. 25(1))."""
    claim = state.claim
    if claim is None:
        return None
    if claim.kind == "take_charge":
        if claim.urgent_reply_days is not None:
            return days_after(claim.sent_on, claim.urgent_reply_days)
        return months_after(claim.sent_on, TAKE_CHARGE_REPLY_MONTHS)
    if claim.eurodac_hit:
        return days_after(claim.sent_on, TAKE_BACK_REPLY_DAYS_EURODAC)
    return months_after(claim.sent_on, TAKE_BACK_REPLY_MONTHS)


def acceptance(state: DublinState, policy: Policy, as_of: date) -> tuple[date, bool] | None:
    """(date, tacit) of the acceptance: an explicit one, or silence until the end of the reply
    period, effective on its last day (D3 art. 22(7), 25(2))."""
    due = reply_due(state, policy)
    if due is None or not claim_in_time(state, policy):
        return None
    if state.answer is not None:
        return (state.answer.on, False) if state.answer.accepted else None
    return (due, True) if as_of > due else None


def transfer_term(state: DublinState, policy: Policy, as_of: date) -> TransferTerm | None:
    """6 months from acceptance, or from the final decision on a suspensive appeal (D3 art.
    29(1)); 12 months if the person is imprisoned, 18 if the person absconds, when reported
    before the period expires (D3 art. 29(2)). None while a suspensive appeal is pending."""
    accepted = acceptance(state, policy, as_of)
    if accepted is None:
        return None
    base, tacit = accepted
    term = TransferTerm(
        deadline=months_after(base, TRANSFER_MONTHS),
        counts_from=base,
        months=TRANSFER_MONTHS,
        basis="tacit" if tacit else "accepted",
        cause_on=base,
        known_on=days_after(base, 1) if tacit else base,
    )
    causes: list[tuple[date, Appeal | Report]] = [(a.lodged_on, a) for a in state.appeals]
    causes += [(r.on, r) for r in state.reports]
    for on, cause in sorted(causes, key=lambda c: (c[0], isinstance(c[1], Report))):
        if on > term.deadline:
            break  # expired first: later events cannot revive it
        if isinstance(cause, Appeal):
            if on < base:
                continue
            if cause.decided_on is None:
                return None
            restart = cause.decided_on
            term = replace(
                term,
                deadline=months_after(restart, term.months),
                counts_from=restart,
                basis="appeal",
                cause_on=restart,
                known_on=restart,
            )
        elif _EXTENDING[cause.reason] > term.months:
            months = _EXTENDING[cause.reason]
            term = replace(
                term,
                deadline=months_after(term.counts_from, months),
                months=months,
                basis=cause.reason,
                cause_on=max(on, term.cause_on),
                known_on=max(on, term.known_on),
            )
    return term


def nl_responsibility(
    state: DublinState, policy: Policy, as_of: date
) -> tuple[date, NationalProcedureReason] | None:
    """(day, reason) from which the Netherlands is responsible, if by `as_of`: the day after a
    missed request deadline (D3 art. 21(1), 23(3)); the day of a rejection (convention); the day
    after the transfer deadline (D3 art. 29(2))."""
    if state.entered is not None:
        return state.entered if state.entered[0] <= as_of else None
    if not is_dublin(state) or state.completed_on is not None:
        return None
    found: tuple[date, NationalProcedureReason] | None = None
    deadline = request_deadline(state, policy)
    if not claim_in_time(state, policy) and deadline is not None:
        found = (days_after(deadline, 1), "request_deadline_missed")
    elif state.answer is not None and not state.answer.accepted:
        found = (state.answer.on, "claim_rejected")
    else:
        term = transfer_term(state, policy, as_of)
        if term is not None:
            found = (days_after(term.deadline, 1), "transfer_expired")
    return found if found is not None and found[0] <= as_of else None


def dublin_stage(state: DublinState, policy: Policy, as_of: date) -> str | None:
    """claim_due | claim_sent | accepted | transfer_scheduled | transferred | nl_responsible |
    rejected; None for a case that never was a Dublin case."""
    if not is_dublin(state) and state.entered is None:
        return None
    responsible = nl_responsibility(state, policy, as_of)
    if responsible is not None:
        return "rejected" if responsible[1] == "claim_rejected" else "nl_responsible"
    if state.completed_on is not None:
        return "transferred"
    if acceptance(state, policy, as_of) is not None:
        return "transfer_scheduled" if state.planned_on is not None else "accepted"
    return "claim_sent" if state.claim is not None else "claim_due"


# --- applying facts ----------------------------------------------------------------------------

_Result = DublinState | Rejection
_Handler = Callable[[DublinState, Fact, Policy], _Result]


def _transfer_checks(state: DublinState, on: date, policy: Policy) -> Rejection | None:
    if not is_dublin(state):
        return Rejection("not_dublin", "not a Dublin case")
    if nl_responsibility(state, policy, on) is not None:
        return Rejection("nl_responsible", "the Netherlands is already responsible")
    if state.completed_on is not None:
        return Rejection("already_transferred", "the transfer was already completed")
    if acceptance(state, policy, on) is None:
        return Rejection("not_accepted", "no accepted claim")
    return None


def _on_registration(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    if state.registered_on is not None:
        return state
    return replace(state, registered_on=fact.on)


def _on_lodged(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    assert isinstance(fact, ApplicationLodged)
    if state.lodged_on is not None:
        return state  # the deadline fold rejects a second lodging
    return replace(state, lodged_on=fact.on, track=fact.track)


def _on_track(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    assert isinstance(fact, TrackAssigned)
    return replace(state, track=fact.track)


def _on_claim(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """Records the request; a late request is kept, and makes NL responsible (D3 art. 21(1))."""
    assert isinstance(fact, DublinClaimSent)
    if state.lodged_on is None:
        return Rejection("not_lodged", "no application lodged yet")
    if fact.on < state.lodged_on:
        return Rejection("before_lodging", "claim dated before the lodging")
    if state.claim is not None:
        return Rejection("claim_already_sent", "a claim was already sent")
    if nl_responsibility(state, policy, fact.on) is not None:
        return Rejection("nl_responsible", "the Netherlands is already responsible")
    if fact.eurodac_hit_on is not None and fact.eurodac_hit_on > fact.on:
        return Rejection("eurodac_hit_after_claim", "Eurodac hit dated after the claim")
    urgent = fact.urgent_reply_days
    if (
        urgent is not None
        and fact.kind == "take_charge"
        and (
            urgent < URGENT_REPLY_MIN_DAYS
            or days_after(fact.on, urgent) > months_after(fact.on, URGENT_REPLY_MAX_MONTHS)
        )
    ):
        return Rejection("urgent_period_out_of_range", "urgent reply: 1 week to 1 month")
    claim = Claim(
        fact.on, fact.member_state, fact.kind, fact.eurodac_hit, fact.eurodac_hit_on, urgent
    )
    return replace(state, claim=claim)


def _on_answer(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """An answer within the reply period; after it, silence already meant acceptance."""
    assert isinstance(fact, DublinClaimAnswered)
    claim = state.claim
    if claim is None:
        return Rejection("claim_not_sent", "no claim was sent")
    if state.answer is not None:
        return Rejection("already_answered", "the claim was already answered")
    if fact.on < claim.sent_on:
        return Rejection("before_claim", "answer dated before the claim")
    if not claim_in_time(state, policy):
        return Rejection("nl_responsible", "the claim was sent after the request deadline")
    due = reply_due(state, policy)
    if due is not None and fact.on > due:
        return Rejection("after_reply_period", "tacit acceptance took effect already")
    return replace(state, answer=Answer(fact.on, fact.accepted))


def _on_scheduled(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    assert isinstance(fact, TransferScheduled)
    return _transfer_checks(state, fact.on, policy) or replace(state, planned_on=fact.planned_on)


def _on_completed(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    return _transfer_checks(state, fact.on, policy) or replace(
        state, completed_on=fact.on, planned_on=None
    )


def _on_failed(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """Only absconding and imprisonment extend the period (D3 art. 29(2)); a suspension of
    transfers (COVID) does not stop the clock (CJEU C-245/21)."""
    assert isinstance(fact, TransferFailed)
    rejection = _transfer_checks(state, fact.on, policy)
    if rejection is not None:
        return rejection
    reports = state.reports
    if fact.reason in _EXTENDING:
        reports = (*reports, Report(fact.on, fact.reason))
    return replace(
        state,
        planned_on=None,
        failed_transfers=state.failed_transfers + 1,
        reports=reports,
        failures=(*state.failures, Report(fact.on, fact.reason)),
    )


def _on_absconded(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """Absconding extends the transfer period to 18 months if reported before expiry
    (D3 art. 29(2)); reported later it changes nothing."""
    if not is_dublin(state) or state.completed_on is not None:
        return state
    if nl_responsibility(state, policy, fact.on) is not None:
        return state
    return replace(state, reports=(*state.reports, Report(fact.on, "absconded")))


def _on_appeal(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """A suspensive appeal holds the transfer period (D3 art. 29(1))."""
    assert isinstance(fact, AppealLodged)
    if not fact.suspensive or _transfer_checks(state, fact.on, policy) is not None:
        return state
    if any(a.decided_on is None for a in state.appeals):
        return state
    return replace(state, appeals=(*state.appeals, Appeal(fact.on)))


def _on_appeal_decided(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """The transfer period restarts from the final decision on the appeal (D3 art. 29(1))."""
    pending = next((a for a in state.appeals if a.decided_on is None), None)
    if pending is None:
        return state
    if fact.on < pending.lodged_on:
        return Rejection("before_appeal", "decided before it was lodged")
    decided = replace(pending, decided_on=fact.on)
    return replace(state, appeals=tuple(decided if a is pending else a for a in state.appeals))


_HANDLERS: dict[type[Fact], _Handler] = {
    RegistrationRecorded: _on_registration,
    ApplicationLodged: _on_lodged,
    TrackAssigned: _on_track,
    DublinClaimSent: _on_claim,
    DublinClaimAnswered: _on_answer,
    TransferScheduled: _on_scheduled,
    TransferCompleted: _on_completed,
    TransferFailed: _on_failed,
    PersonAbsconded: _on_absconded,
    AppealLodged: _on_appeal,
    AppealDecided: _on_appeal_decided,
}
_CREATES = (RegistrationRecorded, ApplicationLodged)
_NOT_LODGED = {
    DublinClaimSent: "not_lodged",
    DublinClaimAnswered: "claim_not_sent",
    TransferScheduled: "not_dublin",
    TransferCompleted: "not_dublin",
    TransferFailed: "not_dublin",
}


def apply_dublin(
    state: DublinState | None, fact: Fact, policy: Policy
) -> Applied[DublinState | None]:
    """Fold one fact into the Dublin state. Events whose cause is this fact and which are due by
    its date (acceptance, rejection, a late claim) are emitted at once; the rest wait for
    `evaluate_dublin`. Irrelevant facts: no effect; duplicates: no effect; rejections: unchanged."""
    handler = _HANDLERS.get(type(fact))
    if handler is None:
        return Applied(state)
    if state is None:
        if not isinstance(fact, _CREATES):
            reason = _NOT_LODGED.get(type(fact))
            if reason is None:
                return Applied(state)
            return Applied(state, [], Rejection(reason, "no application lodged yet"))
        state = DublinState(case_id=fact.case_id)
        before: DublinState | None = None
    else:
        before = state
        if fact.event_id in state.applied:
            return Applied(state)
    result = handler(state, fact, policy)
    if isinstance(result, Rejection):
        return Applied(before, [], result)
    after = replace(result, applied=result.applied | {fact.event_id})
    known = {e.id for _, e in _dublin_timers(before, policy)} if before is not None else set()
    caused = [
        (day, event)
        for day, event in _dublin_timers(after, policy)
        if day <= fact.on and event.id not in known
    ]
    after, emitted = _fire(after, caused)
    return Applied(after, emitted)


# --- timers ------------------------------------------------------------------------------------


def _side_inflow(
    state: DublinState, policy: Policy, on: date, reason: NationalProcedureReason
) -> SideInflow:
    assert state.lodged_on is not None
    accepted = acceptance(state, policy, on)
    term = transfer_term(state, policy, on)
    claim = state.claim
    return SideInflow(
        id=derived_id(state.case_id, SideInflow.TYPE, f"{reason}:{on}"),
        case_id=state.case_id,
        on=on,
        reason=reason,
        original_lodged_on=state.lodged_on,
        claim_sent_on=claim.sent_on if claim is not None else None,
        claim_kind=claim.kind if claim is not None else None,
        accepted_on=accepted[0] if accepted is not None else None,
        tacit=accepted[1] if accepted is not None else None,
        transfer_deadline=term.deadline if term is not None else None,
        failed_transfers=state.failed_transfers,
    )


def _dublin_timers(state: DublinState, policy: Policy) -> list[tuple[date, Derived]]:
    """Every (due day, event) the state implies if no further fact arrives, not yet fired.
    The last answer is kept: `next_dublin_due` and `evaluate_dublin` ask in turn (see term)."""
    last = _LAST_TIMERS
    if last and last[0] is state and last[1] is policy:
        return list(last[2])
    timers = _compute_dublin_timers(state, policy)
    _LAST_TIMERS[:] = [state, policy, timers]
    return list(timers)


_LAST_TIMERS: list[Any] = []


def _compute_dublin_timers(state: DublinState, policy: Policy) -> list[tuple[date, Derived]]:
    """Every (due day, event) the state implies if no further fact arrives, not yet fired.

    Events announcing that a day passed in silence (tacit acceptance, expiry) are due the day
    after their `on`, so a same-day answer or transfer is never overtaken by a tick."""
    if state.entered is not None or not is_dublin(state) or state.completed_on is not None:
        return []
    case_id = state.case_id
    timers: list[tuple[date, Derived]] = []
    claim, due = state.claim, reply_due(state, policy)
    if claim is not None and due is not None and claim_in_time(state, policy):
        timers.append(
            (
                claim.sent_on,
                ClaimReplyDue(
                    id=derived_id(case_id, ClaimReplyDue.TYPE, due.isoformat()),
                    case_id=case_id,
                    on=claim.sent_on,
                    kind=claim.kind,
                    sent_on=claim.sent_on,
                    reply_due=due,
                ),
            )
        )
        if state.answer is None:
            timers.append(
                (
                    days_after(due, 1),
                    ClaimTacitlyAccepted(
                        id=derived_id(case_id, ClaimTacitlyAccepted.TYPE, due.isoformat()),
                        case_id=case_id,
                        on=due,
                        accepted_on=due,
                        kind=claim.kind,
                        sent_on=claim.sent_on,
                    ),
                )
            )
    term = transfer_term(state, policy, _HORIZON)
    if term is not None:
        timers.append(
            (
                term.known_on,
                TransferDeadlineSet(
                    id=derived_id(case_id, TransferDeadlineSet.TYPE, term.deadline.isoformat()),
                    case_id=case_id,
                    on=term.cause_on,
                    transfer_deadline=term.deadline,
                    counts_from=term.counts_from,
                    months=term.months,
                    basis=term.basis,
                ),
            )
        )
    responsible = nl_responsibility(state, policy, _HORIZON)
    if responsible is not None:
        day, reason = responsible
        if reason == "transfer_expired" and term is not None:
            timers.append(
                (
                    day,
                    TransferDeadlineExpired(
                        id=derived_id(
                            case_id, TransferDeadlineExpired.TYPE, term.deadline.isoformat()
                        ),
                        case_id=case_id,
                        on=day,
                        transfer_deadline=term.deadline,
                    ),
                )
            )
        timers.append((day, _side_inflow(state, policy, day, reason)))
    return [(day, event) for day, event in timers if event.id not in state.fired]


def _fire(state: DublinState, due: list[tuple[date, Derived]]) -> tuple[DublinState, list[Derived]]:
    if not due:
        return state, []
    due = sorted(due, key=lambda item: (item[1].on, item[0]))
    emitted = [event for _, event in due]
    entered = state.entered
    for event in emitted:
        if isinstance(event, SideInflow):
            entered = (event.on, event.reason)
    fired = state.fired | {event.id for event in emitted}
    return replace(state, fired=fired, entered=entered), emitted


def evaluate_dublin(
    state: DublinState, today: date, policy: Policy
) -> tuple[DublinState, list[Derived]]:
    """Fire every Dublin timer due on or before `today`, ordered by `on`: reply period set (D3
    art. 22(1), 25(1)), tacit acceptance (D3 art. 22(7), 25(2)), transfer deadline set and expired
    (D3 art. 29), and side-inflow once, the day NL becomes responsible."""
    return _fire(state, [(day, e) for day, e in _dublin_timers(state, policy) if day <= today])


def next_dublin_due(state: DublinState, policy: Policy) -> date | None:
    """The next day on which `evaluate_dublin` would emit something, absent new facts."""
    return min((day for day, _ in _dublin_timers(state, policy)), default=None)
