"""The Grafana dashboards, as code: `make dashboards` writes deploy/grafana/dashboards/*.json
from this module with grafana-foundation-sdk (Grafana's own builders, generated from its schema).
Edit this file, never the JSON; tests/deploy/test_grafana.py fails when the JSON is stale.

It reads two things it must not restate: the runbooks' base URL from the one setting in
deploy/prometheus/prometheus.yml, and the dates of legal events from caseflow.domain.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.builders import prometheus as prom
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model

from caseflow.domain.rules import TEMPORARY_PENALTY_LAWS, Policy

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "deploy" / "grafana" / "dashboards"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="caseflow-prometheus")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: Where the web console answers by default (its port in caseflow's settings); a variable.
CONSOLE_URL = "http://127.0.0.1:8084"
#: +Inf ("never at this rate") is clamped to 1 Jan 2100 so that a value mapping can name it.
NEVER = 4102444800

# Units operators use. Counts of cases say so; what happened in a day is per day.
CASES = "suffix: cases"
CASES_PER_DAY = "suffix: cases/day"
EUR = "currencyEUR"
DAY = "time:YYYY-MM-DD"
DAYS = "suffix: days"
RECORDS = "suffix: records"
RECORDS_PER_S = "suffix: records/s"
EVENTS_PER_S = "suffix: events/s"
SECONDS = "s"
TIMESTAMP = "dateTimeAsIso"
REPLICAS = "suffix: replicas"

#: The rolling window of the daily series, and the long view of the Taskforce burn-down.
DAILY = "1d"
LONG_VIEW = "15M"

Thresholds = Sequence[tuple[float | None, str]]
NEUTRAL: Thresholds = ((None, "blue"),)


def runbook_base() -> str:
    """The one runbook setting (an external label of Prometheus), shared with the alerts."""
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    return str(config["global"]["external_labels"]["runbook_base_url"])


def timestamp_ms(day: date) -> int:
    """00:00 Amsterdam of a legal date, as Grafana's milliseconds."""
    return int(datetime.combine(day, time(), AMSTERDAM).timestamp() * 1000)


# --- building blocks ---------------------------------------------------------------------------


def q(expr: str, legend: str = "", ref: str = "A", *, instant: bool = False) -> prom.Dataquery:
    query = prom.Dataquery().expr(expr).legend_format(legend or "__auto").ref_id(ref)
    query = query.datasource(DATASOURCE)
    return query.instant() if instant else query.range()


def thresholds(steps: Thresholds) -> board.ThresholdsConfig:
    return (
        board.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps([model.Threshold(value=value, color=color) for value, color in steps])
    )


def when_null(text: str, color: str = "text") -> model.SpecialValueMap:
    return model.SpecialValueMap(
        model.DashboardSpecialValueMapOptions(
            match=model.SpecialValueMatch.NULL_AND_NAN,
            result=model.ValueMappingResult(text=text, color=color, index=0),
        )
    )


def when_value(options: dict[str, tuple[str, str]]) -> model.ValueMap:
    return model.ValueMap(
        {
            value: model.ValueMappingResult(text=text, color=color, index=i + 1)
            for i, (value, (text, color)) in enumerate(options.items())
        }
    )


def when_between(low: float, high: float, text: str, color: str) -> model.RangeMap:
    """Both ends given: Grafana reads a missing end as 0, not as infinity."""
    return model.RangeMap(
        model.DashboardRangeMapOptions(
            from_val=low, to=high, result=model.ValueMappingResult(text=text, color=color, index=5)
        )
    )


def link(title: str, url: str) -> board.DashboardLink:
    return (
        board.DashboardLink(title)
        .type(model.DashboardLinkType.LINK)
        .url(url)
        .target_blank(True)
        .keep_time(False)
        .include_vars(False)
    )


def runbook(alert: str) -> board.DashboardLink:
    return link(f"Runbook: {alert}", f"${{runbooks}}/{alert}.md")


