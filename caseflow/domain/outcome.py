"""What applying a fact yields: the new state, the events it emits, or a rejection with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from caseflow.domain.derived import Derived

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Rejection:
    """A schema-valid but legally impossible fact; `reason` is machine-readable, `detail` has no
    personal data."""

    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Applied(Generic[S]):
    """On rejection `state` is the unchanged input state and `emitted` is empty."""

    state: S
    emitted: list[Derived] = field(default_factory=list)
    rejection: Rejection | None = None
