"""The business metric families of the metrics service, computed from the projection's
aggregates as of the pipeline day: stock, deadlines, penalties (with the legal core's accrual),
the forecast. :data:`SPECS` is the table of every family — name, kind, help, labels and how its
samples follow from the :class:`Figures` of one snapshot.

Pure functions over plain values; the store reads the aggregates, app.py serves the families.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import get_args

from caseflow.domain.derived import LateCause
from caseflow.domain.dublin import OPEN_STAGES
from caseflow.domain.facts import NationalProcedureReason
from caseflow.domain.penalty import accrue
from caseflow.domain.taskforce import assigned_to_taskforce, goal_stock
from caseflow.events.envelope import LEGAL_TZ, legal_date_of
from caseflow.runtime.ticks import CLOCK_STAGE as SOURCE_STAGE

#: The stage of the ticks the pipeline clock is taken from (see services.metrics.projection).
CLOCK_STAGE = "deadline"
#: The decision rate of the forecast is measured over this many days of pipeline time.
FORECAST_WINDOW_DAYS = 28
#: Cumulative time-to-deadline buckets, in days (0 = due today, still on time).
DUE_WITHIN_DAYS = (7, 14, 28, 56)
TRANSFER_DUE_WITHIN_DAYS = (7, 28)
#: The causes of a late decision (`decision.late`), and the label of one published before the
#: cause was part of the event.
LATE_CAUSES: tuple[LateCause, ...] = get_args(LateCause)
LATE_CAUSE_UNKNOWN = "unknown"
#: The projection's type of an instrument marked unlawful (an operator event, no case).
INSTRUMENT_MARKED = "policy.instrument_invalidated"


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
    #: (cohort, cause, decisions) of the late decisions.
    late: list[tuple[str, str, int]] = field(default_factory=list)
    breaches: list[tuple[str, int]] = field(default_factory=list)
    #: (instrument, day of the ruling) of every instrument marked unlawful.
    markings: list[tuple[str, date]] = field(default_factory=list)
    due: list[tuple[str, int, int]] = field(default_factory=list)
    overdue: list[tuple[str, int]] = field(default_factory=list)
    penalties: dict[str, list[PenaltyRow]] = field(default_factory=dict)
    claims: list[tuple[str, int]] = field(default_factory=list)
    transfers_due: list[tuple[int, int]] = field(default_factory=list)
    deadlines_after: list[date] = field(default_factory=list)


COHORTS = ("taskforce", "regular")
PENALTY_KINDS = ("statutory", "court")
TRANSFER_OUTCOMES = ("completed", "failed", "expired")
SIDE_INFLOW_REASONS: tuple[NationalProcedureReason, ...] = get_args(NationalProcedureReason)
Samples = list[tuple[tuple[str, ...], float]]


@dataclass(frozen=True, slots=True)
class Figures:
    """One snapshot's aggregates, with what several families share worked out once."""

    agg: Aggregates
    cutoff: date
    goal: date
    now: datetime
    clock: datetime | None
    mode: str | None
    today: date | None
    #: (type, label) -> (events, euros) over every topic; events per topic.
    counts: dict[tuple[str, str | None], tuple[int, int]]
    per_topic: dict[str, int]
    assigned: int
    decided: int
    window_decisions: int

    @classmethod
    def of(cls, agg: Aggregates, cutoff: date, goal: date, now: datetime) -> Figures:
        clock, mode = pipeline_clock(agg.clock)
        counts: dict[tuple[str, str | None], tuple[int, int]] = {}
        per_topic: dict[str, int] = {}
        for topic, kind, label, n, eur in agg.event_counts:
            old = counts.get((kind, label), (0, 0))
            counts[(kind, label)] = (old[0] + n, old[1] + eur)
            per_topic[topic] = per_topic.get(topic, 0) + n
        assigned, decided, window = taskforce(agg.backlog, cutoff)
        today = legal_today(clock)
        return cls(
            agg, cutoff, goal, now, clock, mode, today, counts, per_topic, assigned, decided, window
        )

    def by_label(self, kind: str) -> dict[str, int]:
        return {str(label): n for (k, label), (n, _eur) in self.counts.items() if k == kind}

    def count(self, kind: str, label: str) -> tuple[int, int]:
        return self.counts.get((kind, label), (0, 0))

    def penalties(self, kind: str) -> tuple[int, int, int]:
        assert self.today is not None
        return penalty_figures(self.agg.penalties.get(kind, []), kind, self.today)

    def cleared_on(self) -> date | None:
        assert self.today is not None
        return forecast(self.assigned - self.decided, self.window_decisions, self.today)[0]

    def due_cohorts(self) -> list[str]:
        return sorted({*COHORTS, *(c for c, _d, _n in self.agg.due)})


