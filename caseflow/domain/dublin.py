"""Dublin III time limits as a fold over facts: request, reply, transfer, and side-inflow.

Everything is derived from the stored facts and a date, so timers do not depend on tick size.
Whether a Dublin step takes a case out of the national procedure (`step_in_time`) is decided
here once, for this fold and the term fold alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from caseflow.domain.calendar import days_after, months_after
from caseflow.domain.derived import (
    ClaimReplyDue,
    ClaimTacitlyAccepted,
    Derived,
    DublinStage,
    DublinStageChanged,
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
    EurodacHitReceived,
    Fact,
    NationalProcedureReason,
    PersonAbsconded,
    RegistrationRecorded,
    TrackAssigned,
    TransferCompleted,
    TransferFailed,
    TransferScheduled,
)
from caseflow.domain.fold import Fired, Timer
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
_DAY = timedelta(days=1)
_EXTENDING = {"absconded": TRANSFER_MONTHS_ABSCONDED, "imprisoned": TRANSFER_MONTHS_IMPRISONED}

#: Stages of a Dublin procedure still running; the others are its outcomes.
OPEN_STAGES: tuple[DublinStage, ...] = ("claim_due", "claim_sent", "accepted", "transfer_scheduled")
#: Stages with an accepted claim: only these have a running transfer deadline.
ACCEPTED_STAGES: tuple[DublinStage, ...] = ("accepted", "transfer_scheduled")
#: Why the Netherlands is responsible: a side-inflow reason, or the Dublin track left before any
#: request (the Netherlands examines the application itself, D3 art. 17(1)).
ResponsibilityReason = NationalProcedureReason | Literal["dublin_track_left"]
TRACK_LEFT: Literal["dublin_track_left"] = "dublin_track_left"


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
class EurodacHit:
    """A Eurodac hit as it reached the IND; `since_lodging` when the application was lodged by
    then (the term fold, which starts at lodging, knows only those)."""

    on: date
    category: int
    member_state: str
    since_lodging: bool


@dataclass(frozen=True, slots=True)
class DublinState:
    """Ingredients of one case's Dublin procedure. `dublin_since` is the day it entered it (the
    lodging on track 1, or a Dublin step within the request period); `left_on` the day it left
    the Dublin track before any request; `entered` is set once side-inflow was emitted."""

    case_id: str
    registered_on: date | None = None
    lodged_on: date | None = None
    track: int | None = None
    dublin_since: date | None = None
    left_on: date | None = None
    hits: tuple[EurodacHit, ...] = ()
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


def is_dublin_case(state: DublinState) -> bool:
    """The case was taken into the Dublin procedure: lodged on track 1, or a Dublin step within
    the request period (`step_in_time`). Its outcome may since have come (`dublin_stage`)."""
    return state.dublin_since is not None


def request_period_end(lodged_on: date, hit_on: date | None, kind: str | None) -> date:
    """Last day to send a request: 3 months from lodging; with a Eurodac hit, 2 months from the
    hit, for a take-charge request whichever comes first (D3 art. 21(1); CJEU C-670/16,
    Mengesteab), for a take-back request the 2 months alone, even past the 3 (D3 art. 23(2)).
    Before any request the 2 months count too: a take-back request may still follow."""
    three = months_after(lodged_on, REQUEST_MONTHS)
    if hit_on is None:
        return three
    two = months_after(hit_on, REQUEST_MONTHS_EURODAC)
    return min(three, two) if kind == "take_charge" else two


def _first_hit(hits: Iterable[date], named: date | None, until: date) -> date | None:
    """The first hit received by `until`, or the date a request names: 2 months count from it."""
    days = [day for day in hits if day <= until]
    if named is not None:
        days.append(named)
    return min(days, default=None)


def step_in_time(
    lodged_on: date, hits: Iterable[date], on: date, claim: DublinClaimSent | None
) -> bool:
    """Whether a Dublin step dated `on` (track 1, or the request `claim`) takes a case out of the
    national procedure: only within the request period (D3 art. 21(1), 23(2)); after it the
    Netherlands is responsible and the step changes nothing (ABRvS ECLI:NL:RVS:2015:3891).

    Judged on what both folds know of the case: its lodging, the hits received since, and the
    request itself (a hit it names without a date counts from the lodging)."""
    hit = _first_hit(hits, claim.eurodac_hit_on if claim is not None else None, on)
    if hit is None and claim is not None and claim.eurodac_hit:
        hit = lodged_on
    return on <= request_period_end(lodged_on, hit, claim.kind if claim is not None else None)


def claim_defect(fact: DublinClaimSent) -> Rejection | None:
    """What makes a request impossible in itself, whatever the case: a hit dated after it, or an
    urgent reply period outside one week to one month (D3 art. 22(6))."""
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
    return None


def eurodac_hit_on(state: DublinState, policy: Policy) -> date | None:
    """The day of the Eurodac hit the request period counts from: the first hit received (by
    the request, once one is sent), or the date the request names. A request that says it rests
    on a hit without either is dated by convention on the registration, else the lodging
    (`Policy.eurodac_fallback`)."""
    claim = state.claim
    until = claim.sent_on if claim is not None else _HORIZON
    named = claim.eurodac_hit_on if claim is not None else None
    hit = _first_hit((h.on for h in state.hits), named, until)
    if hit is not None or claim is None or not claim.eurodac_hit:
        return hit
    if policy.eurodac_fallback == "registration" and state.registered_on is not None:
        return state.registered_on
    return state.lodged_on


def request_deadline(state: DublinState, policy: Policy) -> date | None:
    """Last day to send the request (`request_period_end`, D3 art. 21(1), 23(2)) for this case:
    the request's kind once one is sent, the Eurodac hit from `eurodac_hit_on`."""
    if state.lodged_on is None:
        return None
    kind = state.claim.kind if state.claim is not None else None
    return request_period_end(state.lodged_on, eurodac_hit_on(state, policy), kind)


