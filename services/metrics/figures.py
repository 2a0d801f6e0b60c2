"""The business figures of the metrics service, computed from the projection's aggregates as of
the pipeline day: stock, deadlines, penalties (with the legal core's arithmetic), the forecast.

Pure functions over plain values; the store reads the aggregates, the collector formats them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from caseflow.domain.penalty import accrue
from caseflow.domain.taskforce import assigned_to_taskforce
from caseflow.events.envelope import LEGAL_TZ, legal_date_of
from caseflow.runtime.ticks import CLOCK_STAGE as SOURCE_STAGE

#: The stage of the ticks the pipeline clock is taken from (see services.metrics.handlers).
CLOCK_STAGE = "deadline"
#: The 2020 letter's goal: the Taskforce backlog cleared by mid-2021.
TASKFORCE_GOAL = date(2021, 7, 1)
#: The decision rate of the forecast is measured over this many days of pipeline time.
FORECAST_WINDOW_DAYS = 28
#: Cumulative time-to-deadline buckets, in days (0 = due today, still on time).
DUE_WITHIN_DAYS = (7, 14, 28, 56)
TRANSFER_DUE_WITHIN_DAYS = (7, 28)
#: Dublin stages of a claim that is not concluded.
OPEN_STAGES = ("claim_sent", "accepted", "transfer_scheduled")


@dataclass(frozen=True, slots=True)
class Family:
    """One metric family: name (counters end in ``_total``), kind, help, label names, samples."""

    name: str
    kind: str
    help: str
    labels: tuple[str, ...]
    samples: list[tuple[tuple[str, ...], float]]


@dataclass(frozen=True, slots=True)
class PenaltyRow:
    """The penalty columns of one case (``p`` is "stat" or "court")."""

    decided_on: date | None
    first_day: date
    rates: tuple[int, ...]
    tier_days: int
    cap_eur: int
    final_eur: int | None


def penalty_figures(rows: Iterable[PenaltyRow], kind: str, today: date) -> tuple[int, int, int]:
    """(accrued, exposure, running) in euros/cases as of ``today``, by the legal core's accrual
    (caseflow.domain.penalty.accrue: tiers, cap, the decision day no day of default).

    Accrued: a decided case's final amount from decision.late, else what accrued up to today
    (or up to the decision). Exposure: what the open cases would cost if each were decided
    today. Running: open cases whose penalty has started and not reached its cap.
    """
    accrued = exposure = running = 0
    for p in rows:
        terms = (kind, p.first_day, p.rates, p.tier_days, p.cap_eur)
        if p.decided_on is not None:
            decided = accrue(*terms, p.decided_on, p.decided_on).accrued_eur
            accrued += p.final_eur if p.final_eur is not None else decided
            continue
        now = accrue(*terms, today, None)
        accrued += now.accrued_eur
        exposure += accrue(*terms, today, today).accrued_eur
        running += p.first_day <= today and now.accrued_eur < p.cap_eur
    return accrued, exposure, running


def forecast(stock: int, decisions_in_window: int, today: date) -> tuple[date | None, float]:
    """The day the Taskforce stock reaches zero at the recent decision rate; None if never.

    Returns (day, days_from_today). Rate = decisions in the last 28 pipeline days / 28.
    """
    if stock <= 0:
        return today, 0.0
    if decisions_in_window <= 0:
        return None, math.inf
    days = math.ceil(stock * FORECAST_WINDOW_DAYS / decisions_in_window)
    return today + timedelta(days=days), float(days)


def taskforce(
    backlog: Iterable[tuple[date, date | None, date | None, bool, int]], cutoff: date
) -> tuple[int, int, int]:
    """(assigned, decided, decided in the forecast window) of the Taskforce, by the domain's one
    predicate (caseflow.domain.taskforce.assigned_to_taskforce)."""
    assigned = decided = recent = 0
    for lodged_on, term_start, decided_on, in_window, n in backlog:
        if assigned_to_taskforce(lodged_on, term_start, decided_on, cutoff):
            assigned += n
            decided += n if decided_on is not None else 0
            recent += n if in_window else 0
    return assigned, decided, recent


def day_start(day: date) -> float:
    """A legal day as a Unix time: midnight in Amsterdam."""
    return datetime.combine(day, time(0), tzinfo=LEGAL_TZ).timestamp()


def goal_stock(assignment: int, today: date, start: date, goal: date = TASKFORCE_GOAL) -> float:
    """The stock that is on track for the goal: a straight line from the whole assignment on
    the cut-off day to zero on the goal day."""
    if today <= start:
        return float(assignment)
    if today >= goal:
        return 0.0
    return assignment * (goal - today).days / (goal - start).days


def pipeline_clock(
    ticks: Sequence[tuple[str, datetime, str]],
) -> tuple[datetime | None, str | None]:
    """The earliest deadline-stage partition clock (a lagging partition holds the clock back)
    and the mode of the latest tick straight from the clock (live or simulated)."""
    clocks = [at for stage, at, _mode in ticks if stage == CLOCK_STAGE]
    sources = [(at, mode) for stage, at, mode in ticks if stage == SOURCE_STAGE]
    mode = max(sources)[1] if sources else None
    return (min(clocks) if clocks else None), mode


def legal_today(clock: datetime | None) -> date | None:
    return legal_date_of(clock) if clock is not None else None


def clock_lag_seconds(clock: datetime, now: datetime | None = None) -> float:
    return ((now or datetime.now(UTC)) - clock).total_seconds()


@dataclass
class Aggregates:
    """Everything the figures are computed from, read in one snapshot transaction."""

    clock: list[tuple[str, datetime, str]] = field(default_factory=list)
    event_counts: list[tuple[str, str, str | None, int, int]] = field(default_factory=list)
    open_cases: list[tuple[str, str, str, int]] = field(default_factory=list)
    #: (lodged_on, term_start, decided_on, decided in the forecast window, cases) of every case
    #: lodged before the cut-off: the inputs of the Taskforce predicate.
    backlog: list[tuple[date, date | None, date | None, bool, int]] = field(default_factory=list)
    decisions: list[tuple[str, str, int]] = field(default_factory=list)
    breaches: list[tuple[str, int]] = field(default_factory=list)
    due: list[tuple[str, int, int]] = field(default_factory=list)
    overdue: list[tuple[str, int]] = field(default_factory=list)
    penalties: dict[str, list[PenaltyRow]] = field(default_factory=dict)
    claims: list[tuple[str, int]] = field(default_factory=list)
    transfers_due: list[tuple[int, int]] = field(default_factory=list)
    deadlines_after: list[date] = field(default_factory=list)


COHORTS = ("taskforce", "regular")
PENALTY_KINDS = ("statutory", "court")
TRANSFER_OUTCOMES = ("completed", "failed", "expired")


def figures(agg: Aggregates, cohort_cutoff: date, now: datetime | None = None) -> list[Family]:
    """Every business metric of the projection, as of the pipeline day (the clock's legal day).

    Known label values always get a sample (zero when nothing happened), so that an alert or a
    dashboard sees 0 rather than an absent series.
    """
    clock, mode = pipeline_clock(agg.clock)
    today = legal_today(clock)
    counts: dict[tuple[str, str | None], tuple[int, int]] = {}
    per_topic: dict[str, int] = {}
    for topic, kind, label, n, eur in agg.event_counts:
        old = counts.get((kind, label), (0, 0))
        counts[(kind, label)] = (old[0] + n, old[1] + eur)
        per_topic[topic] = per_topic.get(topic, 0) + n

    def by_label(kind: str) -> dict[str, int]:
        return {str(label): n for (k, label), (n, _eur) in counts.items() if k == kind}

    out: list[Family] = []

    def add(name: str, kind: str, help_: str, labels: tuple[str, ...], samples: Any) -> None:
        out.append(Family(name, kind, help_, labels, [(tuple(k), float(v)) for k, v in samples]))

    add(
        "caseflow_open_cases",
        "gauge",
        "Open (lodged, undecided) cases by cohort, track and phase.",
        ("cohort", "track", "phase"),
        [((c, t, p), n) for c, t, p, n in agg.open_cases],
    )
    assigned, decided, window_decisions = taskforce(agg.backlog, cohort_cutoff)
    add(
        "caseflow_taskforce_assignment_cases",
        "gauge",
        "Taskforce assignment: cases lodged before the cohort cut-off, in the national procedure "
        "and undecided on it.",
        (),
        [((), assigned)],
    )
    add(
        "caseflow_taskforce_decided_cases",
        "gauge",
        "Taskforce cases decided (the burn-down).",
        (),
        [((), decided)],
    )
    add(
        "caseflow_taskforce_open_cases",
        "gauge",
        "Taskforce stock: assignment minus decided.",
        (),
        [((), assigned - decided)],
    )
    add(
        "caseflow_taskforce_goal_timestamp_seconds",
        "gauge",
        "The goal for clearing the Taskforce stock (mid-2021), as a Unix time.",
        (),
        [((), day_start(TASKFORCE_GOAL))],
    )
    lodged = by_label("application.lodged")
    add(
        "caseflow_applications_lodged_total",
        "counter",
        "Applications lodged, by kind.",
        ("kind",),
        [((k,), lodged.get(k, 0)) for k in sorted({"first", "subsequent", *lodged})],
    )
    decisions = {(c, t): n for c, t, n in agg.decisions}
    add(
        "caseflow_decisions_total",
        "counter",
        "Decisions by cohort and timeliness (within the term or late).",
        ("cohort", "timeliness"),
        [
            ((c, t), decisions.get((c, t), 0))
            for c in sorted({*COHORTS, *(c for c, _ in decisions)})
            for t in ("within", "late")
        ],
    )
    breaches = dict(agg.breaches)
    add(
        "caseflow_breaches_total",
        "counter",
        "Deadlines breached (deadline.breached), by cohort.",
        ("cohort",),
        [((c,), breaches.get(c, 0)) for c in sorted({*COHORTS, *breaches})],
    )
    warnings = by_label("deadline.warning")
    add(
        "caseflow_warnings_total",
        "counter",
        "Deadline warnings issued, by days before the deadline.",
        ("threshold_days",),
        sorted(((k,), n) for k, n in warnings.items()),
    )
    for kind in PENALTY_KINDS:
        counts.setdefault(("penalty.capped", kind), (0, 0))
    add(
        "caseflow_penalty_capped_total",
        "counter",
        "Penalties that reached their cap, by kind.",
        ("kind",),
        [((k,), counts[("penalty.capped", k)][0]) for k in PENALTY_KINDS],
    )
    add(
        "caseflow_penalty_capped_euros_total",
        "counter",
        "Sum of the caps of penalties that reached them, by kind.",
        ("kind",),
        [((k,), counts[("penalty.capped", k)][1]) for k in PENALTY_KINDS],
    )
    transfers = {
        "completed": counts.get(("dublin.transfer.completed", "completed"), (0, 0))[0],
        "failed": sum(by_label("dublin.transfer.failed").values()),
        "expired": counts.get(("transfer.deadline_expired", "expired"), (0, 0))[0],
    }
    add(
        "caseflow_transfers_total",
        "counter",
        "Dublin transfers by outcome (completed, failed attempt, transfer deadline expired).",
        ("outcome",),
        [((o,), transfers[o]) for o in TRANSFER_OUTCOMES],
    )
    add(
        "caseflow_transfer_failures_total",
        "counter",
        "Failed Dublin transfer attempts, by reason.",
        ("reason",),
        sorted(((k,), n) for k, n in by_label("dublin.transfer.failed").items()),
    )
    inflow = by_label("national_procedure.entered")
    add(
        "caseflow_side_inflow_total",
        "counter",
        "Dublin cases that entered the national procedure (zij-instroom), by reason.",
        ("reason",),
        [
            ((r,), inflow.get(r, 0))
            for r in sorted(
                {"transfer_expired", "claim_rejected", "request_deadline_missed", *inflow}
            )
        ],
    )
    claims = dict(agg.claims)
    add(
        "caseflow_claims_open",
        "gauge",
        "Open Dublin claims, by stage.",
        ("stage",),
        [((s,), claims.get(s, 0)) for s in OPEN_STAGES],
    )
    dead = by_label("dead_letter")
    add(
        "caseflow_dead_letters_total",
        "counter",
        "Dead letters on intake.rejected, by reason.",
        ("reason",),
        sorted(((k,), n) for k, n in dead.items()),
    )
    add(
        "caseflow_metrics_events_total",
        "counter",
        "Distinct events projected by the metrics service, by topic.",
        ("topic",),
        sorted(((t,), n) for t, n in per_topic.items()),
    )
    if clock is not None:
        add(
            "caseflow_pipeline_clock_timestamp_seconds",
            "gauge",
            "The pipeline clock: the latest tick processed, as a Unix time.",
            ("service",),
            [(("metrics",), clock.timestamp())],
        )
        add(
            "caseflow_pipeline_clock_lag_seconds",
            "gauge",
            "Wall clock minus the pipeline clock (grows when ticks stop arriving).",
            ("service",),
            [(("metrics",), clock_lag_seconds(clock, now))],
        )
        add(
            "caseflow_pipeline_clock_simulated",
            "gauge",
            "1 when the pipeline clock is simulated (scenario runs), 0 when live.",
            (),
            [((), 1 if mode == "simulated" else 0)],
        )
    if today is None:
        return out
    add(
        "caseflow_taskforce_goal_stock_cases",
        "gauge",
        "Taskforce stock on track for the goal: a straight line from the assignment on the "
        "cut-off day to zero on the goal day, at the pipeline day.",
        (),
        [((), goal_stock(assigned, today, cohort_cutoff))],
    )
    due = {(c, d): n for c, d, n in agg.due}
    cohorts = sorted({*COHORTS, *(c for c, _ in due)})
    add(
        "caseflow_open_cases_due",
        "gauge",
        "Open cases whose deadline is 0 to within_days days after the pipeline day (cumulative).",
        ("cohort", "within_days"),
        [((c, str(d)), due.get((c, d), 0)) for c in cohorts for d in DUE_WITHIN_DAYS],
    )
    overdue = dict(agg.overdue)
    add(
        "caseflow_open_cases_overdue",
        "gauge",
        "Open cases past their deadline (past the term) at the pipeline day.",
        ("cohort",),
        [((c,), overdue.get(c, 0)) for c in cohorts],
    )
    accrued, exposure, running = {}, {}, {}
    for kind in PENALTY_KINDS:
        accrued[kind], exposure[kind], running[kind] = penalty_figures(
            agg.penalties.get(kind, []), kind, today
        )
    add(
        "caseflow_penalty_accrued_euros",
        "gauge",
        "Penalty payments accrued up to the pipeline day, all cases, by kind.",
        ("kind",),
        [((k,), accrued[k]) for k in PENALTY_KINDS],
    )
    add(
        "caseflow_penalty_exposure_euros",
        "gauge",
        "Penalty due if every open case with a running penalty were decided at the pipeline day.",
        ("kind",),
        [((k,), exposure[k]) for k in PENALTY_KINDS],
    )
    add(
        "caseflow_penalty_running_cases",
        "gauge",
        "Open cases whose penalty accrues at the pipeline day (started, cap not reached).",
        ("kind",),
        [((k,), running[k]) for k in PENALTY_KINDS],
    )
    add(
        "caseflow_transfers_due",
        "gauge",
        "Accepted Dublin claims whose transfer deadline is 0 to within_days days away.",
        ("within_days",),
        [((str(d),), n) for d, n in agg.transfers_due],
    )
    cleared_on, _days = forecast(assigned - decided, window_decisions, today)
    add(
        "caseflow_forecast_taskforce_decisions_window",
        "gauge",
        f"Taskforce decisions in the {FORECAST_WINDOW_DAYS} pipeline days up to the pipeline day "
        "(the forecast's rate).",
        (),
        [((), window_decisions)],
    )
    add(
        "caseflow_forecast_taskforce_cleared_timestamp_seconds",
        "gauge",
        "Forecast day the Taskforce stock reaches zero at the recent decision rate (Unix time; "
        "+Inf when nothing was decided recently).",
        (),
        [((), day_start(cleared_on) if cleared_on is not None else math.inf)],
    )
    horizon = cleared_on
    add(
        "caseflow_forecast_breaches_before_cleared_cases",
        "gauge",
        "Open cases, on time today, whose deadline passes before the forecast clearing day.",
        (),
        [((), sum(1 for d in agg.deadlines_after if horizon is None or d < horizon))],
    )
    return out
