"""`caseflow replay`: the whole pipeline offline — intake's admission, then the Dublin and the
deadline folds per case — with no Kafka and no database.

It runs the same functions the services run: intake's `admit` against an in-memory register,
and `timeline.advance` per case, first through the Dublin fold, whose side-inflow events then
enter the deadline fold exactly as they reach the deadline service over `case.events`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from caseflow.domain import Derived, DublinState, Fact, Policy, TermState, case_view
from caseflow.domain.derived import SideInflow
from caseflow.events.codec import DEFAULT_MAX_BYTES
from caseflow.pipeline.timeline import DUBLIN, TERM, Progress, advance
from caseflow.pipeline.translate import envelope_of, fact_of
from caseflow.runtime.policy import policy_from
from caseflow.runtime.settings import Settings
from services.intake.admission import Accepted, MemoryRegister, Origin, Rejected, admit


@dataclass(frozen=True, slots=True)
class AdmissionSettings:
    """The two settings admission reads (services.intake.admission.Settings)."""

    max_event_bytes: int
    cohort_cutoff: date


@dataclass(slots=True)
class CaseRun:
    """One case after the replay: both folds' progress."""

    dublin: Progress[Any]
    term: Progress[Any]

    @property
    def emitted(self) -> list[Derived]:
        return [*self.dublin.emitted, *self.term.emitted]


@dataclass(slots=True)
class Replay:
    as_of: date
    runs: dict[str, CaseRun]
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0

    def emitted(self) -> list[Derived]:
        """Every derived event, in order of its legal date (ties: case order, then emission)."""
        order = {case_id: i for i, case_id in enumerate(self.runs)}
        events = [
            (event.on, order[case_id], i, event)
            for case_id, run in self.runs.items()
            for i, event in enumerate(run.emitted)
        ]
        return [event for *_, event in sorted(events, key=lambda item: item[:3])]

    def as_json(self, policy: Policy) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cases": {
                case_id: case_view(run.term.state, run.dublin.state, self.as_of, policy)
                for case_id, run in sorted(self.runs.items())
                if run.term.state is not None or run.dublin.state is not None
            },
            "emitted": [
                envelope_of(event).model_dump(mode="json", exclude_none=True)
                for event in self.emitted()
            ],
            "rejected": self.rejected,
        }


def replay_case(facts: list[Fact], until: date, policy: Policy) -> CaseRun:
    """The Dublin fold first; its side-inflow facts then join the deadline fold's input."""
    dublin: Progress[DublinState] = advance(DUBLIN, None, facts, until, policy)
    inflows = [event.to_fact() for event in dublin.emitted if isinstance(event, SideInflow)]
    term: Progress[TermState] = advance(TERM, None, [*facts, *inflows], until, policy)
    return CaseRun(dublin, term)


@dataclass(slots=True)
class Admitted:
    """Partner events as intake admitted them: each case's facts, and what it refused."""

    facts: dict[str, list[Fact]]
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    #: The latest legal date of an admitted fact (None: nothing admitted).
    last_day: date | None = None


def admitted(
    lines: Iterable[bytes],
    *,
    policy: Policy,
    now: datetime,
    name: str = "-",
    settings: AdmissionSettings | None = None,
) -> Admitted:
    """Admit partner events (one CloudEvent per line) in order of `time`, ties in file order,
    with intake's `admit` against an in-memory register."""
    settings = settings or AdmissionSettings(DEFAULT_MAX_BYTES, policy.taskforce_cutoff)
    numbered = [(i, raw) for i, raw in enumerate(lines, start=1) if raw.strip()]
    register = MemoryRegister()
    result = Admitted({})
    for line, raw in sorted(numbered, key=lambda item: (_time_of(item[1]), item[0])):
        outcome = admit(
            raw,
            key=None,
            origin=Origin.file(name, line),
            partner=None,
            register=register,
            now=now,
            settings=settings,
        )
        if isinstance(outcome, Rejected):
            result.rejected.append(
                _rejection(
                    outcome.event_id, outcome.event_type, outcome.reason, outcome.detail, line
                )
            )
            continue
        if not isinstance(outcome, Accepted):
            result.duplicates += 1
            continue
        fact = fact_of(outcome.envelope)
        if fact is None:
            continue
        result.facts.setdefault(fact.case_id, []).append(fact)
        day = result.last_day
        result.last_day = fact.on if day is None else max(day, fact.on)
    return result