def console(title: str, path: str) -> board.DashboardLink:
    return link(title, f"${{console}}{path}")


@dataclass
class Panels:
    """Numbers panels in the order they are added."""

    next_id: int = 1

    def _common(self, panel: Any, title: str, description: str, links: Iterable[Any]) -> Any:
        panel = panel.id(self.next_id).title(title).description(description)
        self.next_id += 1
        links = list(links)
        return panel.datasource(DATASOURCE).links(links) if links else panel.datasource(DATASOURCE)

    def row(self, title: str) -> board.Row:
        row = board.Row(title).id(self.next_id)
        self.next_id += 1
        return row

    def stat(
        self,
        title: str,
        description: str,
        targets: list[prom.Dataquery],
        *,
        unit: str,
        steps: Thresholds,
        mappings: list[model.ValueMapping],
        width: int = 4,
        height: int = 6,
        links: Iterable[board.DashboardLink] = (),
    ) -> stat.Panel:
        panel = (
            stat.Panel()
            .targets(targets)
            .unit(unit)
            .thresholds(thresholds(steps))
            .mappings(mappings)
            .color_mode(common.BigValueColorMode.VALUE)
            .graph_mode(common.BigValueGraphMode.NONE)
            .text_mode(common.BigValueTextMode.AUTO)
            .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
            .height(height)
            .span(width)
        )
        return self._common(panel, title, description, links)

    def series(
        self,
        title: str,
        description: str,
        targets: list[prom.Dataquery],
        *,
        unit: str,
        width: int = 12,
        height: int = 8,
        bars: bool = False,
        interval: str | None = None,
        time_from: str | None = None,
        links: Iterable[board.DashboardLink] = (),
    ) -> timeseries.Panel:
        panel = (
            timeseries.Panel()
            .targets(targets)
            .unit(unit)
            .thresholds(thresholds(NEUTRAL))
            .mappings([])
            .draw_style(common.GraphDrawStyle.BARS if bars else common.GraphDrawStyle.LINE)
            .fill_opacity(60 if bars else 10)
            .legend(
                common_builders.VizLegendOptions()
                .display_mode(common.LegendDisplayMode.LIST)
                .placement(common.LegendPlacement.BOTTOM)
                .show_legend(True)
            )
            .height(height)
            .span(width)
        )
        if interval:
            panel = panel.interval(interval)
        if time_from:
            panel = panel.time_from(time_from)
        return self._common(panel, title, description, links)

    def totals(
        self,
        title: str,
        description: str,
        targets: list[prom.Dataquery],
        *,
        unit: str,
        width: int = 8,
        height: int = 8,
        links: Iterable[board.DashboardLink] = (),
    ) -> bargauge.Panel:
        panel = (
            bargauge.Panel()
            .targets(targets)
            .unit(unit)
            .min(0)
            .thresholds(thresholds(NEUTRAL))
            .mappings([when_null("none")])
            .display_mode(common.BarGaugeDisplayMode.BASIC)
            .orientation(common.VizOrientation.HORIZONTAL)
            .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
            .height(height)
            .span(width)
        )
        return self._common(panel, title, description, links)


def new_dashboard(uid: str, title: str, description: str, time_from: str) -> board.Dashboard:
    return (
        board.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["caseflow"])
        .timezone("Europe/Amsterdam")
        .time(time_from, "now")
        .refresh("1m")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .readonly()
        .link(
            board.DashboardLink("caseflow")
            .type(model.DashboardLinkType.DASHBOARDS)
            .tags(["caseflow"])
            .as_dropdown(True)
            .keep_time(True)
            .include_vars(False)
        )
        .with_variable(
            board.ConstantVariable("runbooks")
            .label("Runbooks")
            .description("Base URL of the runbooks (runbook_base_url, prometheus.yml).")
            .value(runbook_base())
        )
        .with_variable(
            board.TextBoxVariable("console")
            .label("Console")
            .description("Base URL of the caseflow web console.")
            .default_value(CONSOLE_URL)
        )
    )


