"""The Dublin service as the service host runs it: the Dublin fold over ``case.events`` with
durable timers.

It takes ticks straight from the clock and passes them on (stage ``dublin``) after publishing
what they caused, side-inflow included, so the deadline service never runs ahead of it. Its own
API (api.py) and business metrics (metrics.py) read the projection it keeps in schema ``dublin``.
"""

from __future__ import annotations

from caseflow.domain import Derived
from caseflow.domain.derived import SideInflow
from caseflow.events.topics import CASE_EVENTS, DUBLIN_EVENTS
from caseflow.pipeline.spec import FoldSpec
from caseflow.pipeline.timeline import DUBLIN
from caseflow.runtime.ticks import CLOCK_STAGE
from services.dublin.api import routes
from services.dublin.metrics import collectors
from services.dublin.views import projection


def route(event: Derived) -> str:
    """The side-inflow goes back onto case.events for the deadline service; the rest is ours."""
    return CASE_EVENTS.name if isinstance(event, SideInflow) else DUBLIN_EVENTS.name


FOLD = FoldSpec(
    name="dublin",
    fold=DUBLIN,
    route=route,
    tick_stage=CLOCK_STAGE,
    forward_stage="dublin",
    forward_topic=CASE_EVENTS.name,
    projection=projection,
    routes=routes,
    collectors=collectors,
)

SPEC = FOLD.service()
