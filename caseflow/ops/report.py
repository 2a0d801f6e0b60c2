"""`caseflow report --month YYYY-MM`: the monthly figures the IND published in 2021, as a
Markdown and HTML page with PNG charts and a CSV of the numbers.

The series come from the live services (`GET /v1/figures/monthly` on deadline and Dublin) or,
with `--events FILE`, from an offline replay of partner events.
"""

from __future__ import annotations

import asyncio
import csv
import html
from datetime import date
from pathlib import Path
from typing import Any

from caseflow.domain.stock import month_end, month_ends, monthly_series
from caseflow.ops import api_client
from caseflow.runtime.operator import operator_token
from caseflow.runtime.settings import Settings

COLUMNS = (
    ("taskforce_stock", "Taskforce stock at month end"),
    ("first_open_within_term", "Open first applications since 1 Apr 2020, within the term"),
    ("first_open_past_term", "Open first applications since 1 Apr 2020, past the term"),
    ("first_decided_within_term", "First applications decided within the term (cumulative)"),
    ("penalties_paid_eur", "Statutory penalties paid (cumulative, EUR)"),
    ("side_inflow", "Side-inflow from Dublin in the month"),
)
GOAL_MONTH = "2021-06"


async def live_series(settings: Settings, until: date) -> list[dict[str, Any]]:
    base = f"http://{settings.http_host}"
    return await api_client.monthly(
        f"{base}:{settings.deadline_port}",
        f"{base}:{settings.dublin_port}",
        operator_token(settings),
        until,
    )


def replay_series(events: Path, until: date, settings: Settings) -> list[dict[str, Any]]:
    from caseflow.ops.replay import replay_file
    from caseflow.runtime.policy import policy_from

    policy = policy_from(settings)
    result = replay_file(events, until, settings)
    terms = [run.term.state for run in result.runs.values() if run.term.state is not None]
    dublins = [run.dublin.state for run in result.runs.values() if run.dublin.state is not None]
    return monthly_series(terms, dublins, policy, until)


def write(rows: list[dict[str, Any]], month: str, out: Path) -> list[Path]:
    """CSV, charts, Markdown and HTML into `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [_csv(rows, out / f"caseflow-{month}.csv")]
    written += _charts(rows, out, month)
    written.append(_markdown(rows, month, out / f"caseflow-{month}.md"))
    written.append(_html(rows, month, out / f"caseflow-{month}.html"))
    return written


def _csv(rows: list[dict[str, Any]], path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["month", *(key for key, _ in COLUMNS)])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _charts(rows: list[dict[str, Any]], out: Path, month: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    months = [row["month"] for row in rows]
    paths = []

    def save(fig: Any, name: str) -> None:
        fig.tight_layout()
        path = out / f"caseflow-{month}-{name}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(path)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(
        months,
        [r["taskforce_stock"] for r in rows],
        marker="o",
        color="#1f4e79",
        label="Taskforce stock",
    )
    # The goal as a burn-down line: from the first month's stock to zero by June 2021.
    goal_months = [m for m in months if m <= GOAL_MONTH]
    if len(goal_months) > 1:
        first = rows[0]["taskforce_stock"]
        steps = len([m for m in _month_range(months[0], GOAL_MONTH)]) - 1
        ideal = [first * (1 - i / steps) for i in range(len(goal_months))]
        ax.plot(
            goal_months, ideal, color="#c00000", linestyle="--", label="goal: cleared by mid-2021"
        )
    ax.set_title("Taskforce stock at month end (applications lodged before 1 Apr 2020)")
    ax.set_ylabel("open applications")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    ax.tick_params(axis="x", rotation=45)
    save(fig, "taskforce")

    fig, ax = plt.subplots(figsize=(9, 4.5))
    within = [r["first_open_within_term"] for r in rows]
    past = [r["first_open_past_term"] for r in rows]
    ax.bar(months, within, color="#2e7d32", label="open, within the term")
    ax.bar(months, past, bottom=within, color="#c00000", label="open, past the term")
    ax.plot(
        months,
        [r["first_decided_within_term"] for r in rows],
        color="#1f4e79",
        marker="o",
        label="decided within the term (cumulative)",
    )
    ax.set_title("First applications lodged since 1 Apr 2020")
    ax.set_ylabel("applications")
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    ax.tick_params(axis="x", rotation=45)
    save(fig, "new-applications")

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(months, [r["penalties_paid_eur"] / 1e6 for r in rows], marker="o", color="#7b1fa2")
    left.set_title("Statutory penalties paid, cumulative")
    left.set_ylabel("EUR million")
    left.set_ylim(bottom=0)
    left.grid(axis="y", alpha=0.3)
    left.tick_params(axis="x", rotation=45)
    right.bar(months, [r["side_inflow"] for r in rows], color="#ef6c00")
    right.set_title("Side-inflow from failed or expired Dublin transfers")
    right.set_ylabel("cases per month")
    right.grid(axis="y", alpha=0.3)
    right.tick_params(axis="x", rotation=45)
    save(fig, "penalties-side-inflow")
    return paths


def _markdown(rows: list[dict[str, Any]], month: str, path: Path) -> Path:
    last = rows[-1]
    lines = [
        f"# caseflow monthly report — {month}",
        "",
        "| figure | value |",
        "|---|---:|",
        *[f"| {label} | {last[key]:,} |" for key, label in COLUMNS],
        "",
        f"![Taskforce stock](caseflow-{month}-taskforce.png)",
        "",
        f"![New applications](caseflow-{month}-new-applications.png)",
        "",
        f"![Penalties and side-inflow](caseflow-{month}-penalties-side-inflow.png)",
        "",
        "## Month by month",
        "",
        "| month | " + " | ".join(label for _, label in COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
        *[
            f"| {r['month']} | " + " | ".join(f"{r[key]:,}" for key, _ in COLUMNS) + " |"
            for r in rows
        ],
        "",
        f"Numbers: caseflow-{month}.csv.",
        "",
    ]
    path.write_text("\n".join(lines))
    return path


def _html(rows: list[dict[str, Any]], month: str, path: Path) -> Path:
    esc = html.escape
    head = "".join(f"<th>{esc(label)}</th>" for _, label in COLUMNS)
    body = "".join(
        "<tr><td>"
        + esc(r["month"])
        + "</td>"
        + "".join(f"<td>{r[key]:,}</td>" for key, _ in COLUMNS)
        + "</tr>"
        for r in rows
    )
    charts = "".join(
        f'<img src="caseflow-{month}-{name}.png" alt="{esc(name)}">'
        for name in ("taskforce", "new-applications", "penalties-side-inflow")
    )
    path.write_text(
        f"<!doctype html><html lang=en><meta charset=utf-8><title>caseflow {esc(month)}</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
        "td,th{padding:4px 8px;text-align:right;border-bottom:1px solid #ddd}"
        "td:first-child{text-align:left}img{max-width:100%;margin:1em 0}</style>"
        f"<h1>caseflow monthly report — {esc(month)}</h1>{charts}"
        f"<table><tr><th>month</th>{head}</tr>{body}</table>"
        f"<p>Numbers: <a href='caseflow-{month}.csv'>caseflow-{month}.csv</a></p></html>"
    )
    return path


def _month_range(first: str, last: str) -> list[str]:
    return [d.strftime("%Y-%m") for d in month_ends(month_end(first), month_end(last))]


def fetch_live(settings: Settings, until: date) -> list[dict[str, Any]]:
    return asyncio.run(live_series(settings, until))