@dataclass(frozen=True, slots=True)
class Spec:
    """One metric family of the table: ``samples`` from the figures; ``needs`` "clock" or "day"
    when it exists only once the pipeline clock has a tick (a day to measure against)."""

    name: str
    kind: str
    help: str
    labels: tuple[str, ...]
    samples: Callable[[Figures], Iterable[tuple[tuple[str, ...], float]]]
    needs: str | None = None


def _open_cases(f: Figures) -> Samples:
    return [((c, t, p), n) for c, t, p, n in f.agg.open_cases]


def _lodged(f: Figures) -> Samples:
    lodged = f.by_label("application.lodged")
    return [((k,), lodged.get(k, 0)) for k in sorted({"first", "subsequent", *lodged})]


def _decisions(f: Figures) -> Samples:
    decisions = {(c, t): n for c, t, n in f.agg.decisions}
    cohorts = sorted({*COHORTS, *(c for c, _ in decisions)})
    return [((c, t), decisions.get((c, t), 0)) for c in cohorts for t in ("within", "late")]


def _late(f: Figures) -> Samples:
    late = {(c, cause): n for c, cause, n in f.agg.late}
    cohorts = sorted({*COHORTS, *(c for c, _ in late)})
    causes = [*LATE_CAUSES, *sorted({cause for _, cause in late} - set(LATE_CAUSES))]
    return [((c, cause), late.get((c, cause), 0)) for c in cohorts for cause in causes]


def _breaches(f: Figures) -> Samples:
    breaches = dict(f.agg.breaches)
    return [((c,), breaches.get(c, 0)) for c in sorted({*COHORTS, *breaches})]


def _labelled(kind: str) -> Callable[[Figures], Samples]:
    """Events of one type, by the label the projection gave them, as they occurred."""
    return lambda f: sorted(((k,), n) for k, n in f.by_label(kind).items())


def _transfers(f: Figures) -> Samples:
    outcomes = {
        "completed": f.count("dublin.transfer.completed", "completed")[0],
        "failed": sum(f.by_label("dublin.transfer.failed").values()),
        "expired": f.count("transfer.deadline_expired", "expired")[0],
    }
    return [((o,), outcomes[o]) for o in TRANSFER_OUTCOMES]


def _side_inflow(f: Figures) -> Samples:
    inflow = f.by_label("national_procedure.entered")
    return [((r,), inflow.get(r, 0)) for r in sorted({*SIDE_INFLOW_REASONS, *inflow})]


def _claims(f: Figures) -> Samples:
    claims = dict(f.agg.claims)
    return [((s,), claims.get(s, 0)) for s in OPEN_STAGES]


def _due(f: Figures) -> Samples:
    due = {(c, d): n for c, d, n in f.agg.due}
    return [((c, str(d)), due.get((c, d), 0)) for c in f.due_cohorts() for d in DUE_WITHIN_DAYS]


def _overdue(f: Figures) -> Samples:
    overdue = dict(f.agg.overdue)
    return [((c,), overdue.get(c, 0)) for c in f.due_cohorts()]


def _penalty(which: int) -> Callable[[Figures], Samples]:
    """Per kind, one of (accrued, exposure, running) of :func:`penalty_figures`."""
    return lambda f: [((k,), f.penalties(k)[which]) for k in PENALTY_KINDS]


def _cleared(f: Figures) -> Samples:
    cleared_on = f.cleared_on()
    return [((), day_start(cleared_on) if cleared_on is not None else math.inf)]


def _breaches_before_cleared(f: Figures) -> Samples:
    horizon = f.cleared_on()
    return [((), sum(1 for d in f.agg.deadlines_after if horizon is None or d < horizon))]


def _one(value: Callable[[Figures], float]) -> Callable[[Figures], Samples]:
    return lambda f: [((), value(f))]


def _clock(value: Callable[[datetime, Figures], float]) -> Callable[[Figures], Samples]:
    def samples(f: Figures) -> Samples:
        assert f.clock is not None
        return [(("metrics",), value(f.clock, f))]

    return samples


