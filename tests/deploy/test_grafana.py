"""The Grafana provisioning and dashboards, checked structurally (the dashboard JSON model that
Grafana's @grafana/schema describes: the fields caseflow relies on)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.deploy.dashboards import DASHBOARDS, GRAFANA, load, panels, queries

DATASOURCE_UID = "caseflow-prometheus"
PANEL_TYPES = {"timeseries", "stat", "bargauge", "gauge", "table", "text", "row"}
RANGE_FUNCTIONS = re.compile(
    r"\b(rate|irate|increase|delta|deriv|[a-z]+_over_time)\(([^()]|\([^()]*\))*?\[([^\]]+)\]"
)


def test_datasource_has_a_fixed_uid() -> None:
    config = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    (source,) = config["datasources"]
    assert source["uid"] == DATASOURCE_UID
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"


def test_dashboards_are_provisioned_from_files() -> None:
    config = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "caseflow.yml").read_text())
    (provider,) = config["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


def test_the_three_dashboards_exist() -> None:
    titles = {load(p)["title"] for p in DASHBOARDS}
    assert titles == {"Asylum chain overview", "Dublin and side-inflow", "Pipeline health"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_structure(path: Path) -> None:
    board = load(path)
    assert re.fullmatch(r"[a-z0-9-]{1,40}", board["uid"])
    assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 36
    assert board["title"] and board["time"]["from"] and board["time"]["to"]
    ids = [p["id"] for p in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    occupied: set[tuple[int, int]] = set()
    for panel in panels(board):
        assert panel["type"] in PANEL_TYPES, panel["title"]
        assert panel["title"] and panel.get("description"), panel["id"]
        grid = panel["gridPos"]
        assert grid["w"] > 0 and grid["h"] > 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (grid["x"] + dx, grid["y"] + dy) for dx in range(grid["w"]) for dy in range(grid["h"])
        }
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}
        refs = [t["refId"] for t in panel["targets"]]
        assert panel["targets"] and len(refs) == len(set(refs)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == DATASOURCE_UID
            assert target["expr"].strip(), panel["title"]


@pytest.mark.parametrize(("board", "panel", "expr"), queries())
def test_every_range_uses_rate_interval(board: str, panel: str, expr: str) -> None:
    for match in RANGE_FUNCTIONS.finditer(expr):
        assert match.group(3) == "$__rate_interval", f"{board} / {panel}: {expr}"


def test_no_query_selects_on_a_case_id() -> None:
    for _board, panel, expr in queries():
        assert "case" not in re.findall(r"(\w+)\s*=", expr), panel
