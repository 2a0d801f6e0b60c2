"""The letter's figures computed from case states — the replay's or the live services' alike.

Definitions (each a question the January 2021 letter answers):

- Taskforce assigned: applications lodged before the cut-off (1 Apr 2020) that were in the
  national procedure and undecided on the cut-off date.
- Taskforce decided by a date: of those, decided on or before it.
- First / subsequent applications 2020: lodged from the cut-off to 31 Dec 2020, by kind.
- Share decided by 31 Dec 2020: of those new applications.
- Decided late 2020: new applications decided in 2020 after their deadline.
- Penalties paid by 15 Dec 2020: statutory penalties fixed (Awb 4:18) by that date.
- Side-inflow 2020: cases the Netherlands became responsible for after Dublin, in 2020.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from caseflow.domain import DublinState, Policy, TermState, deadline_of, statutory_penalty
from caseflow.domain.term import term_start

YEAR_END = date(2020, 12, 31)
MID_NOVEMBER = date(2020, 11, 15)
PENALTIES_BY = date(2020, 12, 15)


def letter_figures(
    terms: Iterable[TermState], dublins: Iterable[DublinState], policy: Policy
) -> dict[str, Any]:
    cutoff = policy.taskforce_cutoff
    assigned = decided_nov = decided_dec = 0
    first = subsequent = new_decided = late = 0
    penalties = 0
    for term in terms:
        decision = term.decision.on if term.decision is not None else None
        start = term_start(term)
        if term.lodged_on < cutoff:
            if start is not None and start < cutoff and (decision is None or decision >= cutoff):
                assigned += 1
                decided_nov += decision is not None and decision <= MID_NOVEMBER
                decided_dec += decision is not None and decision <= YEAR_END
        elif term.lodged_on <= YEAR_END:
            if term.kind == "subsequent":
                subsequent += 1
            else:
                first += 1
            if decision is not None and decision <= YEAR_END:
                new_decided += 1
                deadline = deadline_of(term, policy, decision)
                late += deadline is not None and decision > deadline
        figures = statutory_penalty(term, PENALTIES_BY, policy)
        if figures.fixed_by is not None and figures.fixed_by <= PENALTIES_BY:
            penalties += figures.accrued_eur
    side_inflow = sum(
        1 for d in dublins if d.entered is not None and d.entered[0].year == YEAR_END.year
    )
    new = first + subsequent
    return {
        "taskforce_assigned": assigned,
        "taskforce_decided_by_2020_11_15": decided_nov,
        "taskforce_decided_by_2020_12_31": decided_dec,
        "first_applications_2020": first,
        "subsequent_applications_2020": subsequent,
        "share_decided_by_2020_12_31": round(new_decided / new, 3) if new else 0.0,
        "decided_late_2020": late,
        "penalties_paid_eur_by_2020_12_15": penalties,
        "side_inflow_2020": side_inflow,
    }


#: What the letter says, for the demo's side-by-side table.
LETTER = {
    "taskforce_assigned": "15,350",
    "taskforce_decided_by_2020_11_15": "~6,500",
    "taskforce_decided_by_2020_12_31": "8,200",
    "first_applications_2020": "9,200",
    "subsequent_applications_2020": "1,170",
    "share_decided_by_2020_12_31": "45%",
    "decided_late_2020": "20",
    "penalties_paid_eur_by_2020_12_15": "~EUR 13 mln",
    "side_inflow_2020": "~1,500",
}
