"""`caseflow report --month YYYY-MM`: the monthly figures the IND publishes — Taskforce stock,
open first applications since the cut-off within and past the term, decided within the term,
side-inflow, penalties paid, and the late decisions by cause — as a PDF, HTML and Markdown
document with charts and a CSV, in Dutch (default) or English.

Every month is computed from the facts known at its end (`caseflow.ops.replay.as_known`: the
events dated up to its last day), so a published month never changes when later months are
added; a change the law makes necessary (an instrument held unlawful) is listed as a revision.
The facts come from an events file (`--events`) or from intake's event log (the live pipeline's
accepted events). Nothing is written unless everything could be: the files are made in a
temporary folder and moved into place at the end.
"""

from __future__ import annotations

import asyncio
import csv
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from caseflow.domain import DublinState, Fact, Policy, TermState
from caseflow.domain.stock import MONTH_FIGURES, month_ends, month_row
from caseflow.domain.taskforce import goal_stock
from caseflow.ops.failures import OperatorError
from caseflow.ops.replay import AdmissionSettings, Admitted, admitted, as_known
from caseflow.runtime.messages import Language, Messages
from caseflow.runtime.policy import policy_from
from caseflow.runtime.settings import Settings

TEMPLATES = Path(__file__).with_name("templates")
#: The charts of the report, by file name part.
CHARTS = ("taskforce", "new-applications", "penalties-side-inflow")
#: The figures of the key-figures table and the monthly tables, as the IND publishes them.
SERIES_TABLES: tuple[tuple[str, ...], ...] = (
    (
        "taskforce_stock",
        "first_open_within_term",
        "first_open_past_term",
        "first_decided_within_term",
    ),
    ("penalties_paid_eur", "side_inflow"),
    ("late_linked_child", "late_side_inflow_over_term", "late_other"),
)
LATE_FIGURES = SERIES_TABLES[2]
EURO_FIGURES = ("penalties_paid_eur",)


class ReportError(OperatorError):
    """A report that cannot be made as asked (a month outside the data); nothing is written."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where the facts came from: an events file, or intake's event log (``live``)."""

    live: bool
    name: str
    events: int
    facts: Admitted

    def describe(self, t: Messages) -> str:
        last = t.day(self.facts.last_day) if self.facts.last_day else "-"
        key = "report.source_live" if self.live else "report.source_file"
        return t(key, name=self.name, events=t.number(self.events), last_day=last)


@dataclass(frozen=True, slots=True)
class Revision:
    """A published figure that later facts change because the law applies them to the past: a
    decision that the application was manifestly unfounded or inadmissible means no penalty was
    due for it (Awb 4:17(6)(c)); an instrument held unlawful counts as never having applied
    (DOMAIN.md §1)."""

    month: str
    figure: str
    published: int
    revised: int


@dataclass(frozen=True, slots=True)
class Report:
    month: date
    rows: list[dict[str, Any]]
    revisions: list[Revision]
    source: Source
    scale: float
    generated: datetime
    policy: Policy
    goal: date
    language: Language = "nl"

    @property
    def name(self) -> str:
        return f"caseflow-{self.month:%Y-%m}"


# --- the facts --------------------------------------------------------------------------------


def _admission(settings: Settings) -> AdmissionSettings:
    return AdmissionSettings(settings.max_event_bytes, settings.cohort_cutoff)


def from_file(path: Path, settings: Settings) -> Source:
    lines = path.read_bytes().splitlines()
    policy = policy_from(settings)
    found = admitted(
        lines, policy=policy, now=datetime.now(UTC), name=path.name, settings=_admission(settings)
    )
    return Source(False, path.name, sum(1 for line in lines if line.strip()), found)


def from_intake(dsn: str, settings: Settings) -> Source:
    """The live pipeline's facts: every event intake accepted (services.intake.store)."""
    import asyncpg

    from services.intake.store import accepted_events

    async def read() -> list[bytes]:
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            return await accepted_events(conn)
        finally:
            await conn.close()

    lines = asyncio.run(read())
    policy = policy_from(settings)
    found = admitted(
        lines, policy=policy, now=datetime.now(UTC), name="intake", settings=_admission(settings)
    )
    return Source(True, "intake.event_log", len(lines), found)


