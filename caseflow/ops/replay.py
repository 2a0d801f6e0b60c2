"""`caseflow replay`: the whole pipeline offline — intake's admission, then the Dublin and the
deadline folds per case — with no Kafka and no database.

It runs the same functions the services run: intake's `admit` against an in-memory register,
and `timeline.advance` per case, first through the Dublin fold, whose side-inflow events then
enter the deadline fold exactly as they reach the deadline service over `case.events`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
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
    settings = settings or AdmissionSettings(DEFAULT_MAX_BYTES, policy.taskforce_cutoff)
    numbered = [(i, raw) for i, raw in enumerate(lines, start=1) if raw.strip()]
    register = MemoryRegister()
    facts: dict[str, list[Fact]] = {}
    rejected: list[dict[str, Any]] = []
    duplicates = 0
    last_day: date | None = None
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
            rejected.append(
                _rejection(
                    outcome.event_id, outcome.event_type, outcome.reason, outcome.detail, line
                )
            )
            continue
        if not isinstance(outcome, Accepted):
            duplicates += 1
            continue
        fact = fact_of(outcome.envelope)
        if fact is None:
            continue
        facts.setdefault(fact.case_id, []).append(fact)
        last_day = fact.on if last_day is None else max(last_day, fact.on)
    as_of = until or last_day or now.date()
    runs = {
        case_id: replay_case(case_facts, as_of, policy) for case_id, case_facts in facts.items()
    }
    seen: set[str] = set()
    for run in runs.values():
        for fact, why in [*run.dublin.rejected, *run.term.rejected]:
            if fact.event_id not in seen:
                seen.add(fact.event_id)
                rejected.append(_rejection(fact.event_id, fact.TYPE, why.reason, why.detail))
    return Replay(as_of, runs, rejected, duplicates)


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