def replay(
    lines: Iterable[bytes],
    *,
    until: date | None,
    policy: Policy,
    now: datetime,
    name: str = "-",
    settings: AdmissionSettings | None = None,
) -> Replay:
    """Replay partner events (one CloudEvent per line) in order of `time`, ties in file order."""
    found = admitted(lines, policy=policy, now=now, name=name, settings=settings)
    as_of = until or found.last_day or now.date()
    runs = {
        case_id: replay_case(case_facts, as_of, policy)
        for case_id, case_facts in found.facts.items()
    }
    rejected = list(found.rejected)
    seen: set[str] = set()
    for run in runs.values():
        for fact, why in [*run.dublin.rejected, *run.term.rejected]:
            if fact.event_id not in seen:
                seen.add(fact.event_id)
                rejected.append(_rejection(fact.event_id, fact.TYPE, why.reason, why.detail))
    return Replay(as_of, runs, rejected, found.duplicates)


@dataclass(slots=True)
class _Known:
    """One case carried from day to day: each fold's state and the facts still ahead of it."""

    dublin_pending: list[Fact]
    term_pending: list[Fact] = field(default_factory=list)
    dublin: DublinState | None = None
    term: TermState | None = None
    first: date = date.max

    def __post_init__(self) -> None:
        self.term_pending = list(self.dublin_pending)
        self.first = min((f.on for f in self.dublin_pending), default=date.max)

    def advance(self, day: date, policy: Policy) -> None:
        """As :func:`replay_case`: the Dublin fold first, its side-inflow into the term fold."""
        dublin: Progress[DublinState] = advance(
            DUBLIN, self.dublin, self.dublin_pending, day, policy
        )
        inflows = [e.to_fact() for e in dublin.emitted if isinstance(e, SideInflow)]
        term: Progress[TermState] = advance(
            TERM, self.term, [*self.term_pending, *inflows], day, policy
        )
        self.dublin, self.dublin_pending = dublin.state, dublin.pending
        self.term, self.term_pending = term.state, term.pending


def as_known(
    facts: dict[str, list[Fact]], days: Iterable[date], policy: Policy
) -> Iterator[tuple[date, list[TermState], list[DublinState]]]:
    """Every case's term and Dublin states as known at the end of each of `days` (ascending):
    the facts dated up to that day, and the timers due by it, exactly as :func:`replay_case`
    with ``until`` that day — one replay carried on from day to day instead of one per day. A
    day's states hold nothing dated after it, so what is computed from them never changes when
    later facts arrive."""
    known = {case_id: _Known(list(case_facts)) for case_id, case_facts in facts.items()}
    for day in days:
        terms: list[TermState] = []
        dublins: list[DublinState] = []
        for case in known.values():
            if case.first > day:
                continue
            case.advance(day, policy)
            if case.term is not None:
                terms.append(case.term)
            if case.dublin is not None:
                dublins.append(case.dublin)
        yield day, terms, dublins


def replay_file(path: Path, until: date | None, settings: Settings) -> Replay:
    """:func:`replay` of a JSONL file with the settings' policy and admission limits."""
    with path.open("rb") as handle:
        return replay(
            handle,
            until=until,
            policy=policy_from(settings),
            now=datetime.now(UTC),
            name=path.name,
            settings=AdmissionSettings(settings.max_event_bytes, settings.cohort_cutoff),
        )


_UNREADABLE = datetime.min.replace(tzinfo=UTC)


def _time_of(raw: bytes) -> datetime:
    """Sort key: the event's time as an instant (offsets compared correctly). A record whose
    time cannot be read sorts first; admission then rejects it with its reason."""
    try:
        instant = datetime.fromisoformat(json.loads(raw)["time"])
    except (ValueError, TypeError, KeyError, RecursionError):
        return _UNREADABLE
    return instant if instant.tzinfo is not None else _UNREADABLE


def _rejection(
    event_id: str | None, event_type: str | None, reason: str, detail: str, line: int | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": event_id,
        "type": event_type,
        "reason": str(reason),
        "detail": detail,
    }
    if line is not None:
        entry["line"] = line
    return entry


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)
