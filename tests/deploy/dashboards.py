"""Reading the provisioned Grafana dashboards: every panel and every PromQL query in them."""

from __future__ import annotations

import json
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


def queries() -> list[tuple[str, str, str]]:
    """(dashboard title, panel title, expr) for every query of every dashboard."""
    return [
        (board["title"], panel["title"], target["expr"])
        for board in map(load, DASHBOARDS)
        for panel in panels(board)
        for target in panel.get("targets", [])
    ]


def runnable(expr: str) -> str:
    """A panel query as Prometheus itself can run it (Grafana's variables substituted)."""
    return expr.replace("$__rate_interval", RATE_INTERVAL)