# --- the figures ------------------------------------------------------------------------------


def month_of(value: datetime | date) -> date:
    """The last day of the month of ``value`` (a month given as its first day)."""
    first = date(value.year, value.month, 1)
    return first + relativedelta(months=1) - timedelta(days=1)


def check_month(month: date, source: Source, policy: Policy) -> None:
    """Refuse a month the data cannot answer: before the series starts (the cut-off's month),
    or not complete in the data (its last day after the last fact)."""
    t = Messages("en")
    first = month_of(policy.taskforce_cutoff)
    last_day = source.facts.last_day
    if month < first:
        raise ReportError(t("report.error_month_before", first=f"{first:%Y-%m}"))
    if last_day is None or last_day < first.replace(day=1):
        raise ReportError(t("report.error_no_data", first=f"{first:%Y-%m}"))
    if month > last_day:
        complete = month_of(last_day)
        if complete > last_day:
            complete = month_of(last_day.replace(day=1) - timedelta(days=1))
        last_month = f"{complete:%Y-%m}" if complete >= first else "none"
        raise ReportError(
            t("report.error_month_after", last_day=last_day.isoformat(), last_month=last_month)
        )


def known_series(
    facts: dict[str, list[Fact]], policy: Policy, until: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per month from the cut-off's to ``until``'s, each from the states as known at
    its end (caseflow.domain.stock.month_row over caseflow.ops.replay.as_known): the published
    series. With it, the same months as the states known at ``until`` say they were, with every
    instrument held unlawful by then counting as never valid: the series as revised by law."""
    ends = month_ends(policy.taskforce_cutoff, until)
    published: list[dict[str, Any]] = []
    terms: list[TermState] = []
    dublins: list[DublinState] = []
    for end, terms, dublins in as_known(facts, ends, policy):
        published.append(month_row(terms, dublins, policy, end))
    marked = {m.instrument for m in policy.invalidations if m.on <= until}
    law = replace(policy, invalid_instruments=policy.invalid_instruments | marked)
    revised = [month_row(terms, dublins, law, end) for end in ends]
    return published, revised


def revisions(
    published: Sequence[dict[str, Any]], revised: Sequence[dict[str, Any]]
) -> list[Revision]:
    """Every figure of an earlier month that the revised series changes."""
    return [
        Revision(old["month"], figure, old[figure], new[figure])
        for old, new in zip(published[:-1], revised[:-1], strict=True)
        for figure in MONTH_FIGURES
        if old[figure] != new[figure]
    ]


def make(
    source: Source,
    month: date,
    settings: Settings,
    *,
    scale: float = 1.0,
    language: Language = "nl",
    now: datetime | None = None,
) -> Report:
    policy = policy_from(settings)
    check_month(month, source, policy)
    rows, revised = known_series(source.facts.facts, policy, month)
    return Report(
        month=month,
        rows=rows,
        revisions=revisions(rows, revised),
        source=source,
        scale=scale,
        generated=now or datetime.now(UTC),
        policy=policy,
        goal=settings.taskforce_goal,
        language=language,
    )


# --- the documents ----------------------------------------------------------------------------


def write(report: Report, out: Path) -> list[Path]:
    """CSV, charts, Markdown, HTML and PDF into ``out``; returns the files written. They are
    made in a temporary folder beside ``out`` and moved into it only when all are done."""
    anchor = next(p for p in (out, *out.parents) if p.exists())
    staging = Path(tempfile.mkdtemp(prefix=".caseflow-report-", dir=anchor))
    try:
        made = _documents(report, staging)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for path in made:
            target = out / path.name
            os.replace(path, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _documents(report: Report, folder: Path) -> list[Path]:
    t = Messages(report.language)
    page = _page(report, t)
    made = [_csv(report, folder / f"{report.name}.csv")]
    made += _charts(report, t, folder)
    made.append(_render("report.md.j2", page, folder / f"{report.name}.md"))
    html = _render("report.html.j2", page, folder / f"{report.name}.html")
    made.append(html)
    made.append(_pdf(html, folder / f"{report.name}.pdf"))
    return made


def _csv(report: Report, path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["month", *MONTH_FIGURES])
        writer.writeheader()
        writer.writerows(report.rows)
    return path


def _page(report: Report, t: Messages) -> dict[str, Any]:
    """Everything the templates show, as text in the report's language."""
    cutoff = t.day(report.policy.taskforce_cutoff)
    last, previous = report.rows[-1], (report.rows[-2] if len(report.rows) > 1 else None)

    def value(figure: str, row: dict[str, Any]) -> str:
        return t.euros(row[figure]) if figure in EURO_FIGURES else t.number(row[figure])

    def label(figure: str) -> str:
        return t(f"figure.{figure}", cutoff=cutoff)

    def month_label(row: dict[str, Any]) -> str:
        return t.month(date.fromisoformat(row["month"] + "-01"))

    key_figures = [
        {
            "label": label(figure),
            "value": value(figure, last),
            "previous": value(figure, previous) if previous else "–",
            "change": _signed(t, last[figure] - previous[figure]) if previous else "–",
        }
        for figure in (*SERIES_TABLES[0], *SERIES_TABLES[1])
    ]
    tables = [
        {
            "columns": [t(f"figure.short.{figure}") for figure in figures],
            "rows": [
                {"month": month_label(row), "cells": [value(f, row) for f in figures]}
                for row in report.rows
            ],
        }
        for figures in SERIES_TABLES
    ]
    scale = (
        t("report.scale_real")
        if report.scale == 1
        else t("report.scale_other", scale=t.number(report.scale))
    )
    month = t.month(report.month)
    return {
        "lang": report.language,
        "t": t,
        "name": report.name,
        "title": t("report.title", month=month),
        "subtitle": t("report.subtitle", as_of=t.day(report.month)),
        "running_head": t("report.running_head", month=month),
        "source": t("report.source", source=report.source.describe(t)),
        "scale": scale,
        "as_of": t("report.as_of", as_of=t.day(report.month)),
        "as_of_day": t.day(report.month),
        "generated": t("report.generated", at=t.moment(report.generated)),
        "key_figures_title": t("report.key_figures", month=month),
        "key_figures": key_figures,
        "late_intro": t("report.late_intro", cutoff=cutoff),
        "late_table": tables[2],
        "tables": tables[:2],
        "charts": [f"{report.name}-{chart}.png" for chart in CHARTS],
        "revisions": [
            {
                "month": t.month(date.fromisoformat(r.month + "-01")),
                "figure": t(f"figure.short.{r.figure}"),
                "published": value(r.figure, {r.figure: r.published}),
                "revised": value(r.figure, {r.figure: r.revised}),
            }
            for r in report.revisions
        ],
        "csv": f"{report.name}.csv",
    }


def _signed(t: Messages, change: int) -> str:
    return ("+" if change > 0 else "") + t.number(change) if change else "0"


def _render(template: str, page: dict[str, Any], path: Path) -> Path:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["css_string"] = _css_string
    path.write_text(environment.get_template(template).render(**page))
    return path


def _css_string(text: str) -> Any:
    """A CSS string literal for the page margins' ``content``, safe inside a style element."""
    import markupsafe

    escaped = "".join(_CSS_ESCAPES.get(c, c) for c in text)
    return markupsafe.Markup(f'"{escaped}"')


_CSS_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\A ", "<": "\\3C ", ">": "\\3E ", "&": "\\26 "}


def _pdf(html: Path, path: Path) -> Path:
    """The HTML as print pages (A4, running head and foot on every page), by WeasyPrint."""
    import logging

    from weasyprint import HTML

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    HTML(filename=html, base_url=str(html.parent)).write_pdf(path)
    return path


def _charts(report: Report, t: Messages, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    rows = report.rows
    months = [date.fromisoformat(r["month"] + "-01") for r in rows]
    ticks = [t.month_short(m) for m in months]
    x = list(range(len(rows)))
    numbers = FuncFormatter(lambda v, _pos: t.number(round(v)))
    paths = []

    def frame(ax: Any, title: str, ylabel: str) -> None:
        ax.set_title(title, loc="left", fontsize=11)
        ax.set_ylabel(ylabel)
        ax.set_xticks(x, ticks, rotation=45, ha="right", fontsize=8)
        ax.yaxis.set_major_formatter(numbers)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)

    def latest(
        ax: Any, values: Sequence[float], text: str, color: str, below: bool = False
    ) -> None:
        """The value label on the latest point."""
        ax.annotate(
            text,
            (x[-1], values[-1]),
            xytext=(-6, -14) if below else (6, 6),
            textcoords="offset points",
            ha="right" if below else "left",
            color=color,
            fontsize=9,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )

    def save(fig: Any, chart: str) -> None:
        fig.tight_layout()
        path = folder / f"{report.name}-{chart}.png"
        fig.savefig(path, dpi=150)
        plt.close(fig)
        paths.append(path)

    fig, ax = plt.subplots(figsize=(8, 3.6))
    stock = [r["taskforce_stock"] for r in rows]
    ax.plot(x, stock, marker="o", color="#1f4e79", label=t("figure.short.taskforce_stock"))
    latest(ax, stock, t.number(stock[-1]), "#1f4e79")
    ends = [month_of(m) for m in months]
    goal = [goal_stock(stock[0], end, ends[0], report.goal) for end in ends]
    ax.plot(x, goal, color="#c00000", linestyle="--", label=t("report.chart_taskforce_goal"))
    frame(ax, t("report.chart_taskforce"), t("report.axis_cases"))
    ax.legend(frameon=False, fontsize=8)
    save(fig, "taskforce")

    cutoff = t.day(report.policy.taskforce_cutoff)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    within = [r["first_open_within_term"] for r in rows]
    past = [r["first_open_past_term"] for r in rows]
    decided = [r["first_decided_within_term"] for r in rows]
    ax.bar(x, within, color="#2e7d32", label=t("figure.short.first_open_within_term"))
    ax.bar(x, past, bottom=within, color="#c00000", label=t("figure.short.first_open_past_term"))
    ax.plot(
        x, decided, color="#1f4e79", marker="o", label=t("figure.short.first_decided_within_term")
    )
    latest(ax, decided, t.number(decided[-1]), "#1f4e79", below=True)
    ax.annotate(
        t.number(within[-1] + past[-1]),
        (x[-1], within[-1] + past[-1]),
        xytext=(-6, 4),
        textcoords="offset points",
        ha="right",
        fontsize=9,
        fontweight="bold",
        color="#2e7d32",
    )
    frame(ax, t("report.chart_new", cutoff=cutoff), t("report.axis_cases"))
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    save(fig, "new-applications")

    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.6))
    paid = [r["penalties_paid_eur"] for r in rows]
    left.plot(x, paid, marker="o", color="#7b1fa2")
    latest(left, paid, t.euros(paid[-1]), "#7b1fa2")
    frame(left, t("report.chart_penalties"), t("report.axis_eur"))
    left.set_xticks(x[::2], ticks[::2], rotation=45, ha="right", fontsize=8)
    inflow = [r["side_inflow"] for r in rows]
    right.bar(x, inflow, color="#ef6c00")
    latest(right, inflow, t.number(inflow[-1]), "#ef6c00")
    frame(right, t("report.chart_side_inflow"), t("report.axis_cases_month"))
    right.set_xticks(x[::2], ticks[::2], rotation=45, ha="right", fontsize=8)
    save(fig, "penalties-side-inflow")
    return paths
