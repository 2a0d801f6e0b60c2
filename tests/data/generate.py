"""A deterministic stream of partner events for the agreement and reliability tests: lodgings
across 2019-2020, decisions before, on and after the deadline, extensions, suspensions, notices
of default, court orders and Dublin claims (accepted, tacit, rejected, failed transfers).

`python -m tests.data.generate N SEED > FILE.jsonl` writes one; tests call :func:`stream`.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from caseflow.domain.calendar import days_after, months_after

START = date(2019, 1, 1)
SPAN_DAYS = 730  # lodgings over 2019-2020
NATIONALITIES = ("SYR", "ERI", "AFG", "TUR", "IRQ", "YEM", "IRN", "SOM", "MAR", "DZA")
MEMBER_STATES = ("DE", "BE", "FR", "IT", "ES", "AT", "SE", "PL")


def _event(case_id: str, n: int, kind: str, source: str, on: date, data: dict[str, Any]) -> dict:
    # The hour grows with the event's number in the case, so a case's events on one day keep
    # their order however the file is sorted.
    at = datetime.combine(on, time(6 + min(n, 12)), tzinfo=UTC)
    return {
        "specversion": "1.0",
        "id": f"{case_id}-{n}",
        "source": source,
        "type": f"nl.asylum.{kind}",
        "subject": case_id,
        "time": at.isoformat(),
        "data": data,
    }


def _case(case_id: str, rng: random.Random) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    def add(type_: str, source: str, on: date, **data: Any) -> None:
        events.append(_event(case_id, len(events) + 1, type_, source, on, data))

    lodged = days_after(START, rng.randrange(SPAN_DAYS))
    nationality = rng.choice(NATIONALITIES)
    dublin = rng.random() < 0.12
    if rng.random() < 0.5:
        add(
            "registration.recorded",
            "police",
            days_after(lodged, -rng.randrange(1, 10)),
            nationality=nationality,
            unaccompanied_minor=rng.random() < 0.05,
        )
    track = 1 if dublin else rng.choice((2, 4, 4, 4, None))
    lodging: dict[str, Any] = {"kind": "first", "nationality": nationality}
    if track is not None:
        lodging["track"] = track
    add("application.lodged", "ind", lodged, **lodging)
    start = lodged
    if dublin:
        sent = days_after(lodged, rng.randrange(5, 40))
        hit = rng.random() < 0.6
        claim: dict[str, Any] = {
            "member_state": rng.choice(MEMBER_STATES),
            "kind": rng.choice(("take_charge", "take_back")),
            "eurodac_hit": hit,
        }
        if hit:
            claim["eurodac_hit_on"] = days_after(lodged, 2).isoformat()
        add("dublin.claim.sent", "ind", sent, **claim)
        fate = rng.random()
        if fate < 0.15:
            add(
                "dublin.claim.answered",
                "ind",
                days_after(sent, rng.randrange(5, 25)),
                accepted=False,
            )
            return events + _national(case_id, len(events), rng, days_after(sent, 25))
        accepted_on = days_after(sent, rng.randrange(5, 30))
        if fate < 0.6:
            add("dublin.claim.answered", "ind", accepted_on, accepted=True)
        else:
            accepted_on = days_after(sent, 62)  # silence: tacit acceptance
        planned = days_after(accepted_on, rng.randrange(20, 120))
        add("dublin.transfer.scheduled", "dtv", planned, planned_on=planned.isoformat())
        if rng.random() < 0.4:
            add("dublin.transfer.completed", "dtv", planned, planned_on=planned.isoformat())
            if rng.random() < 0.5:
                add(
                    "decision.issued",
                    "ind",
                    days_after(planned, 3),
                    outcome="not_considered_dublin",
                )
            return events
        reason = rng.choice(("suspended", "suspended", "medical", "refused", "absconded"))
        add("dublin.transfer.failed", "dtv", planned, reason=reason)
        # The transfer term lapses (6 months, 18 after absconding): side-inflow, then the
        # national procedure; partner events dated after that follow.
        start = months_after(accepted_on, 18 if reason == "absconded" else 6)
        return events + _national(case_id, len(events), rng, days_after(start, 1))
    return events + _national(case_id, len(events), rng, start)


def _national(case_id: str, n: int, rng: random.Random, start: date) -> list[dict[str, Any]]:
    """The national procedure from `start`: hearings, extensions, suspensions, the decision,
    and for late cases notices of default and court orders."""
    events: list[dict[str, Any]] = []

    def add(type_: str, source: str, on: date, **data: Any) -> None:
        events.append(_event(case_id, n + len(events) + 1, type_, source, on, data))

    months = 6
    suspended = 0
    if rng.random() < 0.6:
        add(
            "hearing.held",
            "ind",
            days_after(start, rng.randrange(10, 60)),
            kind="first",
            mode="in_person",
        )
    if rng.random() < 0.18:
        add(
            "term.extended",
            "ind",
            days_after(start, rng.randrange(60, 170)),
            months=9,
            ground=rng.choice(("complex", "mass_influx")),
        )
        months += 9
        if rng.random() < 0.3:
            add("term.extended", "ind", months_after(start, 14), months=3, ground="exceptional")
            months += 3
    open_suspension = False
    if rng.random() < 0.12:
        s = days_after(start, rng.randrange(30, 150))
        ground = rng.choice(("info_request", "applicant_delay", "force_majeure", "consent"))
        add("term.suspended", "ind", s, ground=ground)
        if rng.random() < 0.8:
            suspended = rng.randrange(3, 60)
            add("term.resumed", "ind", days_after(s, suspended), ground=ground)
        else:
            open_suspension = True
    deadline = days_after(months_after(start, months), suspended)
    fate = rng.random()
    if open_suspension or fate < 0.2:
        return events  # still open
    late = rng.random() < 0.35
    if late and rng.random() < 0.6:
        received = days_after(deadline, rng.randrange(-10, 60))  # some before expiry: void
        add(
            "notice_of_default.received",
            rng.choice(("lawyer", "ind")),
            received,
            sent_on=days_after(received, -2).isoformat(),
        )
        if rng.random() < 0.25:
            add(
                "court.order.issued",
                "court",
                days_after(received, rng.randrange(30, 90)),
                decide_within_days=rng.choice((14, 28, 56)),
                penalty_per_day_eur=100,
                penalty_cap_eur=rng.choice((7500, 15000)),
            )
    if late:
        offset = rng.choice((1, 2, rng.randrange(3, 300)))
    else:
        offset = rng.choice((0, 0, -rng.randrange(1, 150)))
    decided = max(days_after(deadline, offset), days_after(start, 20))
    outcome = rng.choice(
        ("granted", "granted", "rejected", "manifestly_unfounded", "inadmissible", "withdrawn")
    )
    add("decision.issued", "ind", decided, outcome=outcome)
    return events


def stream(cases: int, seed: int = 2020) -> list[dict[str, Any]]:
    """The events of `cases` generated cases, in order of time (ties: generation order)."""
    rng = random.Random(seed)
    events = [e for i in range(cases) for e in _case(f"gen-{seed}-{i:06d}", rng)]
    order = {id(e): i for i, e in enumerate(events)}
    return sorted(events, key=lambda e: (e["time"], order[id(e)]))


def lines(cases: int, seed: int = 2020) -> list[bytes]:
    return [json.dumps(e).encode() for e in stream(cases, seed)]


def last_day(events: list[dict[str, Any]]) -> date:
    return max(datetime.fromisoformat(e["time"]).date() for e in events) + timedelta(days=1)


if __name__ == "__main__":
    count, seed = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2020
    sys.stdout.write("".join(line.decode() + "\n" for line in lines(count, seed)))
