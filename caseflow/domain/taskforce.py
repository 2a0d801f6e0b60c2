"""The Taskforce and the cohorts: which cohort a case belongs to by its lodging, and whether it
was assigned to the Taskforce — the backlog of cases in the national procedure and undecided on
the cut-off day. One definition each, for the case view, intake's enrichment, the figures and
the metrics alike; the cut-off is the policy's (``Policy.taskforce_cutoff``).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from caseflow.domain.rules import Policy
from caseflow.domain.term import TermState, term_start

Cohort = Literal["taskforce", "regular"]
TASKFORCE: Cohort = "taskforce"
REGULAR: Cohort = "regular"
COHORTS: tuple[Cohort, ...] = (TASKFORCE, REGULAR)


def cohort(lodged_on: date, cutoff: date) -> Cohort:
    """Taskforce if lodged before the cut-off (the 2020 backlog: before 1 Apr 2020), else
    regular. The cohort follows the first lodging alone, whatever happens later."""
    return TASKFORCE if lodged_on < cutoff else REGULAR


def assigned_to_taskforce(
    lodged_on: date, term_start: date | None, decided_on: date | None, cutoff: date
) -> bool:
    """Whether a case was in the Taskforce's assignment: lodged before the cut-off, its term
    running before it — in the national procedure, so not waiting for a Dublin transfer
    (Vw 2000 art. 42(6)) — and not decided before the cut-off day."""
    return (
        lodged_on < cutoff
        and term_start is not None
        and term_start < cutoff
        and (decided_on is None or decided_on >= cutoff)
    )


def in_taskforce(term: TermState, policy: Policy) -> bool:
    """:func:`assigned_to_taskforce` of a term state."""
    decided_on = term.decision.on if term.decision is not None else None
    return assigned_to_taskforce(
        term.lodged_on, term_start(term), decided_on, policy.taskforce_cutoff
    )


def goal_stock(assignment: int, today: date, start: date, goal: date) -> float:
    """The stock that is on track for the goal: a straight line from the whole assignment on
    the cut-off day to zero on the goal day."""
    if today <= start:
        return float(assignment)
    if today >= goal:
        return 0.0
    return assignment * (goal - today).days / (goal - start).days
