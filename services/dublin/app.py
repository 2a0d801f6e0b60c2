"""Wiring of one Dublin worker: the Dublin fold over ``case.events`` with durable timers.

It takes ticks straight from the clock and passes them on (stage ``dublin``) after publishing
what they caused, side-inflow included, so the deadline service never runs ahead of it. Its own
API (api.py) and business metrics (metrics.py) read the projection it keeps in schema ``dublin``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from caseflow.domain import Derived
from caseflow.domain.derived import SideInflow
from caseflow.events.topics import CASE_EVENTS, DUBLIN_EVENTS
from caseflow.pipeline.service import FoldSpec, serve
from caseflow.pipeline.timeline import DUBLIN
from caseflow.runtime.settings import Settings
from caseflow.runtime.ticks import CLOCK_STAGE
from services.dublin.api import routes
from services.dublin.handlers import projection
from services.dublin.metrics import collectors


def route(event: Derived) -> str:
    """The side-inflow goes back onto case.events for the deadline service; the rest is ours."""
    return CASE_EVENTS.name if isinstance(event, SideInflow) else DUBLIN_EVENTS.name


SPEC = FoldSpec(
    name="dublin",
    fold=DUBLIN,
    migrations=Path(__file__).parent / "migrations",
    route=route,
    tick_stage=CLOCK_STAGE,
    forward_stage="dublin",
    forward_topic=CASE_EVENTS.name,
    port=lambda s: s.dublin_port,
    projection=projection,
    routes=routes,
    collectors=collectors,
)


def main(settings: Settings) -> None:
    asyncio.run(serve(SPEC, settings))