def claim_in_time(state: DublinState, policy: Policy) -> bool:
    """A request sent after its deadline makes the requesting state responsible (D3 art. 21(1),
    23(3))."""
    deadline = request_deadline(state, policy)
    return state.claim is not None and deadline is not None and state.claim.sent_on <= deadline


def _on_hit_data(state: DublinState) -> bool:
    """The request is based on Eurodac data: it says so, or a hit had reached the IND by then."""
    claim = state.claim
    return claim is not None and (
        claim.eurodac_hit or any(h.on <= claim.sent_on for h in state.hits)
    )


def reply_due(state: DublinState, policy: Policy) -> date | None:
    """Last day of the reply period. Take charge: 2 months, urgent: the requested period
    (D3 art. 22(1), 22(6)). Take back: 1 month, 2 weeks when based on Eurodac data (D3 art.
    25(1))."""
    claim = state.claim
    if claim is None:
        return None
    if claim.kind == "take_charge":
        if claim.urgent_reply_days is not None:
            return days_after(claim.sent_on, claim.urgent_reply_days)
        return months_after(claim.sent_on, TAKE_CHARGE_REPLY_MONTHS)
    if _on_hit_data(state):
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
) -> tuple[date, ResponsibilityReason] | None:
    """(day, reason) from which the Netherlands is responsible for a Dublin case, if by `as_of`:
    the day after a missed request deadline, never before the lodging (D3 art. 21(1), 23(3));
    the day of a rejection (convention); the day after the transfer deadline (D3 art. 29(2));
    the day the Dublin track was left before any request (D3 art. 17(1), convention)."""
    if state.entered is not None:
        return state.entered if state.entered[0] <= as_of else None
    if not is_dublin_case(state) or state.completed_on is not None:
        return None
    found: tuple[date, ResponsibilityReason] | None = None
    deadline = request_deadline(state, policy)
    if state.left_on is not None:
        found = (state.left_on, TRACK_LEFT)
    elif not claim_in_time(state, policy) and deadline is not None and state.lodged_on is not None:
        found = (max(days_after(deadline, 1), state.lodged_on), "request_deadline_missed")
    elif state.answer is not None and not state.answer.accepted:
        found = (state.answer.on, "claim_rejected")
    else:
        term = transfer_term(state, policy, as_of)
        if term is not None:
            found = (days_after(term.deadline, 1), "transfer_expired")
    return found if found is not None and found[0] <= as_of else None


def dublin_stage(state: DublinState | None, policy: Policy, as_of: date) -> DublinStage | None:
    """The one definition of a case's Dublin stage as of a day: claim_due | claim_sent |
    accepted | transfer_scheduled | transferred | nl_responsible | rejected; None for a case
    that never was a Dublin case. Every event of this fold carries it (`stage`)."""
    if state is None or not is_dublin_case(state):
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
    if not is_dublin_case(state):
        return Rejection("not_dublin", "not a Dublin case")
    if nl_responsibility(state, policy, on) is not None:
        return Rejection("nl_responsible", "the Netherlands is already responsible")
    if state.completed_on is not None:
        return Rejection("already_transferred", "the transfer was already completed")
    if acceptance(state, policy, on) is None:
        return Rejection("not_accepted", "no accepted claim")
    return None


def hits_since_lodging(state: DublinState) -> list[date]:
    """The hits the term fold knows too: received on or after the lodging."""
    return [hit.on for hit in state.hits if hit.since_lodging]