#: Every business metric of the projection, in exposition order. Known label values always get
#: a sample (zero when nothing happened), so an alert or a dashboard sees 0, not no series.
SPECS: tuple[Spec, ...] = (
    Spec(
        "caseflow_open_cases",
        "gauge",
        "Open (lodged, undecided) cases by cohort, track and phase.",
        ("cohort", "track", "phase"),
        _open_cases,
    ),
    Spec(
        "caseflow_taskforce_assignment_cases",
        "gauge",
        "Taskforce assignment: cases lodged before the cohort cut-off, in the national procedure "
        "and undecided on it.",
        (),
        _one(lambda f: f.assigned),
    ),
    Spec(
        "caseflow_taskforce_decided_cases",
        "gauge",
        "Taskforce cases decided (the burn-down).",
        (),
        _one(lambda f: f.decided),
    ),
    Spec(
        "caseflow_taskforce_open_cases",
        "gauge",
        "Taskforce stock: assignment minus decided.",
        (),
        _one(lambda f: f.assigned - f.decided),
    ),
    Spec(
        "caseflow_taskforce_goal_timestamp_seconds",
        "gauge",
        "The goal for clearing the Taskforce stock (CASEFLOW_TASKFORCE_GOAL), as a Unix time.",
        (),
        _one(lambda f: day_start(f.goal)),
    ),
    Spec(
        "caseflow_applications_lodged_total",
        "counter",
        "Applications lodged, by kind.",
        ("kind",),
        _lodged,
    ),
    Spec(
        "caseflow_decisions_total",
        "counter",
        "Decisions by cohort and timeliness (within the term or late).",
        ("cohort", "timeliness"),
        _decisions,
    ),
    Spec(
        "caseflow_late_decisions_total",
        "counter",
        "Decisions after the deadline (decision.late), by cohort and cause (linked_child, "
        "side_inflow_over_term, other; unknown for records from before the cause).",
        ("cohort", "cause"),
        _late,
    ),
    Spec(
        "caseflow_breaches_total",
        "counter",
        "Deadlines breached (deadline.breached), by cohort.",
        ("cohort",),
        _breaches,
    ),
    Spec(
        "caseflow_warnings_total",
        "counter",
        "Deadline warnings issued, by days before the deadline.",
        ("threshold_days",),
        _labelled("deadline.warning"),
    ),
    Spec(
        "caseflow_penalty_capped_total",
        "counter",
        "Penalties that reached their cap, by kind.",
        ("kind",),
        lambda f: [((k,), f.count("penalty.capped", k)[0]) for k in PENALTY_KINDS],
    ),
    Spec(
        "caseflow_penalty_capped_euros_total",
        "counter",
        "Sum of the caps of penalties that reached them, by kind.",
        ("kind",),
        lambda f: [((k,), f.count("penalty.capped", k)[1]) for k in PENALTY_KINDS],
    ),
    Spec(
        "caseflow_transfers_total",
        "counter",
        "Dublin transfers by outcome (completed, failed attempt, transfer deadline expired).",
        ("outcome",),
        _transfers,
    ),
    Spec(
        "caseflow_transfer_failures_total",
        "counter",
        "Failed Dublin transfer attempts, by reason.",
        ("reason",),
        _labelled("dublin.transfer.failed"),
    ),
    Spec(
        "caseflow_side_inflow_total",
        "counter",
        "Dublin cases that entered the national procedure (zij-instroom), by reason.",
        ("reason",),
        _side_inflow,
    ),
    Spec(
        "caseflow_claims_open",
        "gauge",
        "Dublin procedures not concluded, by stage (caseflow.domain.dublin.OPEN_STAGES).",
        ("stage",),
        _claims,
    ),
    Spec(
        "caseflow_policy_instrument_invalidated_timestamp_seconds",
        "gauge",
        "00:00 Amsterdam of the day from which an instrument is held unlawful (its ruling), as a "
        "Unix time, by instrument (policy.instrument_invalidated).",
        ("instrument",),
        lambda f: sorted(((name,), day_start(on)) for name, on in f.agg.markings),
    ),
    Spec(
        "caseflow_dead_letters_total",
        "counter",
        "Dead letters on intake.rejected, by reason.",
        ("reason",),
        _labelled("dead_letter"),
    ),
    Spec(
        "caseflow_metrics_events_total",
        "counter",
        "Distinct events projected by the metrics service, by topic.",
        ("topic",),
        lambda f: sorted(((t,), n) for t, n in f.per_topic.items()),
    ),
    Spec(
        "caseflow_pipeline_clock_timestamp_seconds",
        "gauge",
        "The pipeline clock: the latest tick processed, as a Unix time.",
        ("service",),
        _clock(lambda clock, _f: clock.timestamp()),
        needs="clock",
    ),
    Spec(
        "caseflow_pipeline_clock_lag_seconds",
        "gauge",
        "Wall clock minus the pipeline clock (grows when ticks stop arriving).",
        ("service",),
        _clock(lambda clock, f: clock_lag_seconds(clock, f.now)),
        needs="clock",
    ),
    Spec(
        "caseflow_pipeline_clock_simulated",
        "gauge",
        "1 when the pipeline clock is simulated (scenario runs), 0 when live.",
        (),
        _one(lambda f: 1 if f.mode == "simulated" else 0),
        needs="clock",
    ),
    Spec(
        "caseflow_taskforce_goal_stock_cases",
        "gauge",
        "Taskforce stock on track for the goal: a straight line from the assignment on the "
        "cut-off day to zero on the goal day, at the pipeline day.",
        (),
        _one(lambda f: goal_stock(f.assigned, f.today or f.cutoff, f.cutoff, f.goal)),
        needs="day",
    ),
    Spec(
        "caseflow_open_cases_due",
        "gauge",
        "Open cases whose deadline is 0 to within_days days after the pipeline day (cumulative).",
        ("cohort", "within_days"),
        _due,
        needs="day",
    ),
    Spec(
        "caseflow_open_cases_overdue",
        "gauge",
        "Open cases past their deadline (past the term) at the pipeline day.",
        ("cohort",),
        _overdue,
        needs="day",
    ),
    Spec(
        "caseflow_penalty_accrued_euros",
        "gauge",
        "Penalty payments accrued up to the pipeline day, all cases, by kind.",
        ("kind",),
        _penalty(0),
        needs="day",
    ),
    Spec(
        "caseflow_penalty_exposure_euros",
        "gauge",
        "Penalty due if every open case with a running penalty were decided at the pipeline day.",
        ("kind",),
        _penalty(1),
        needs="day",
    ),
    Spec(
        "caseflow_penalty_running_cases",
        "gauge",
        "Open cases whose penalty accrues at the pipeline day (started, cap not reached).",
        ("kind",),
        _penalty(2),
        needs="day",
    ),
    Spec(
        "caseflow_transfers_due",
        "gauge",
        "Accepted Dublin claims whose transfer deadline is 0 to within_days days away.",
        ("within_days",),
        lambda f: [((str(d),), n) for d, n in f.agg.transfers_due],
        needs="day",
    ),
    Spec(
        "caseflow_forecast_taskforce_decisions_window",
        "gauge",
        f"Taskforce decisions in the {FORECAST_WINDOW_DAYS} pipeline days up to the pipeline day "
        "(the forecast's rate).",
        (),
        _one(lambda f: f.window_decisions),
        needs="day",
    ),
    Spec(
        "caseflow_forecast_taskforce_cleared_timestamp_seconds",
        "gauge",
        "Forecast day the Taskforce stock reaches zero at the recent decision rate (Unix time; "
        "+Inf when nothing was decided recently).",
        (),
        _cleared,
        needs="day",
    ),
    Spec(
        "caseflow_forecast_breaches_before_cleared_cases",
        "gauge",
        "Open cases, on time today, whose deadline passes before the forecast clearing day.",
        (),
        _breaches_before_cleared,
        needs="day",
    ),
)


def figures(
    agg: Aggregates, cohort_cutoff: date, goal: date, now: datetime | None = None
) -> list[Family]:
    """Every family of :data:`SPECS` the snapshot can answer, as of the pipeline day (the
    clock's legal day): those that need the clock or a day only once there is one."""
    f = Figures.of(agg, cohort_cutoff, goal, now or datetime.now(UTC))
    present = {None, *(("clock",) if f.clock is not None else ()), *(("day",) if f.today else ())}
    return [
        Family(
            spec.name,
            spec.kind,
            spec.help,
            spec.labels,
            [(tuple(labels), float(value)) for labels, value in spec.samples(f)],
        )
        for spec in SPECS
        if spec.needs in present
    ]
