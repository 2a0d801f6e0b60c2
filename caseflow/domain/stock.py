"""The stock of cases and the figures over it, counted from term and Dublin states — the
replay's or the live services' alike — for the dates a question names: the Taskforce
assignment and its decisions, the new applications since the cut-off, penalties paid, the
side-inflow, and the monthly series. No date is written down here; the cut-off is the policy's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, get_args

from caseflow.domain.derived import LateCause
from caseflow.domain.dublin import DublinState
from caseflow.domain.rules import Policy
from caseflow.domain.taskforce import in_taskforce
from caseflow.domain.term import (
    TermState,
    deadline_of,
    late_cause,
    statutory_penalty,
    term_start,
)


@dataclass(frozen=True, slots=True)
class Question:
    """The dates figures are counted to.

    New applications are those lodged from the cut-off to ``until``; decisions and lateness
    count up to ``until`` too; the Taskforce's decisions are counted by each of ``decided_by``;
    penalties are those fixed (Awb 4:18) by ``penalties_by``.
    """

    until: date
    decided_by: tuple[date, ...]
    penalties_by: date


@dataclass(frozen=True, slots=True)
class StockFigures:
    taskforce_assigned: int
    #: Per day of ``Question.decided_by``: Taskforce cases decided on or before it.
    taskforce_decided_by: dict[date, int]
    first_applications: int
    subsequent_applications: int
    #: Of the new applications, the share decided by ``until`` (three decimals).
    share_decided: float
    #: New applications decided by ``until`` after their deadline.
    decided_late: int
    penalties_paid_eur: int

    def as_json(self) -> dict[str, Any]:
        return {
            "taskforce_assigned": self.taskforce_assigned,
            "taskforce_decided_by": {
                day.isoformat(): n for day, n in sorted(self.taskforce_decided_by.items())
            },
            "first_applications": self.first_applications,
            "subsequent_applications": self.subsequent_applications,
            "share_decided": self.share_decided,
            "decided_late": self.decided_late,
            "penalties_paid_eur": self.penalties_paid_eur,
        }


def penalty_paid(term: TermState, by: date, policy: Policy) -> int:
    """The statutory penalty counted as paid by ``by``: accrued, and fixed by then (Awb 4:18)."""
    figures = statutory_penalty(term, by, policy)
    return figures.accrued_eur if figures.fixed_by is not None and figures.fixed_by <= by else 0


def stock_figures(terms: Iterable[TermState], policy: Policy, question: Question) -> StockFigures:
    cutoff, until = policy.taskforce_cutoff, question.until
    assigned = first = subsequent = new_decided = late = penalties = 0
    decided_by = dict.fromkeys(question.decided_by, 0)
    for term in terms:
        decision = term.decision.on if term.decision is not None else None
        if in_taskforce(term, policy):
            assigned += 1
            for day in decided_by:
                decided_by[day] += decision is not None and decision <= day
        elif cutoff <= term.lodged_on <= until:
            if term.kind == "subsequent":
                subsequent += 1
            else:
                first += 1
            if decision is not None and decision <= until:
                new_decided += 1
                deadline = deadline_of(term, policy, decision)
                late += deadline is not None and decision > deadline
        penalties += penalty_paid(term, question.penalties_by, policy)
    new = first + subsequent
    return StockFigures(
        taskforce_assigned=assigned,
        taskforce_decided_by=decided_by,
        first_applications=first,
        subsequent_applications=subsequent,
        share_decided=round(new_decided / new, 3) if new else 0.0,
        decided_late=late,
        penalties_paid_eur=penalties,
    )


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


#: The figures of one month (:func:`month_row`), in the order the report publishes them.
MONTH_FIGURES = (
    "taskforce_stock",
    "first_open_within_term",
    "first_open_past_term",
    "first_decided_within_term",
    "penalties_paid_eur",
    "side_inflow",
    *(f"late_{cause}" for cause in get_args(LateCause)),
)


def month_row(
    terms: Iterable[TermState], dublins: Iterable[DublinState], policy: Policy, end: date
) -> dict[str, Any]:
    """One month's figures at its last day `end`: the Taskforce stock; open first applications
    lodged since the cut-off, within and past their term; those decided within the term
    (cumulative); statutory penalties paid (cumulative, EUR: fixed by `end`, Awb 4:18); the
    side-inflow of the month; new applications decided late in the month, by cause
    (`term.late_cause`).

    Every figure is read off the states as of `end` only, so states that hold the facts known
    by `end` (a replay up to that day) give the month as it was known at its end."""
    cutoff = policy.taskforce_cutoff
    month_start = end.replace(day=1)
    row: dict[str, Any] = {"month": end.strftime("%Y-%m"), **dict.fromkeys(MONTH_FIGURES, 0)}
    for term in terms:
        decision = term.decision.on if term.decision is not None else None
        decided = decision is not None and decision <= end
        row["penalties_paid_eur"] += penalty_paid(term, end, policy)
        if in_taskforce(term, policy):
            row["taskforce_stock"] += not decided
            continue
        if not cutoff <= term.lodged_on <= end or term_start(term) is None:
            continue
        if decision is not None and decided and month_start <= decision:
            deadline_then = deadline_of(term, policy, decision)
            if deadline_then is not None and decision > deadline_then:
                row[f"late_{late_cause(term)}"] += 1
        if term.kind != "first":
            continue
        if not decided:
            deadline = deadline_of(term, policy, end)
            past = deadline is not None and end > deadline
            row["first_open_past_term" if past else "first_open_within_term"] += 1
        elif decision is not None:
            deadline_then = deadline_of(term, policy, decision)
            row["first_decided_within_term"] += deadline_then is None or decision <= deadline_then
    row["side_inflow"] = sum(
        1 for d in dublins if d.entered is not None and month_start <= d.entered[0] <= end
    )
    return row


def monthly_series(
    terms: Iterable[TermState], dublins: Iterable[DublinState], policy: Policy, until: date
) -> list[dict[str, Any]]:
    """:func:`month_row` of the same states at every month end from the cut-off's month to
    `until`. With the final states a month's figures can change as later facts arrive (a
    decision, an excluded outcome); the monthly report computes each month from the states as
    known at its end instead (caseflow/ops/report.py)."""
    terms, dublins = list(terms), list(dublins)
    return [
        month_row(terms, dublins, policy, end) for end in month_ends(policy.taskforce_cutoff, until)
    ]