def _on_registration(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    if state.registered_on is not None:
        return state
    return replace(state, registered_on=fact.on)


def _on_lodged(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """Lodged on track 1, the case is in the Dublin procedure from the start."""
    assert isinstance(fact, ApplicationLodged)
    if state.lodged_on is not None:
        return state  # the deadline fold rejects a second lodging
    dublin_since = fact.on if fact.track == DUBLIN_TRACK else None
    return replace(state, lodged_on=fact.on, track=fact.track, dublin_since=dublin_since)


def _on_track(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """Track 1 within the request period takes the case into the Dublin procedure (`step_in_time`);
    leaving track 1 before any request makes the Netherlands responsible that day (D3 art.
    17(1), convention). Any other change of track changes nothing here."""
    assert isinstance(fact, TrackAssigned)
    after = replace(state, track=fact.track)
    if state.lodged_on is None or state.left_on is not None:
        return after
    if nl_responsibility(state, policy, fact.on) is not None or state.completed_on is not None:
        return after
    if fact.track == DUBLIN_TRACK:
        if is_dublin_case(state) or not step_in_time(
            state.lodged_on, hits_since_lodging(state), fact.on, None
        ):
            return after
        return replace(after, dublin_since=fact.on)
    if is_dublin_case(state) and state.claim is None:
        return replace(after, left_on=fact.on)
    return after


def _on_hit(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """A Eurodac hit sets the request period from its day (D3 art. 21(1), 23(2)); recorded
    always, it changes nothing once a request was sent or the Netherlands is responsible."""
    assert isinstance(fact, EurodacHitReceived)
    since_lodging = state.lodged_on is not None and fact.on >= state.lodged_on
    hit = EurodacHit(fact.on, fact.category, fact.member_state, since_lodging)
    return replace(state, hits=(*state.hits, hit))


def _on_claim(state: DublinState, fact: Fact, policy: Policy) -> _Result:
    """Records the request. In a case still in the national procedure it counts only within the
    request period (`step_in_time`); after it the Netherlands is responsible and the request is
    refused (D3 art. 21(1) 3rd subpar., 23(3)). A request that turns out late in a Dublin case
    (its own Eurodac date) is recorded, and makes the Netherlands responsible at once."""
    assert isinstance(fact, DublinClaimSent)
    if state.lodged_on is None:
        return Rejection("not_lodged", "no application lodged yet")
    if fact.on < state.lodged_on:
        return Rejection("before_lodging", "claim dated before the lodging")
    if state.claim is not None:
        return Rejection("claim_already_sent", "a claim was already sent")
    if nl_responsibility(state, policy, fact.on) is not None:
        return Rejection("nl_responsible", "the Netherlands is already responsible")
    defect = claim_defect(fact)
    if defect is not None:
        return defect
    if not is_dublin_case(state):
        if not step_in_time(state.lodged_on, hits_since_lodging(state), fact.on, fact):
            return Rejection("nl_responsible", "request after the request period")
        state = replace(state, dublin_since=fact.on)
    claim = Claim(
        fact.on,
        fact.member_state,
        fact.kind,
        fact.eurodac_hit,
        fact.eurodac_hit_on,
        fact.urgent_reply_days,
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
    if not is_dublin_case(state) or state.completed_on is not None:
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
    EurodacHitReceived: _on_hit,
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
    its date (acceptance, rejection, a late claim) are emitted at once, a side-inflow among them
    marked `known_on` the fact's day; the rest wait for `fire_dublin`. A stage change no event
    announces is announced by `dublin.stage_changed`. Irrelevant facts: no effect; duplicates:
    no effect; rejections: unchanged."""
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
    known = {e.id for _, e in dublin_timers(before, policy)} if before is not None else set()
    caused = [
        (day, replace(event, known_on=fact.on) if isinstance(event, SideInflow) else event)
        for day, event in dublin_timers(after, policy)
        if day <= fact.on and event.id not in known
    ]
    after = _fired(after, [event for _, event in caused])
    emitted = sorted((event for _, event in caused), key=lambda e: e.on)
    change = _stage_change(
        after.case_id,
        dublin_stage(before, policy, fact.on),
        dublin_stage(after, policy, fact.on),
        emitted,
        fact.on,
        fact.event_id,
    )
    return Applied(after, [*emitted, *change])


# --- timers ------------------------------------------------------------------------------------


def _stage_change(
    case_id: str,
    previous: DublinStage | None,
    stage: DublinStage | None,
    emitted: list[Derived],
    on: date,
    cause: str,
) -> list[Derived]:
    """`dublin.stage_changed` when the stage moved and no event on dublin.events says so (the
    side-inflow goes to case.events); its id is that of its cause."""
    if stage is None or stage == previous:
        return []
    if any(getattr(e, "stage", None) == stage for e in emitted if not isinstance(e, SideInflow)):
        return []
    return [
        DublinStageChanged(
            id=derived_id(case_id, DublinStageChanged.TYPE, f"{stage}:{cause}"),
            case_id=case_id,
            on=on,
            stage=stage,
            previous=previous,
        )
    ]


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
        stage=_stage_on(state, policy, on),
        claim_sent_on=claim.sent_on if claim is not None else None,
        claim_kind=claim.kind if claim is not None else None,
        accepted_on=accepted[0] if accepted is not None else None,
        tacit=accepted[1] if accepted is not None else None,
        transfer_deadline=term.deadline if term is not None else None,
        failed_transfers=state.failed_transfers,
    )


def _stage_on(state: DublinState, policy: Policy, day: date) -> DublinStage:
    stage = dublin_stage(state, policy, day)
    assert stage is not None  # timers exist only for Dublin cases
    return stage


def dublin_timers(state: DublinState, policy: Policy) -> list[tuple[date, Derived]]:
    """Every (due day, event) the state implies if no further fact arrives, not yet fired.

    Events announcing that a day passed in silence (tacit acceptance, expiry) are due the day
    after their `on`, so a same-day answer or transfer is never overtaken by a tick. Each
    carries the stage as of its due day."""
    if (
        state.entered is not None
        or not is_dublin_case(state)
        or state.completed_on is not None
        or state.left_on is not None
    ):
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
                    stage=_stage_on(state, policy, claim.sent_on),
                    kind=claim.kind,
                    sent_on=claim.sent_on,
                    reply_due=due,
                ),
            )
        )
        if state.answer is None:
            tacit_day = days_after(due, 1)
            timers.append(
                (
                    tacit_day,
                    ClaimTacitlyAccepted(
                        id=derived_id(case_id, ClaimTacitlyAccepted.TYPE, due.isoformat()),
                        case_id=case_id,
                        on=due,
                        stage=_stage_on(state, policy, tacit_day),
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
                    stage=_stage_on(state, policy, term.known_on),
                    transfer_deadline=term.deadline,
                    counts_from=term.counts_from,
                    months=term.months,
                    basis=term.basis,
                ),
            )
        )
    responsible = nl_responsibility(state, policy, _HORIZON)
    day, reason = responsible if responsible is not None else (_HORIZON, TRACK_LEFT)
    if reason != TRACK_LEFT:
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
                        stage=_stage_on(state, policy, day),
                        transfer_deadline=term.deadline,
                    ),
                )
            )
        timers.append((day, _side_inflow(state, policy, day, reason)))
    return [(day, event) for day, event in timers if event.id not in state.fired]


def _fired(state: DublinState, events: list[Derived]) -> DublinState:
    """The state once these events went out: their ids fired, the side-inflow recorded."""
    if not events:
        return state
    entered = state.entered
    for event in events:
        if isinstance(event, SideInflow):
            entered = (event.on, event.reason)
    return replace(state, fired=state.fired | {event.id for event in events}, entered=entered)


def fire_dublin(
    state: DublinState, timers: Sequence[Timer], today: date, policy: Policy
) -> Fired[DublinState]:
    """Fire the timers (from `dublin_timers`) due on or before `today`, a due day at a time:
    reply period set (D3 art. 22(1), 25(1)), tacit acceptance (D3 art. 22(7), 25(2)), transfer
    deadline set and expired (D3 art. 29), and side-inflow once, the day NL becomes responsible.
    The new state's timers are the old ones less those fired (none once it entered the national
    procedure)."""
    due = [(day, item) for day, item in timers if day <= today and isinstance(item, Derived)]
    if not due:
        return Fired(state, [], timers)
    fired: list[tuple[date, Derived]] = []
    for day in sorted({day for day, _ in due}):
        batch = sorted((item for d, item in due if d == day), key=lambda e: e.on)
        previous = dublin_stage(state, policy, day - _DAY)
        state = _fired(state, batch)
        change = _stage_change(
            state.case_id,
            previous,
            dublin_stage(state, policy, day),
            batch,
            day,
            day.isoformat(),
        )
        fired.extend((day, event) for event in [*batch, *change])
    remaining = [] if state.entered is not None else [t for t in timers if t[0] > today]
    return Fired(state, fired, remaining)


def evaluate_dublin(
    state: DublinState, today: date, policy: Policy
) -> tuple[DublinState, list[Derived]]:
    """Fire every Dublin timer due on or before `today` (`fire_dublin` on `dublin_timers`)."""
    result = fire_dublin(state, dublin_timers(state, policy), today, policy)
    return result.state, [event for _, event in result.events]


def next_dublin_due(state: DublinState, policy: Policy) -> date | None:
    """The next day on which `fire_dublin` would emit something, absent new facts."""
    return min((day for day, _ in dublin_timers(state, policy)), default=None)
