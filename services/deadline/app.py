"""The deadline service as the service host runs it: the term fold over ``case.events`` with
durable timers, its operator API (api.py) and its business metrics (metrics.py).

Ticks arrive after the Dublin service has passed them on (stage ``dublin``), so a side-inflow
caused by a tick is always seen before that tick; they are passed on to ``case.deadlines``.
"""

from __future__ import annotations

from caseflow.events.topics import CASE_DEADLINES
from caseflow.pipeline.spec import FoldSpec
from caseflow.pipeline.timeline import TERM
from services.deadline.api import routes
from services.deadline.metrics import collectors
from services.deadline.views import projection

FOLD = FoldSpec(
    name="deadline",
    fold=TERM,
    route=lambda _event: CASE_DEADLINES.name,
    tick_stage="dublin",
    forward_stage="deadline",
    forward_topic=CASE_DEADLINES.name,
    projection=projection,
    routes=routes,
    collectors=collectors,
)

SPEC = FOLD.service()
