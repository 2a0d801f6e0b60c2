"""The intake service as the service host runs it: the PostgreSQL ledger, the batch procedure
(pipeline.py) on its source topic, and the partners' HTTP door (web.py) — the same procedure
behind both.
"""

from __future__ import annotations

import logging
from typing import Any

from caseflow.runtime.clock import SystemClock
from caseflow.runtime.host import Host, Lag, Parts, Place, ServiceSpec
from caseflow.runtime.operator import operator_token
from services.intake.metrics import IntakeMetrics
from services.intake.partners import Partners
from services.intake.pipeline import Intake
from services.intake.store import PostgresLedger
from services.intake.web import routes

log = logging.getLogger(__name__)


async def plug(host: Host) -> Parts:
    settings = host.settings
    ledger = PostgresLedger(host.need_pool(), host.schema)
    metrics = IntakeMetrics(host.registry)
    intake = Intake(
        ledger, host.need_publisher(), settings=settings, clock=SystemClock(), metrics=metrics
    )
    partners = Partners.load(settings.partners_file)
    if not partners:
        log.warning("no partners file (CASEFLOW_PARTNERS_FILE): HTTP intake answers 401")

    async def refresh(lag: Lag) -> None:
        metrics.set_lag({tp.partition: n for tp, n in lag.items()})
        metrics.set_totals(await ledger.totals())

    return Parts(
        handle=intake.on_records,
        service=intake,
        routes=routes(
            intake,
            partners,
            ledger,
            max_body_bytes=settings.intake_max_body_bytes,
            max_batch_events=settings.intake_max_batch_events,
            rate_per_second=settings.intake_rate_per_second,
            operator_token=operator_token(settings),
        ),
        refresh=refresh,
        consumer_lag=False,
        # A little headroom so an over-long body reaches our own 413, not aiohttp's plain one.
        max_body_bytes=settings.intake_max_body_bytes + 1,
    )


def _describe(place: Place) -> dict[str, Any]:
    return {"topic": place.topics[0]}


SPEC = ServiceSpec("intake", plug, describe=_describe)
