"""The intake's Prometheus metrics, on its service's registry (served at GET /metrics).

Process counters reset when a worker restarts; the ``caseflow_intake_ledger_*`` gauges carry
the durable totals from PostgreSQL (all workers, since the log began), refreshed periodically.
No case id in any label; ``partner`` takes only the bounded partner list or "unknown".
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.intake.admission import Outcome
from services.intake.ledger import Totals


class IntakeMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = r = registry if registry is not None else CollectorRegistry()
        self.events = Counter(
            "caseflow_intake_events",
            "Events received, by partner and outcome (accepted, duplicate, rejected).",
            ["partner", "outcome"],
            registry=r,
        )
        self.rejections = Counter(
            "caseflow_intake_rejections", "Rejected events by reason.", ["reason"], registry=r
        )
        self.processing = Histogram(
            "caseflow_intake_processing_seconds",
            "Time to judge, publish and record one batch (Kafka poll or HTTP request).",
            ["origin"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.last_processed = Gauge(
            "caseflow_intake_last_processed_timestamp_seconds",
            "Unix time at which the last batch was recorded.",
            registry=r,
        )
        self.lag = Gauge(
            "caseflow_intake_consumer_lag_records",
            "Records on partner.events not yet consumed (high-water mark minus position).",
            ["partition"],
            registry=r,
        )
        self.http_requests = Counter(
            "caseflow_intake_http_requests",
            "POST /v1/events requests by status code.",
            ["status"],
            registry=r,
        )
        self.ledger_events = Gauge(
            "caseflow_intake_ledger_events",
            "Events recorded in PostgreSQL by partner and outcome, all workers, never reset.",
            ["partner", "outcome"],
            registry=r,
        )
        self.ledger_rejections = Gauge(
            "caseflow_intake_ledger_rejections",
            "Rejections recorded in PostgreSQL by reason, all workers, never reset.",
            ["reason"],
            registry=r,
        )

    def observe(self, outcomes: Iterable[Outcome], origin: str, seconds: float) -> None:
        # Counted per batch first: a labels() lookup per event is measurable on the hot path.
        events: Tally[tuple[str, str]] = Tally()
        reasons: Tally[str] = Tally()
        for o in outcomes:
            events[(o.partner, o.outcome)] += 1
            if o.reason is not None:
                reasons[o.reason] += 1
        for (partner, outcome), n in events.items():
            self.events.labels(partner, outcome).inc(n)
        for reason, n in reasons.items():
            self.rejections.labels(reason).inc(n)
        self.processing.labels(origin).observe(seconds)
        self.last_processed.set(time.time())

    def set_lag(self, lag: Mapping[int, int]) -> None:
        for partition, records in lag.items():
            self.lag.labels(str(partition)).set(records)

    def set_totals(self, totals: Totals) -> None:
        by_partner: dict[tuple[str, str], int] = {}
        by_reason: dict[str, int] = {}
        for (_origin, partner, outcome, reason), n in totals.events.items():
            by_partner[(partner, outcome)] = by_partner.get((partner, outcome), 0) + n
            if outcome == "rejected":
                by_reason[reason] = by_reason.get(reason, 0) + n
        for (partner, outcome), n in by_partner.items():
            self.ledger_events.labels(partner, outcome).set(n)
        for reason, n in by_reason.items():
            self.ledger_rejections.labels(reason).set(n)
