"""The per-case object of the replay JSON contract and its case status, and a worklist entry,
as of a date."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from caseflow.domain.calendar import days_between
from caseflow.domain.derived import JSONValue
from caseflow.domain.dublin import (
    DublinState,
    acceptance,
    dublin_stage,
    nl_responsibility,
    reply_due,
    transfer_term,
)
from caseflow.domain.rules import Policy
from caseflow.domain.taskforce import cohort
from caseflow.domain.term import (
    Decision,
    TermState,
    absolute_deadline,
    court_penalty,
    deadline_of,
    extension_months,
    is_late,
    statutory_penalty,
    suspended_days,
    term_start,
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


CaseStatus = Literal["open", "dublin", "decided", "withdrawn"]


def status_of(outcome: str | None, *, term_waits: bool, dublin_open: bool) -> CaseStatus:
    """The status of a case from its parts: decided (withdrawn, for a withdrawal) once a
    decision is issued; dublin while the national term waits for the Dublin procedure
    (Vw 2000 art. 42(6)) or the Dublin service still runs one; open otherwise.

    ``term_waits``: a term state exists and no term has started; ``dublin_open``: the Dublin
    part is in a running stage. The deadline service knows the first, `caseflow case show`
    joins the second from the Dublin service."""
    if outcome is not None:
        return "withdrawn" if outcome == "withdrawn" else "decided"
    if term_waits or dublin_open:
        return "dublin"
    return "open"


def case_status(term: TermState | None, dublin: DublinState | None, policy: Policy) -> CaseStatus:
    """open | dublin | decided | withdrawn, from the term state (:func:`status_of`). A running
    Dublin procedure always keeps the term waiting, so the term state alone decides it."""
    outcome = term.decision.outcome if term is not None and term.decision is not None else None
    waits = term is not None and term_start(term) is None
    return status_of(outcome, term_waits=waits, dublin_open=False)


def _term_view(term: TermState, as_of: date, policy: Policy) -> dict[str, JSONValue]:
    on = term.decision.on if term.decision is not None else as_of
    return {
        "starts_on": _iso(term_start(term)),
        "deadline": _iso(deadline_of(term, policy, on)),
        "absolute_deadline": _iso(absolute_deadline(term)),
        "extension_months": extension_months(term, policy),
        "suspended_days": suspended_days(term, on, policy),
        "late": is_late(term, as_of, policy),
    }


def _dublin_view(dublin: DublinState, as_of: date, policy: Policy) -> dict[str, JSONValue] | None:
    stage = dublin_stage(dublin, policy, as_of)
    if stage is None:
        return None
    accepted = acceptance(dublin, policy, as_of)
    transfer = transfer_term(dublin, policy, as_of)
    responsible = nl_responsibility(dublin, policy, as_of)
    return {
        "stage": stage,
        "reply_due": _iso(reply_due(dublin, policy)),
        "accepted_on": _iso(accepted[0]) if accepted is not None else None,
        "tacit": accepted[1] if accepted is not None else None,
        "transfer_deadline": _iso(transfer.deadline) if transfer is not None else None,
        "nl_responsible_on": _iso(responsible[0]) if responsible is not None else None,
    }


def case_view(
    term: TermState | None, dublin: DublinState | None, as_of: date, policy: Policy
) -> dict[str, JSONValue]:
    """The replay/`case show` object: ISO dates, null where not applicable, penalties as of
    `as_of` (Awb 4:17, 8:55b-d)."""
    lodged_on = term.lodged_on if term is not None else None
    if lodged_on is None and dublin is not None:
        lodged_on = dublin.lodged_on
    statutory = court = None
    if term is not None:
        statutory = statutory_penalty(term, as_of, policy)
        court = court_penalty(term, as_of, policy)
    decision: dict[str, JSONValue] | None = None
    if term is not None and term.decision is not None:
        decision = {
            "on": _iso(term.decision.on),
            "outcome": term.decision.outcome,
            "on_time": not is_late(term, as_of, policy),
        }
    return {
        "cohort": cohort(lodged_on, policy.taskforce_cutoff) if lodged_on is not None else None,
        "status": case_status(term, dublin, policy),
        "track": term.track if term is not None else (dublin.track if dublin else None),
        "lodged_on": _iso(lodged_on),
        "term": _term_view(term, as_of, policy) if term is not None else None,
        "decision": decision,
        "penalty": {
            "statutory_eur": statutory.accrued_eur if statutory else 0,
            "court_eur": court.accrued_eur if court else 0,
            "first_day": _iso(statutory.first_day) if statutory else None,
            "capped_on": _iso(statutory.capped_on) if statutory else None,
        },
        "dublin": _dublin_view(dublin, as_of, policy) if dublin is not None else None,
    }


@dataclass(frozen=True, slots=True)
class WorklistEntry:
    """One open case at risk: days left (negative when late) and penalty exposure in euros."""

    case_id: str
    deadline: date
    days_left: int
    exposure_if_decided_today_eur: int
    exposure_if_decided_on_deadline_eur: int


def exposure_if_decided(term: TermState, on: date, policy: Policy) -> int:
    """Statutory plus court penalty due if a (non-excluded) decision were issued on `on`
    (Awb 4:17, 8:55d)."""
    hypothetical = replace(term, decision=Decision(on, "granted"))
    figures = (statutory_penalty(hypothetical, on, policy), court_penalty(hypothetical, on, policy))
    return sum(f.accrued_eur for f in figures)


def worklist_entry(term: TermState, as_of: date, policy: Policy) -> WorklistEntry | None:
    """None for decided cases and while no term runs (Dublin)."""
    if term.decision is not None:
        return None
    deadline = deadline_of(term, policy, as_of)
    if deadline is None:
        return None
    return WorklistEntry(
        case_id=term.case_id,
        deadline=deadline,
        days_left=days_between(as_of, deadline),
        exposure_if_decided_today_eur=exposure_if_decided(term, as_of, policy),
        exposure_if_decided_on_deadline_eur=exposure_if_decided(term, max(deadline, as_of), policy),
    )