def label_variable(name: str, label: str, metric: str) -> board.QueryVariable:
    return (
        board.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query({"query": f"label_values({metric}, {name})", "refId": f"{name}-values"})
        .refresh(model.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(model.VariableOption(selected=True, text="All", value="$__all"))
    )


# --- Prometheus annotations (the SDK's model has no fields for them yet) -----------------------


def annotation(name: str, expr: str, color: str, title: str, text: str = "") -> dict[str, Any]:
    """An event at the time a series' value names (Grafana's "series value as timestamp")."""
    return {
        "name": name,
        "datasource": DATASOURCE.to_json(),
        "enable": True,
        "hide": False,
        "iconColor": color,
        "expr": expr,
        "step": "1h",
        "useValueForTime": True,
        "titleFormat": title,
        "textFormat": text,
        "tagKeys": "",
    }


def legal_events() -> list[dict[str, Any]]:
    policy = Policy()
    laws = [
        annotation(
            law.name,
            f"vector({timestamp_ms(law.in_force.first)})",
            "purple",
            f"{law.name} in force ({law.source})",
            "No statutory penalty for notices of default received from this day.",
        )
        for law in TEMPORARY_PENALTY_LAWS
    ]
    return [
        annotation(
            "Taskforce cut-off",
            f"vector({timestamp_ms(policy.taskforce_cutoff)})",
            "blue",
            "Taskforce cut-off: applications lodged before this day are the Taskforce cohort",
        ),
        *laws,
        annotation(
            "Goal of the 2020 letter",
            "max(caseflow_taskforce_goal_timestamp_seconds) * 1000",
            "green",
            "Goal: Taskforce stock cleared",
        ),
        # The contract for a metric the metrics service does not export yet (docs/metrics.md,
        # "Required metrics"): until it does, this annotation shows nothing.
        annotation(
            "Instrument marked invalid",
            "max by (instrument) (caseflow_policy_instrument_invalidated_timestamp_seconds) * 1000",
            "red",
            "Instrument {{instrument}} marked invalid",
            "Extensions under this instrument no longer count (caseflow policy invalidate).",
        ),
    ]


# --- the dashboards ----------------------------------------------------------------------------

COHORT = 'cohort=~"$cohort"'


def overview() -> tuple[board.Dashboard, list[dict[str, Any]]]:
    p = Panels()
    due_runbook = [runbook("CaseflowImminentBreaches"), console("Worklist", "/worklist")]
    forecast = f"clamp_max(max(caseflow_forecast_taskforce_cleared_timestamp_seconds), {NEVER})"
    dash = (
        new_dashboard(
            "caseflow-overview",
            "Asylum chain overview",
            "The business view of the whole chain: Taskforce burn-down against the mid-2021 "
            "goal, inflow, decisions, cases at risk, penalty payments, forecast.",
            "now-7d",
        )
        .with_variable(label_variable("cohort", "Cohort", "caseflow_open_cases"))
        .with_variable(label_variable("track", "Track", "caseflow_open_cases"))
        .with_variable(
            board.TextBoxVariable("case")
            .label("Case id")
            .description("A case id to open in the console (link 'Case in the console').")
            .default_value("")
        )
        .link(console("Worklist", "/worklist"))
        .link(console("Case in the console", "/cases/${case}"))
        .link(console("Dublin in the console", "/dublin"))
        .link(console("Console", "/"))
        .link(link("Runbooks", "${runbooks}/"))
    )
    stats = [
        p.stat(
            "Taskforce assignment",
            "Applications lodged before the cut-off (1 April 2020) and undecided then: the "
            "15,350 of the 2020 letter. A size, not a warning.",
            [q("max(caseflow_taskforce_assignment_cases)", "assignment", instant=True)],
            unit=CASES,
            steps=NEUTRAL,
            mappings=[when_null("not reported yet")],
        ),
        p.stat(
            "Taskforce stock",
            "Taskforce cases not yet decided.",
            [q("job:caseflow_taskforce_open_cases:max", "stock", instant=True)],
            unit=CASES,
            steps=NEUTRAL,
            mappings=[when_value({"0": ("cleared", "green")}), when_null("not reported yet")],
        ),
        p.stat(
            "Stock above the goal line",
            "Taskforce stock minus the stock that is on track for the mid-2021 goal (a straight "
            "line from the assignment on the cut-off day to zero on the goal day).",
            [
                q(
                    "job:caseflow_taskforce_open_cases:max"
                    " - job:caseflow_taskforce_goal_stock_cases:max",
                    "above the line",
                    instant=True,
                )
            ],
            unit=CASES,
            steps=((None, "green"), (1, "orange"), (1000, "red")),
            mappings=[
                when_between(-1e9, 0, "on track", "green"),
                when_null("not reported yet"),
            ],
        ),
        p.stat(
            "Forecast: stock cleared on",
            "The day the Taskforce stock reaches zero at the pace of the last 28 days. "
            "'Not at this rate' when nothing was decided in those days.",
            [q(f"{forecast} * 1000", "forecast", instant=True)],
            unit=DAY,
            steps=NEUTRAL,
            mappings=[
                when_between(NEVER * 1000, NEVER * 1000, "not at this rate", "red"),
                when_null("no forecast yet"),
            ],
        ),
        p.stat(
            "Forecast against the goal",
            "Days between the forecast and the goal of the 2020 letter (1 July 2021): "
            "positive is late.",
            [
                q(
                    f"({forecast} - max(caseflow_taskforce_goal_timestamp_seconds)) / 86400",
                    "days late",
                    instant=True,
                )
            ],
            unit=DAYS,
            steps=((None, "green"), (1, "red")),
            mappings=[
                when_between(-1e6, 0, "on time", "green"),
                when_between(20000, 1e9, "not at this rate", "red"),
                when_null("no forecast yet"),
            ],
        ),
        p.stat(
            "Breaches before the stock is cleared",
            "Open cases on time today whose deadline falls before the forecast day.",
            [q("max(caseflow_forecast_breaches_before_cleared_cases)", "cases", instant=True)],
            unit=CASES,
            steps=((None, "green"), (1, "orange"), (100, "red")),
            mappings=[when_value({"0": ("none", "green")}), when_null("no forecast yet")],
            links=due_runbook,
        ),
    ]
    for panel in stats:
        dash = dash.with_panel(panel)
    dash = dash.with_panel(
        p.series(
            "Taskforce burn-down vs the mid-2021 goal",
            "Taskforce stock against the straight line to zero on 1 July 2021, and the "
            "Taskforce cases decided.",
            [
                q("job:caseflow_taskforce_open_cases:max", "stock", "A"),
                q("job:caseflow_taskforce_goal_stock_cases:max", "on track for mid-2021", "B"),
                q("max(caseflow_taskforce_decided_cases)", "decided", "C"),
            ],
            unit=CASES,
        )
    ).with_panel(
        p.series(
            "Decisions per day, within the term and late",
            "Decisions in the last 24 hours, by cohort and the deadline service's verdict.",
            [
                q(
                    f"cohort_timeliness:caseflow_decisions:increase1d{{{COHORT}}}",
                    "{{cohort}} {{timeliness}}",
                )
            ],
            unit=CASES_PER_DAY,
        )
    )
    dash = (
        dash.with_panel(
            p.series(
                "Inflow per day",
                "Applications lodged and cases entering the national procedure after Dublin "
                "(side-inflow) in the last 24 hours.",
                [
                    q("kind:caseflow_applications_lodged:increase1d", "lodged {{kind}}", "A"),
                    q("sum(reason:caseflow_side_inflow:increase1d)", "side-inflow", "B"),
                ],
                unit=CASES_PER_DAY,
                width=8,
            )
        )
        .with_panel(
            p.series(
                "Cases at risk: due within N days",
                "Open cases whose deadline is 0 to N days after the pipeline day (cumulative).",
                [
                    q(
                        f"cohort_within_days:caseflow_open_cases_due:sum{{{COHORT}}}",
                        "{{cohort}} within {{within_days}} days",
                    )
                ],
                unit=CASES,
                width=8,
                links=due_runbook,
            )
        )
        .with_panel(
            p.series(
                "Breaches per day",
                "Deadlines breached in the last 24 hours (deadline.breached), by cohort.",
                [q(f"cohort:caseflow_breaches:increase1d{{{COHORT}}}", "{{cohort}}")],
                unit=CASES_PER_DAY,
                width=8,
                bars=True,
                links=[runbook("CaseflowDeadlineBreaches")],
            )
        )
        .with_panel(
            p.series(
                "Open cases past the term",
                "Open cases whose deadline has passed, by cohort.",
                [q(f"cohort:caseflow_open_cases_overdue:sum{{{COHORT}}}", "{{cohort}}")],
                unit=CASES,
                width=8,
                links=[runbook("CaseflowDeadlineBreaches"), console("Worklist", "/worklist")],
            )
        )
        .with_panel(
            p.series(
                "Penalty payments",
                "Penalties (dwangsommen) accrued up to the pipeline day, what deciding every "
                "open late case now would cost (exposure), and the caps reached, by kind.",
                [
                    q(
                        "sum by (kind) (max without (instance) (caseflow_penalty_accrued_euros))",
                        "accrued {{kind}}",
                        "A",
                    ),
                    q(
                        "sum by (kind) (max without (instance) (caseflow_penalty_exposure_euros))",
                        "exposure {{kind}}",
                        "B",
                    ),
                    q(
                        "max by (kind) (caseflow_penalty_capped_euros_total)",
                        "capped {{kind}}",
                        "C",
                    ),
                ],
                unit=EUR,
                width=8,
                links=[runbook("CaseflowPenaltyExposureRising")],
            )
        )
        .with_panel(
            p.stat(
                "Penalties running",
                "Open cases whose penalty accrues (first day reached, cap not).",
                [
                    q(
                        "sum by (kind) (max without (instance) (caseflow_penalty_running_cases))",
                        "{{kind}}",
                        instant=True,
                    )
                ],
                unit=CASES,
                steps=((None, "green"), (1, "orange")),
                mappings=[when_value({"0": ("none", "green")}), when_null("not reported yet")],
                width=4,
                height=8,
                links=[runbook("CaseflowPenaltyExposureRising")],
            )
        )
        .with_panel(
            p.stat(
                "Pipeline day",
                "The day the business figures are computed for: the pipeline clock of the "
                "metrics service (today in live mode).",
                [
                    q(
                        'max(caseflow_pipeline_clock_timestamp_seconds{service="metrics"}) * 1000',
                        "pipeline day",
                        instant=True,
                    )
                ],
                unit=DAY,
                steps=NEUTRAL,
                mappings=[when_null("no clock tick yet")],
                width=4,
                height=8,
            )
        )
        .with_panel(
            p.series(
                "Open stock by cohort and phase",
                "Lodged, undecided cases by the last milestone reached (or an open Dublin claim).",
                [
                    q(
                        "sum by (cohort, phase) (max without (instance) "
                        f'(caseflow_open_cases{{{COHORT}, track=~"$track"}}))',
                        "{{cohort}} {{phase}}",
                    )
                ],
                unit=CASES,
            )
        )
        .with_panel(
            p.series(
                "Open stock by track",
                "Lodged, undecided cases by procedure track (none: not yet assigned).",
                [
                    q(
                        f'cohort_track:caseflow_open_cases:sum{{{COHORT}, track=~"$track"}}',
                        "{{cohort}} track {{track}}",
                    )
                ],
                unit=CASES,
            )
        )
    )
    dash = dash.with_row(p.row("Long view: 15 months, one point a day"))
    dash = (
        dash.with_panel(
            p.series(
                "Taskforce burn-down, 15 months",
                "The stock against the goal line from the cut-off (April 2020) to the goal "
                "(July 2021), from the recording rules kept for two years.",
                [
                    q("job:caseflow_taskforce_open_cases:max", "stock", "A"),
                    q("job:caseflow_taskforce_goal_stock_cases:max", "on track for mid-2021", "B"),
                ],
                unit=CASES,
                interval=DAILY,
                time_from=LONG_VIEW,
            )
        )
        .with_panel(
            p.series(
                "Breaches and decisions per day, 15 months",
                "Deadlines breached and decisions (within the term, late) per day.",
                [
                    q("sum(cohort:caseflow_breaches:increase1d)", "breached", "A"),
                    q(
                        "sum by (timeliness) (cohort_timeliness:caseflow_decisions:increase1d)",
                        "decided {{timeliness}}",
                        "B",
                    ),
                ],
                unit=CASES_PER_DAY,
                interval=DAILY,
                time_from=LONG_VIEW,
                bars=True,
            )
        )
        .with_panel(
            p.series(
                "Penalty payments, 15 months",
                "Penalties accrued and the exposure of the open cases.",
                [
                    q("sum(job:caseflow_penalty_accrued_euros:sum)", "accrued", "A"),
                    q("sum(job:caseflow_penalty_exposure_euros:sum)", "exposure", "B"),
                ],
                unit=EUR,
                interval=DAILY,
                time_from=LONG_VIEW,
            )
        )
        .with_panel(
            p.series(
                "Open stock by cohort, 15 months",
                "Lodged, undecided cases by cohort.",
                [q("cohort:caseflow_open_cases:sum", "{{cohort}}")],
                unit=CASES,
                interval=DAILY,
                time_from=LONG_VIEW,
            )
        )
    )
    return dash, legal_events()


def dublin() -> tuple[board.Dashboard, list[dict[str, Any]]]:
    p = Panels()
    expiring = [
        runbook("CaseflowDublinTransfersExpiring"),
        console("Dublin in the console", "/dublin"),
    ]
    dash = (
        new_dashboard(
            "caseflow-dublin",
            "Dublin and side-inflow",
            "Dublin claims, transfers and the cases that enter the national procedure after a "
            "failed or expired transfer (zij-instroom).",
            "now-7d",
        )
        .link(console("Dublin in the console", "/dublin"))
        .link(link("Runbooks", "${runbooks}/"))
        .with_panel(
            p.series(
                "Open claims by stage",
                "Dublin claims not concluded: sent, accepted, transfer scheduled.",
                [
                    q(
                        "sum by (stage) (max without (instance) (caseflow_claims_open))",
                        "{{stage}}",
                    )
                ],
                unit=CASES,
            )
        )
        .with_panel(
            p.stat(
                "Transfer deadlines within 7 / 28 days",
                "Accepted claims whose transfer deadline is 0 to N days after the pipeline "
                "day; without a transfer the case enters the national procedure.",
                [
                    q(
                        "within_days:caseflow_transfers_due:max",
                        "within {{within_days}} days",
                        instant=True,
                    )
                ],
                unit=CASES,
                steps=((None, "green"), (1, "orange")),
                mappings=[when_value({"0": ("none", "green")}), when_null("not reported yet")],
                width=12,
                height=8,
                links=expiring,
            )
        )
        .with_panel(
            p.series(
                "Transfers per day by outcome",
                "Transfers completed, attempts failed and transfer deadlines expired in the "
                "last 24 hours.",
                [q("outcome:caseflow_transfers:increase1d", "{{outcome}}")],
                unit=CASES_PER_DAY,
                bars=True,
            )
        )
        .with_panel(
            p.totals(
                "Transfers by outcome (total)",
                "Transfers completed, attempts failed, deadlines expired since the start.",
                [q("outcome:caseflow_transfers_total:max", "{{outcome}}", instant=True)],
                unit=CASES,
                width=12,
            )
        )
        .with_panel(
            p.totals(
                "Failed transfers by reason",
                "Failed transfer attempts by the reason DT&V gave.",
                [
                    q(
                        "max by (reason) (caseflow_transfer_failures_total)",
                        "{{reason}}",
                        instant=True,
                    )
                ],
                unit=CASES,
            )
        )
        .with_panel(
            p.series(
                "Side-inflow per day by reason",
                "Cases entering the national procedure in the last 24 hours, by reason.",
                [q("reason:caseflow_side_inflow:increase1d", "{{reason}}")],
                unit=CASES_PER_DAY,
                width=8,
                bars=True,
            )
        )
        .with_panel(
            p.totals(
                "Side-inflow by reason (total)",
                "Cases that entered the national procedure after Dublin, since the start.",
                [q("reason:caseflow_side_inflow_total:max", "{{reason}}", instant=True)],
                unit=CASES,
            )
        )
        .with_panel(
            p.totals(
                "Open claims by member state",
                "Claims not concluded, by the member state asked (the Dublin service's view).",
                [
                    q(
                        "max by (member_state) (caseflow_dublin_open_claims_by_member_state)",
                        "{{member_state}}",
                        instant=True,
                    )
                ],
                unit=CASES,
                width=12,
            )
        )
        .with_panel(
            p.series(
                "Dublin events emitted",
                "Derived events the Dublin service publishes, per second (pipeline activity).",
                [
                    q(
                        'sum by (type) (rate(caseflow_fold_emitted_total{service="dublin"}'
                        "[$__rate_interval]))",
                        "{{type}}",
                    )
                ],
                unit=EVENTS_PER_S,
            )
        )
    )
    return dash, legal_events()


def pipeline() -> tuple[board.Dashboard, list[dict[str, Any]]]:
    p = Panels()
    dash = (
        new_dashboard(
            "caseflow-pipeline",
            "Pipeline health",
            "Is the pipeline itself healthy: every replica scraped, consumer lag, clock, "
            "intake outcomes, processing times.",
            "now-6h",
        )
        .link(link("Runbooks", "${runbooks}/"))
        .with_panel(
            p.stat(
                "Services up",
                "Every replica Prometheus scrapes (found in DNS), up or down.",
                [q('up{job=~"caseflow-.*"}', "{{job}} {{instance}}", instant=True)],
                unit="none",
                steps=((None, "red"), (1, "green")),
                mappings=[when_value({"0": ("Down", "red"), "1": ("Up", "green")})],
                width=16,
                height=5,
                links=[runbook("CaseflowServiceDown")],
            )
        )
        .with_panel(
            p.stat(
                "Replicas up",
                "Replicas of each service that answer; a service with none has no target.",
                [q('count by (job) (up{job=~"caseflow-.*"} == 1)', "{{job}}", instant=True)],
                unit=REPLICAS,
                steps=((None, "red"), (1, "green")),
                mappings=[when_null("none up", "red")],
                width=8,
                height=5,
                links=[runbook("CaseflowServiceDown")],
            )
        )
        .with_panel(
            p.series(
                "Records consumed by the metrics service",
                "Records the metrics workers read per second, by topic.",
                [
                    q(
                        "sum by (topic) (rate(caseflow_metrics_records_total[$__rate_interval]))",
                        "{{topic}}",
                    )
                ],
                unit=RECORDS_PER_S,
            )
        )
        .with_panel(
            p.series(
                "Consumer lag",
                "Records behind the high-water mark, per service and topic.",
                [q("service_topic:caseflow_consumer_lag_records:sum", "{{service}} {{topic}}")],
                unit=RECORDS,
                links=[runbook("CaseflowConsumerLag")],
            )
        )
        .with_panel(
            p.series(
                "Intake events by outcome",
                "Partner events intake accepted, found duplicate or rejected, per second.",
                [
                    q(
                        "sum by (outcome) (rate(caseflow_intake_events_total[$__rate_interval]))",
                        "{{outcome}}",
                    )
                ],
                unit=EVENTS_PER_S,
                links=[runbook("CaseflowIntakeRejectionsRising")],
            )
        )
        .with_panel(
            p.totals(
                "Rejections by reason",
                "Rejected events by reason (durable totals of all intake workers), and the "
                "dead letters the metrics service counted on intake.rejected.",
                [
                    q(
                        "max by (reason) (caseflow_intake_ledger_rejections)",
                        "intake {{reason}}",
                        "A",
                        instant=True,
                    ),
                    q(
                        "max by (reason) (caseflow_dead_letters_total)",
                        "dead letters {{reason}}",
                        "B",
                        instant=True,
                    ),
                ],
                unit="suffix: events",
                width=12,
                links=[runbook("CaseflowIntakeRejectionsRising")],
            )
        )
        .with_panel(
            p.series(
                "Pipeline clock",
                "The latest clock tick each stage has processed.",
                [
                    q(
                        "max by (service) (caseflow_pipeline_clock_timestamp_seconds) * 1000",
                        "{{service}}",
                    )
                ],
                unit=TIMESTAMP,
            )
        )
        .with_panel(
            p.series(
                "Pipeline clock lag",
                "Wall clock minus the pipeline clock, per stage (simulated clocks lag by design).",
                [q("service:caseflow_pipeline_clock_lag_seconds:max", "{{service}}")],
                unit=SECONDS,
                links=[runbook("CaseflowPipelineClockStalled")],
            )
        )
        .with_panel(
            p.series(
                "Seconds since last processed batch",
                "Time since each worker last processed a batch.",
                [
                    q(
                        "time() - caseflow_fold_last_processed_timestamp_seconds",
                        "{{service}} {{instance}}",
                        "A",
                    ),
                    q(
                        "time() - caseflow_intake_last_processed_timestamp_seconds",
                        "intake {{instance}}",
                        "B",
                    ),
                    q(
                        "time() - caseflow_metrics_last_processed_timestamp_seconds",
                        "metrics {{instance}}",
                        "C",
                    ),
                ],
                unit=SECONDS,
            )
        )
        .with_panel(
            p.series(
                "Derived events emitted",
                "Events the fold services publish per second, by service and type.",
                [
                    q(
                        "sum by (service, type) "
                        "(rate(caseflow_fold_emitted_total[$__rate_interval]))",
                        "{{service}} {{type}}",
                    )
                ],
                unit=EVENTS_PER_S,
            )
        )
    )
    for title, metric, by in (
        ("Timer fire lag p95", "caseflow_timer_fire_lag_seconds_bucket", "service"),
        ("Batch duration p95", "caseflow_fold_batch_seconds_bucket", "service"),
        ("Intake processing p95", "caseflow_intake_processing_seconds_bucket", "origin"),
    ):
        dash = dash.with_panel(
            p.series(
                title,
                f"95th percentile of {metric.removesuffix('_bucket')}, by {by}.",
                [
                    q(
                        f"histogram_quantile(0.95, sum by ({by}, le) "
                        f"(rate({metric}[$__rate_interval])))",
                        f"{{{{{by}}}}}",
                    )
                ],
                unit=SECONDS,
                width=8,
            )
        )
    return dash, []


DASHBOARDS = {"overview": overview, "dublin": dublin, "pipeline-health": pipeline}


def render(dash: board.Dashboard, annotations: list[dict[str, Any]]) -> str:
    document: dict[str, Any] = json.loads(json.dumps(dash.build(), cls=JSONEncoder))
    builtin = {
        "name": "Annotations & Alerts",
        "builtIn": 1,
        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
        "enable": True,
        "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)",
        "type": "dashboard",
    }
    document["annotations"] = {"list": [builtin, *annotations]}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in DASHBOARDS.items():
        path = out / f"{name}.json"
        path.write_text(render(*make()))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=OUT, help="folder to write (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
