"""Domain states survive the round trip through JSON snapshots unchanged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from caseflow.domain import DublinState, Policy, TermState
from caseflow.ops.replay import replay
from caseflow.pipeline.store import dump_fact, load_fact
from caseflow.pipeline.timeline import canonical
from caseflow.runtime import snapshot

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample.jsonl"


def test_every_state_of_the_sample_round_trips_through_json() -> None:
    result = replay(
        SAMPLE.read_bytes().splitlines(),
        until=date(2021, 3, 1),
        policy=Policy(),
        now=datetime.now(UTC),
    )
    checked = 0
    for run in result.runs.values():
        for state, kind in ((run.term.state, TermState), (run.dublin.state, DublinState)):
            if state is None:
                continue
            text = json.dumps(snapshot.dump(state))
            assert snapshot.load(kind, json.loads(text)) == state
            checked += 1
    assert checked >= 6


def test_facts_round_trip_with_their_type() -> None:
    result = replay(
        SAMPLE.read_bytes().splitlines(), until=None, policy=Policy(), now=datetime.now(UTC)
    )
    facts = [f for run in result.runs.values() for f in run.term.applied]
    assert facts
    for fact in canonical(facts):
        assert load_fact(json.loads(json.dumps(dump_fact(fact)))) == fact
