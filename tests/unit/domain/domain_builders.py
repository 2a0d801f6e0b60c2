"""Test helpers: feed facts through both folds the way the replay runner will, and tick days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from caseflow.domain import facts as f
from caseflow.domain.derived import Derived, SideInflow
from caseflow.domain.dublin import DublinState, apply_dublin, evaluate_dublin
from caseflow.domain.outcome import Rejection
from caseflow.domain.rules import Policy
from caseflow.domain.term import TermState, apply_term, deadline_of, evaluate_term, invalidate
from caseflow.domain.view import case_view

D = date
POLICY = Policy()


class Case:
    """One case run through the deadline and Dublin folds; side-inflow is fed back as a fact."""

    def __init__(self, case_id: str = "case-1", policy: Policy = POLICY) -> None:
        self.case_id = case_id
        self.policy = policy
        self.term: TermState | None = None
        self.dublin: DublinState | None = None
        self.emitted: list[Derived] = []
        self.rejections: list[Rejection] = []
        self.ticked: date | None = None
        self._n = 0

    # -- facts ------------------------------------------------------------------------------

    def make(self, cls: type[f.Fact], on: date, event_id: str | None = None, **data: Any) -> Any:
        self._n += 1
        return cls(
            event_id=event_id or f"{self.case_id}-e{self._n}",
            case_id=self.case_id,
            on=on,
            source="ind",
            **data,
        )

    def apply(self, fact: f.Fact) -> Rejection | None:
        """Apply to both folds; returns the first rejection (None when accepted)."""
        term = apply_term(self.term, fact, self.policy)
        dublin = apply_dublin(self.dublin, fact, self.policy)
        self.term, self.dublin = term.state, dublin.state
        self._emit([*term.emitted, *dublin.emitted])
        rejection = term.rejection or dublin.rejection
        if rejection is not None:
            self.rejections.append(rejection)
        return rejection

    def fact(self, cls: type[f.Fact], on: date, **data: Any) -> Rejection | None:
        return self.apply(self.make(cls, on, **data))

    def _emit(self, events: list[Derived]) -> None:
        self.emitted.extend(events)
        for event in events:
            if isinstance(event, SideInflow):
                result = apply_term(self.term, event.to_fact(), self.policy)
                assert result.rejection is None, result.rejection
                self.term = result.state
                self.emitted.extend(result.emitted)

    def lodge(self, on: date, track: int | None = 4, kind: str = "first", **kw: Any) -> None:
        assert (
            self.fact(f.ApplicationLodged, on, kind=kind, nationality="SYR", track=track, **kw)
            is None
        )

    def extend(self, on: date, months: int, ground: str = "complex", **kw: Any) -> Rejection | None:
        return self.fact(f.TermExtended, on, months=months, ground=ground, **kw)

    def suspend(self, on: date, ground: str = "info_request") -> Rejection | None:
        return self.fact(f.TermSuspended, on, ground=ground)

    def resume(self, on: date, ground: str = "info_request") -> Rejection | None:
        return self.fact(f.TermResumed, on, ground=ground)

    def decide(self, on: date, outcome: str = "granted") -> Rejection | None:
        return self.fact(f.DecisionIssued, on, outcome=outcome)

    def notice(self, on: date, sent_on: date | None = None) -> Rejection | None:
        return self.fact(f.NoticeOfDefaultReceived, on, sent_on=sent_on or on)

    def claim(
        self, on: date, kind: str = "take_charge", eurodac_hit: bool = False, **kw: Any
    ) -> Rejection | None:
        return self.fact(
            f.DublinClaimSent, on, member_state="DEU", kind=kind, eurodac_hit=eurodac_hit, **kw
        )

    def answer(self, on: date, accepted: bool) -> Rejection | None:
        return self.fact(f.DublinClaimAnswered, on, accepted=accepted)

    def hit(self, on: date, category: int = 1, member_state: str = "AT") -> Rejection | None:
        return self.fact(f.EurodacHitReceived, on, category=category, member_state=member_state)

    def track(self, on: date, track: int) -> Rejection | None:
        return self.fact(f.TrackAssigned, on, track=track)

    def mark(self, marking: f.InstrumentInvalidated) -> list[Derived]:
        """An instrument's marking applied to this case (one call per case, `invalidate`)."""
        assert self.term is not None
        self.term, events = invalidate(self.term, marking, self.policy)
        self.emitted.extend(events)
        return events

    # -- time -------------------------------------------------------------------------------

    def tick(self, today: date) -> list[Derived]:
        """Term timers, Dublin timers (side-inflow fed back), then the new term's timers."""
        before = len(self.emitted)
        self._tick_term(today)
        if self.dublin is not None:
            self.dublin, events = evaluate_dublin(self.dublin, today, self.policy)
            self._emit(events)
        self._tick_term(today)
        self.ticked = today
        return self.emitted[before:]

    def _tick_term(self, today: date) -> None:
        if self.term is not None:
            self.term, events = evaluate_term(self.term, today, self.policy)
            self.emitted.extend(events)

    def until(self, day: date) -> list[Derived]:
        """Tick every day from the last tick (or `day` itself) up to and including `day`."""
        start = self.ticked + timedelta(days=1) if self.ticked else day
        out: list[Derived] = []
        while start <= day:
            out.extend(self.tick(start))
            start += timedelta(days=1)
        return out

    # -- reading ----------------------------------------------------------------------------

    @property
    def deadline(self) -> date | None:
        assert self.term is not None
        return deadline_of(self.term, self.policy)

    def of_type(self, cls: type[Derived]) -> list[Any]:
        return [e for e in self.emitted if isinstance(e, cls)]

    def view(self, as_of: date) -> dict[str, Any]:
        return case_view(self.term, self.dublin, as_of, self.policy)
