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

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
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


#: The figures each service can compute from its own states.
DUBLIN_FIGURES = ("side_inflow_2020",)


def term_figures(terms: Iterable[TermState], policy: Policy) -> dict[str, Any]:
    """The figures the deadline service owns (everything but the side-inflow)."""
    figures = letter_figures(terms, (), policy)
    return {k: v for k, v in figures.items() if k not in DUBLIN_FIGURES}


def dublin_figures(dublins: Iterable[DublinState], policy: Policy) -> dict[str, Any]:
    """The figures the Dublin service owns."""
    figures = letter_figures((), dublins, policy)
    return {k: figures[k] for k in DUBLIN_FIGURES}


def parse_until(query: Mapping[str, str]) -> date | str:
    """`until=YYYY-MM-DD` of a figures request, or why it is not acceptable."""
    raw = query.get("until")
    if raw is None:
        return "until=YYYY-MM-DD is required"
    try:
        until = date.fromisoformat(raw)
    except ValueError:
        return "until must be a date, YYYY-MM-DD"
    if not date(2000, 1, 1) <= until <= date(2100, 12, 31):
        return "until is out of range"
    return until


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


def month_end(month: str) -> date:
    """The last day of a month given as YYYY-MM."""
    year, number = int(month[:4]), int(month[5:7])
    return date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)


def month_ends(first: date, last: date) -> list[date]:
    """The last day of every month from `first`'s month to `last`'s month."""
    ends = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = date(year + month // 12, month % 12 + 1, 1)
        ends.append(following - timedelta(days=1))
        year, month = following.year, following.month
    return ends


def monthly_series(
    terms: Iterable[TermState], dublins: Iterable[DublinState], policy: Policy, until: date
) -> list[dict[str, Any]]:
    """The series the IND published monthly, one row per month end from April 2020 to `until`:
    Taskforce stock; open first applications lodged since the cut-off, within and past their
    term; those decided within the term (cumulative); statutory penalties paid (cumulative, €);
    side-inflow in the month."""
    cutoff = policy.taskforce_cutoff
    terms = list(terms)
    inflow_days = [d.entered[0] for d in dublins if d.entered is not None]
    rows = []
    for end in month_ends(cutoff, until):
        stock = open_within = open_past = decided_within = 0
        paid = 0
        for term in terms:
            decision = term.decision.on if term.decision is not None else None
            start = term_start(term)
            decided = decision is not None and decision <= end
            if term.lodged_on < cutoff:
                if start is not None and start < cutoff and not decided:
                    stock += 1
            elif term.lodged_on <= end and term.kind == "first" and start is not None:
                deadline = deadline_of(term, policy, end)
                if not decided:
                    if deadline is not None and end > deadline:
                        open_past += 1
                    else:
                        open_within += 1
                elif decision is not None:
                    deadline_then = deadline_of(term, policy, decision)
                    decided_within += deadline_then is None or decision <= deadline_then
            figures = statutory_penalty(term, end, policy)
            if figures.fixed_by is not None and figures.fixed_by <= end:
                paid += figures.accrued_eur
        month_start = end.replace(day=1)
        rows.append(
            {
                "month": end.strftime("%Y-%m"),
                "taskforce_stock": stock,
                "first_open_within_term": open_within,
                "first_open_past_term": open_past,
                "first_decided_within_term": decided_within,
                "penalties_paid_eur": paid,
                "side_inflow": sum(1 for day in inflow_days if month_start <= day <= end),
            }
        )
    return rows
