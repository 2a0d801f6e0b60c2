"""One case's timeline: facts applied in canonical order with the timers stepped in between.

The deadline and Dublin services run exactly this per case on every tick, and so does the
offline replay, which is why the live pipeline and `caseflow replay` agree event for event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from caseflow.domain import (
    Applied,
    Derived,
    DublinState,
    Fact,
    Fired,
    Policy,
    Rejection,
    TermState,
    Timer,
    apply_dublin,
    apply_term,
    dublin_timers,
    fire_dublin,
    fire_term,
    term_timers,
)
from caseflow.domain.facts import order_key
from caseflow.domain.fold import next_due

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Fold(Generic[S]):
    """A service's fold over facts: how to apply one, which timers a state implies, and how to
    fire the due ones (which hands back the new state's timers)."""

    name: str
    state_type: type[S]
    apply: Callable[[S | None, Fact, Policy], Applied[S | None]]
    timers: Callable[[S, Policy], Sequence[Timer]]
    fire: Callable[[S, Sequence[Timer], date, Policy], Fired[S]]


TERM: Fold[TermState] = Fold("deadline", TermState, apply_term, term_timers, fire_term)
DUBLIN: Fold[DublinState] = Fold("dublin", DublinState, apply_dublin, dublin_timers, fire_dublin)


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
    #: The final state's timers, once `advance` computed them.
    due: Sequence[Timer] | None = None

    def record(self, fired: list[tuple[date, Derived]]) -> None:
        self.timers.extend(fired)
        self.emitted.extend(event for _, event in fired)

    def wake_on(self, fold: Fold[Any], policy: Policy) -> date | None:
        """The next day this case needs attention (see `wake_on`), from the timers `advance`
        left when it ran."""
        return wake_on(fold, self.state, self.pending, policy, self.due)


def canonical(facts: Iterable[Fact]) -> list[Fact]:
    """Date order (`order_key`): on one day a side-inflow caused by the previous day's silence
    first, then the partner facts in arrival order, then a side-inflow a fact of that day
    established. Duplicate ids are kept once."""
    seen: set[str] = set()
    unique = []
    for fact in facts:
        if fact.event_id not in seen:
            seen.add(fact.event_id)
            unique.append(fact)
    return sorted(unique, key=order_key)


def step(
    fold: Fold[Any], state: S | None, today: date, policy: Policy
) -> tuple[S | None, list[tuple[date, Derived]], Sequence[Timer] | None]:
    """Fire the timers due up to `today`, in order; the state's timers are computed once and
    handed on by each firing. Returns the state, what fired, and the final state's timers."""
    if state is None:
        return state, [], None
    fired: list[tuple[date, Derived]] = []
    timers = fold.timers(state, policy)
    while (due := next_due(timers)) is not None and due <= today:
        result = fold.fire(state, timers, today, policy)
        state, timers = result.state, result.timers
        fired.extend(result.events)
    return state, fired, timers


def advance(
    fold: Fold[Any], state: S | None, facts: Iterable[Fact], today: date, policy: Policy
) -> Progress[S]:
    """Apply the facts due up to `today` in canonical order, each after the timers due by its
    day have fired, then fire the timers due up to `today`. Later facts stay pending."""
    progress: Progress[S] = Progress(state)
    for fact in canonical(facts):
        day = order_key(fact)[0]
        if day > today:
            progress.pending.append(fact)
            continue
        progress.state, fired, _ = step(fold, progress.state, day, policy)
        progress.record(fired)
        applied = fold.apply(progress.state, fact, policy)
        if applied.rejection is not None:
            progress.rejected.append((fact, applied.rejection))
        else:
            progress.applied.append(fact)
        progress.state = applied.state
        progress.emitted.extend(applied.emitted)
    progress.state, fired, progress.due = step(fold, progress.state, today, policy)
    progress.record(fired)
    return progress


def wake_on(
    fold: Fold[Any],
    state: Any,
    pending: Iterable[Fact],
    policy: Policy,
    timers: Sequence[Timer] | None = None,
) -> date | None:
    """The next day this case needs attention: a timer falls due or a pending fact's day comes.
    `timers` are the state's, when the caller has them."""
    days = [order_key(f)[0] for f in pending]
    if state is not None:
        due = next_due(timers if timers is not None else fold.timers(state, policy))
        if due is not None:
            days.append(due)
    return min(days, default=None)
