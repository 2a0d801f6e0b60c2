"""The Dublin business metrics (``caseflow_dublin_…``), computed on scrape from the service's
PostgreSQL projection so that every worker reports the same durable totals, cached a few
seconds (caseflow.runtime.scrape) so that several scrapers do not multiply the queries.
Labels are bounded: stage, outcome, failure and side-inflow reasons, window, and the enumerated
Dublin member states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from caseflow.domain.dublin import OPEN_STAGES
from caseflow.runtime.scrape import ScrapeCollector
from services.dublin.store import DublinReader
from services.dublin.views import (
    EXPIRING_WINDOWS,
    FAILURE_REASONS,
    SIDE_INFLOW_REASONS,
    Figures,
)

if TYPE_CHECKING:
    from caseflow.pipeline.spec import RunningFold


def families(figures: Figures) -> list[Metric]:
    """The metric families of one set of figures; known label values are always present (at
    0) so that rates and alerts see a series before the first event of its kind."""
    open_claims = GaugeMetricFamily(
        "caseflow_dublin_open_claims",
        "Dublin procedures still running, by stage.",
        labels=["stage"],
    )
    for stage in OPEN_STAGES:
        open_claims.add_metric([stage], figures.open_by_stage.get(stage, 0))
    by_state = GaugeMetricFamily(
        "caseflow_dublin_open_claims_by_member_state",
        "Claims sent and not concluded, by requested member state.",
        labels=["member_state"],
    )
    for state, n in sorted(figures.open_by_member_state.items()):
        by_state.add_metric([state], n)
    transfers = CounterMetricFamily(
        "caseflow_dublin_transfers",
        "Transfers completed, and transfer attempts failed by reason.",
        labels=["outcome", "reason"],
    )
    transfers.add_metric(["completed", ""], figures.transfers.get(("completed", ""), 0))
    failed = {reason for outcome, reason in figures.transfers if outcome == "failed"}
    for reason in sorted(failed | set(FAILURE_REASONS)):
        transfers.add_metric(["failed", reason], figures.transfers.get(("failed", reason), 0))
    inflow = CounterMetricFamily(
        "caseflow_dublin_side_inflow",
        "Cases that entered the national procedure (zij-instroom), by reason.",
        labels=["reason"],
    )
    for reason in sorted(set(SIDE_INFLOW_REASONS) | set(figures.side_inflow)):
        inflow.add_metric([reason], figures.side_inflow.get(reason, 0))
    found: list[Metric] = [open_claims, by_state, transfers, inflow]
    if figures.as_of is not None:
        expiring = GaugeMetricFamily(
            "caseflow_dublin_claims_expiring",
            "Accepted claims whose transfer deadline falls within the window from the pipeline "
            "day.",
            labels=["within_days"],
        )
        for days in EXPIRING_WINDOWS:
            expiring.add_metric([str(days)], figures.expiring.get(days, 0))
        found.append(expiring)
    return found


async def compute(reader: DublinReader) -> list[Metric]:
    return families(await reader.figures())


def collectors(fold: RunningFold) -> list[Collector]:
    reader = DublinReader(fold.pool, fold.schema)
    return [ScrapeCollector(lambda: compute(reader), name="dublin")]
