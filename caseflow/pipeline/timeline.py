"""One case's timeline: facts applied in canonical order with the timers stepped in between.

The deadline and Dublin services run exactly this per case on every tick, and so does the
offline replay, which is why the live pipeline and `caseflow replay` agree event for event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from caseflow.domain import (
    Applied,
    Derived,
    DublinState,
    Fact,
    Policy,
    Rejection,
    TermState,
    apply_dublin,
    apply_term,
    evaluate_dublin,
    evaluate_term,
    next_dublin_due,
    next_term_due,
)
from caseflow.domain.facts import NationalProcedureEntered

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Fold(Generic[S]):
    """A service's fold over facts: how to apply one, fire due timers, and find the next one."""

    name: str
    state_type: type[S]
    apply: Callable[[S | None, Fact, Policy], Applied[S | None]]
    evaluate: Callable[[S, date, Policy], tuple[S, list[Derived]]]
    next_due: Callable[[S, Policy], date | None]


TERM: Fold[TermState] = Fold("deadline", TermState, apply_term, evaluate_term, next_term_due)
DUBLIN: Fold[DublinState] = Fold(
    "dublin", DublinState, apply_dublin, evaluate_dublin, next_dublin_due
)


@dataclass(slots=True)
class Progress(Generic[S]):
    state: S | None
    emitted: list[Derived] = field(default_factory=list)
    rejected: list[tuple[Fact, Rejection]] = field(default_factory=list)
    #: Facts applied without rejection, in order.
    applied: list[Fact] = field(default_factory=list)
    #: Facts dated after the day reached: applied when the clock gets there.
    pending: list[Fact] = field(default_factory=list)
    #: Events fired by timers, with the day each fell due (for the firing-lag metric).
    timers: list[tuple[date, Derived]] = field(default_factory=list)

    def record(self, fired: list[tuple[date, Derived]]) -> None:
        self.timers.extend(fired)
        self.emitted.extend(event for _, event in fired)


def canonical(facts: Iterable[Fact]) -> list[Fact]:
    """Date order; on one day the side-inflow comes first (it is the consequence of the previous
    day's silence), then the partner facts in arrival order. Duplicate ids are kept once."""
    seen: set[str] = set()
    unique = []
    for fact in facts:
        if fact.event_id not in seen:
            seen.add(fact.event_id)
            unique.append(fact)
    return sorted(unique, key=lambda f: (f.on, not isinstance(f, NationalProcedureEntered)))


def step(
    fold: Fold[Any], state: S | None, today: date, policy: Policy
) -> tuple[S | None, list[tuple[date, Derived]]]:
    """Fire the timers due up to `today`, one due day at a time, in order."""
    fired: list[tuple[date, Derived]] = []
    while state is not None:
        due = fold.next_due(state, policy)
        if due is None or due > today:
            break
        state, events = fold.evaluate(state, due, policy)
        if not events:
            break
        fired.extend((due, event) for event in events)
    return state, fired


def advance(
    fold: Fold[Any], state: S | None, facts: Iterable[Fact], today: date, policy: Policy
) -> Progress[S]:
    """Apply the facts dated up to `today` in canonical order, each after the timers due by its
    date have fired, then fire the timers due up to `today`. Later facts stay pending."""
    progress: Progress[S] = Progress(state)
    for fact in canonical(facts):
        if fact.on > today:
            progress.pending.append(fact)
            continue
        progress.state, fired = step(fold, progress.state, fact.on, policy)
        progress.record(fired)
        applied = fold.apply(progress.state, fact, policy)
        if applied.rejection is not None:
            progress.rejected.append((fact, applied.rejection))
        else:
            progress.applied.append(fact)
        progress.state = applied.state
        progress.emitted.extend(applied.emitted)
    progress.state, fired = step(fold, progress.state, today, policy)
    progress.record(fired)
    return progress


def wake_on(fold: Fold[Any], state: Any, pending: Iterable[Fact], policy: Policy) -> date | None:
    """The next day this case needs attention: a timer falls due or a pending fact's date."""
    days = [f.on for f in pending]
    if state is not None and (due := fold.next_due(state, policy)) is not None:
        days.append(due)
    return min(days, default=None)
