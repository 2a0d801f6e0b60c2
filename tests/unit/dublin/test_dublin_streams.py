"""Every hand-computed Dublin stream through `caseflow replay`, checked field by field: the
case's Dublin view, the events emitted, the one side-inflow and the national term it starts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from caseflow.domain import Policy
from caseflow.domain.derived import DublinStageChanged, SideInflow
from caseflow.ops.replay import Replay, replay
from tests.unit.dublin.streams import STREAMS, Check, D, Stream

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CASES = [
    pytest.param(stream, check, id=f"{stream.case_id}@{check.until}")
    for stream in STREAMS
    for check in stream.checks
]


def run(stream: Stream, check: Check) -> Replay:
    return replay(stream.lines(), until=D(check.until), policy=Policy(), now=NOW)


def test_at_least_25_streams_beyond_the_domain_example() -> None:
    assert len({s.case_id for s in STREAMS}) >= 26


@pytest.mark.parametrize(("stream", "check"), CASES)
def test_stream(stream: Stream, check: Check) -> None:
    result = run(stream, check)
    document = result.as_json(Policy())
    case = document["cases"][stream.case_id]
    assert case["dublin"] == check.dublin

    run_ = result.runs[stream.case_id]
    if check.events is not None:
        emitted = [
            (e.TYPE.removeprefix("nl.asylum."), e.on.isoformat())
            for e in run_.dublin.emitted
            if not isinstance(e, DublinStageChanged)  # checked by test_stage_as_announced
        ]
        assert emitted == check.events

    inflows = [e for e in run_.dublin.emitted if isinstance(e, SideInflow)]
    if check.inflow is None:
        assert inflows == []
    else:
        [inflow] = inflows
        assert (inflow.on.isoformat(), inflow.reason) == check.inflow
        assert inflow.original_lodged_on.isoformat() == case["lodged_on"]
        # The side-inflow is published on case.events with `time` = the day NL became responsible.
        [envelope] = [e for e in document["emitted"] if e["id"] == inflow.id]
        assert envelope["type"] == "nl.asylum.national_procedure.entered"
        assert envelope["time"].startswith(check.inflow[0])
        assert envelope["data"]["reason"] == check.inflow[1]
        assert envelope["data"]["original_lodged_on"] == case["lodged_on"]
        assert "failed_transfers" in envelope["data"]["history"]

    if check.term is not None:
        assert (case["term"]["starts_on"], case["term"]["absolute_deadline"]) == check.term
    elif check.dublin is not None and check.inflow is None and case["term"] is not None:
        assert case["term"]["starts_on"] is None  # no national term while in Dublin

    refused = {(f.event_id, r.reason) for f, r in run_.dublin.rejected}
    assert refused == {(stream.event_id(i), reason) for i, reason in check.rejected}


@pytest.mark.parametrize(("stream", "check"), CASES)
def test_stage_as_announced(stream: Stream, check: Check) -> None:
    """A consumer of dublin.events knows the stage from the last event it read: every Dublin
    event carries the stage after it, and a change no other event announces comes as
    dublin.stage_changed (the side-inflow itself goes to case.events)."""
    result = run(stream, check)
    case = result.as_json(Policy())["cases"][stream.case_id]
    on_topic = [
        e for e in result.runs[stream.case_id].dublin.emitted if not isinstance(e, SideInflow)
    ]
    announced = getattr(on_topic[-1], "stage", None) if on_topic else None
    assert announced == (case["dublin"]["stage"] if case["dublin"] is not None else None)
