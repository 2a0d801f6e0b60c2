"""The shape both folds of the legal core share: apply a fact, list the timers a state implies,
fire the due ones. The runners (caseflow.pipeline.timeline) compute a state's timers once and
pass them on; nothing is remembered between calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeAlias, TypeVar

from caseflow.domain.derived import Derived
from caseflow.domain.facts import InstrumentInvalidated

S = TypeVar("S")

#: What a state implies if no further fact arrives: an event due on a day, or (term fold) an
#: instrument marking to apply on the day of its ruling.
Timer: TypeAlias = tuple[date, Derived | InstrumentInvalidated]


@dataclass(frozen=True, slots=True)
class Fired(Generic[S]):
    """After firing: the new state, what was emitted with the day each fell due (in order), and
    the new state's timers, so the caller does not compute them again."""

    state: S
    events: list[tuple[date, Derived]]
    timers: Sequence[Timer]


def next_due(timers: Sequence[Timer]) -> date | None:
    """The first day on which one of these timers falls due."""
    return min((day for day, _ in timers), default=None)
