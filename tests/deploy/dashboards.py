"""Reading the provisioned Grafana dashboards: every panel and every PromQL query in them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
#: The interval Grafana would put in for $__rate_interval, for queries run without Grafana.
RATE_INTERVAL = "1m"


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # panels collapsed inside a row


def variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}


def queries() -> list[tuple[str, str, str]]:
    """(dashboard title, panel title, expr) for every query of every dashboard."""
    return [
        (board["title"], panel["title"], target["expr"])
        for board in map(load, DASHBOARDS)
        for panel in panels(board)
        for target in panel.get("targets", [])
    ]


def annotations() -> list[tuple[str, dict[str, Any]]]:
    """(dashboard title, annotation) for every Prometheus annotation query."""
    return [
        (board["title"], a)
        for board in map(load, DASHBOARDS)
        for a in board["annotations"]["list"]
        if a["datasource"].get("type") == "prometheus"
    ]


def _all_values() -> dict[str, str]:
    """What Grafana puts in for each query variable left at "All"."""
    return {
        name: variable["allValue"]
        for board in map(load, DASHBOARDS)
        for name, variable in variables(board).items()
        if variable["type"] == "query"
    }


def runnable(expr: str) -> str:
    """A panel query as Prometheus itself can run it (Grafana's variables substituted, every
    template variable at "All")."""
    expr = expr.replace("$__rate_interval", RATE_INTERVAL)
    for name, value in _all_values().items():
        expr = re.sub(rf"\$\{{{name}\}}|\${name}\b", value, expr)
    return expr
