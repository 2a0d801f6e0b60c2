"""Wiring of one deadline worker: the term fold over ``case.events`` with durable timers.

Ticks arrive after the Dublin service has passed them on (stage ``dublin``), so a side-inflow
caused by a tick is always seen before that tick; they are passed on to ``case.deadlines``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from caseflow.events.topics import CASE_DEADLINES
from caseflow.pipeline.service import FoldSpec, serve
from caseflow.pipeline.timeline import TERM
from caseflow.runtime.settings import Settings
from services.deadline.api import routes
from services.deadline.handlers import projection
from services.deadline.metrics import collectors

SPEC = FoldSpec(
    name="deadline",
    fold=TERM,
    migrations=Path(__file__).parent / "migrations",
    route=lambda _event: CASE_DEADLINES.name,
    tick_stage="dublin",
    forward_stage="deadline",
    forward_topic=CASE_DEADLINES.name,
    port=lambda s: s.deadline_port,
    projection=projection,
    routes=routes,
    collectors=collectors,
)


def main(settings: Settings) -> None:
    asyncio.run(serve(SPEC, settings))
