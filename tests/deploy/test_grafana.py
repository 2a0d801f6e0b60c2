"""The Grafana provisioning and dashboards, checked structurally (the dashboard JSON model that
Grafana's @grafana/schema describes: the fields caseflow relies on)."""

from __future__ import annotations

import filecmp
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.deploy.dashboards import (
    DASHBOARDS,
    GRAFANA,
    ROOT,
    annotations,
    load,
    panels,
    queries,
    runnable,
    variables,
)

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
        assert panel["title"], panel["id"]
        grid = panel["gridPos"]
        assert grid["w"] > 0 and grid["h"] > 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (grid["x"] + dx, grid["y"] + dy) for dx in range(grid["w"]) for dy in range(grid["h"])
        }
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells
        if panel["type"] == "row":
            continue
        assert panel.get("description"), panel["title"]
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


def test_the_committed_dashboards_are_what_the_generator_writes(tmp_path: Path) -> None:
    """The JSON is generated (`make dashboards`); an edit of either alone fails here."""
    done = subprocess.run(
        [sys.executable, str(GRAFANA / "generate.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    generated = sorted(p.name for p in tmp_path.glob("*.json"))
    assert generated == [p.name for p in DASHBOARDS], (
        "a dashboard file the generator does not write"
    )
    _, mismatch, errors = filecmp.cmpfiles(
        tmp_path, GRAFANA / "dashboards", generated, shallow=False
    )
    assert mismatch == [] and errors == [], f"stale, run `make dashboards`: {mismatch + errors}"


def all_panels() -> list[tuple[str, dict[str, Any]]]:
    return [(board["title"], p) for board in map(load, DASHBOARDS) for p in panels(board)]


def panel(title: str) -> dict[str, Any]:
    (found,) = [p for _, p in all_panels() if p["title"] == title]
    return found


def colours(p: dict[str, Any]) -> set[str]:
    return {step["color"] for step in p["fieldConfig"]["defaults"]["thresholds"]["steps"]}


def mapped(p: dict[str, Any], value: float) -> str | None:
    """The text a panel's value mappings give a value (Grafana's order: value, range)."""
    for mapping in p["fieldConfig"]["defaults"]["mappings"]:
        options = mapping["options"]
        if mapping["type"] == "value" and str(int(value)) in options:
            return str(options[str(int(value))]["text"])
        if mapping["type"] == "range" and options["from"] <= value <= options["to"]:
            return str(options["result"]["text"])
    return None


def test_every_stat_has_thresholds_and_value_mappings() -> None:
    for board, p in all_panels():
        if p["type"] in ("stat", "bargauge"):
            defaults = p["fieldConfig"]["defaults"]
            assert defaults["thresholds"]["steps"], f"{board} / {p['title']}"
            assert defaults["mappings"], f"{board} / {p['title']}"
            for mapping in defaults["mappings"]:
                if mapping["type"] == "range":
                    # Grafana reads a missing end as 0, not as infinity.
                    assert None not in (mapping["options"]["from"], mapping["options"]["to"])


def test_the_taskforce_assignment_is_a_size_not_a_warning() -> None:
    assert colours(panel("Taskforce assignment")) == {"blue"}
    assert colours(panel("Taskforce stock")) == {"blue"}
    above = panel("Stock above the goal line")
    assert mapped(above, -120) == "on track" and mapped(above, 0) == "on track"
    assert mapped(above, 15350) is None and "red" in colours(above)


def test_services_up_reads_up_or_down() -> None:
    up = panel("Services up")
    assert (mapped(up, 1), mapped(up, 0)) == ("Up", "Down")
    assert up["fieldConfig"]["defaults"]["thresholds"]["steps"] == [
        {"color": "red", "value": None},
        {"color": "green", "value": 1},
    ]


FORECAST = "caseflow_forecast_taskforce_cleared_timestamp_seconds"


def test_the_forecast_never_shows_infinity() -> None:
    """+Inf (nothing decided in the window) is clamped to 2100 and named, never shown."""
    never = datetime(2100, 1, 1, tzinfo=ZoneInfo("UTC")).timestamp()
    for _, p in all_panels():
        for target in p.get("targets", []):
            if FORECAST in target["expr"]:
                clamped = f"clamp_max(max({FORECAST}), {never:.0f})"
                assert clamped in target["expr"], target["expr"]
    assert mapped(panel("Forecast: stock cleared on"), never * 1000) == "not at this rate"
    late = panel("Forecast against the goal")
    goal = datetime(2021, 7, 1, tzinfo=ZoneInfo("Europe/Amsterdam")).timestamp()
    assert mapped(late, (never - goal) / 86400) == "not at this rate"
    assert mapped(late, -3) == "on time" and mapped(late, 12) is None


#: Units a panel may show: counts of cases and money as operators say them; pipeline rates and
#: durations in their own units. Never a bare number or req/s for a legal figure.
UNITS = {
    "suffix: cases",
    "suffix: cases/day",
    "currencyEUR",
    "time:YYYY-MM-DD",
    "suffix: days",
    "suffix: records",
    "suffix: records/s",
    "suffix: events/s",
    "suffix: events",
    "suffix: replicas",
    "s",
    "dateTimeAsIso",
}
BUSINESS = re.compile(
    r"caseflow_(open_cases|taskforce|applications|decisions|breaches|penalty|"
    r"transfer|side_inflow|claims|forecast|dublin_open)"
)


def test_units_are_what_operators_read() -> None:
    for board, p in all_panels():
        if p["type"] == "row":
            continue
        unit = p["fieldConfig"]["defaults"].get("unit")
        if p["title"] == "Services up":
            assert unit == "none"  # mapped to Up / Down
            continue
        assert unit in UNITS, f"{board} / {p['title']}: {unit}"
        exprs = " ".join(t["expr"] for t in p["targets"])
        if BUSINESS.search(exprs):
            assert unit.startswith(("suffix: cases", "currencyEUR", "time:", "suffix: days")), p[
                "title"
            ]
        if "increase1d" in exprs:
            assert unit == "suffix: cases/day", p["title"]


def test_cohort_and_track_are_template_variables() -> None:
    (overview,) = [load(p) for p in DASHBOARDS if load(p)["uid"] == "caseflow-overview"]
    found = variables(overview)
    for name in ("cohort", "track"):
        variable = found[name]
        assert variable["type"] == "query" and variable["includeAll"] and variable["multi"]
        assert variable["query"]["query"] == f"label_values(caseflow_open_cases, {name})"
        users = [t["expr"] for p in panels(overview) for t in p.get("targets", [])]
        assert any(f'{name}=~"${name}"' in e for e in users), name
    # Every query that filters on a variable still runs with it at "All".
    for _, _, expr in queries():
        assert "$" not in runnable(expr), expr


def test_links_reach_the_console_and_the_runbooks() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    base = config["global"]["external_labels"]["runbook_base_url"]
    console_pages = set()
    for path in DASHBOARDS:
        board = load(path)
        found = variables(board)
        assert found["runbooks"]["type"] == "constant" and found["runbooks"]["query"] == base
        assert found["console"]["type"] == "textbox"
        links = [*board["links"], *(k for p in panels(board) for k in p.get("links", []))]
        for each in links:
            url = each.get("url", "")
            if url.startswith("${runbooks}/") and url.endswith(".md"):
                name = url.removeprefix("${runbooks}/")
                assert (ROOT / "docs" / "runbooks" / name).exists(), url
            if url.startswith("${console}"):
                console_pages.add(url.removeprefix("${console}"))
    assert console_pages == {"/", "/worklist", "/cases/${case}", "/dublin"}
    # A runbook for every alert a panel shows the figure of.
    assert {k["url"] for k in panel("Cases at risk: due within N days")["links"]} >= {
        "${runbooks}/CaseflowImminentBreaches.md"
    }


def test_legal_events_are_annotated() -> None:
    law = datetime(2020, 7, 10, tzinfo=ZoneInfo("Europe/Amsterdam")).timestamp() * 1000
    cutoff = datetime(2020, 4, 1, tzinfo=ZoneInfo("Europe/Amsterdam")).timestamp() * 1000
    overview = {a["name"]: a for board, a in annotations() if board == "Asylum chain overview"}
    assert overview["Tijdelijke wet opschorting dwangsommen IND"]["expr"] == f"vector({law:.0f})"
    assert overview["Taskforce cut-off"]["expr"] == f"vector({cutoff:.0f})"
    instrument = overview["Instrument marked invalid"]
    assert "caseflow_policy_instrument_invalidated_timestamp_seconds" in instrument["expr"]
    for _, a in annotations():
        assert a["useValueForTime"] and a["enable"], a["name"]
    # The instrument's metric is the metrics service's (services/metrics/families.py).
    from services.metrics.families import SPECS

    assert "caseflow_policy_instrument_invalidated_timestamp_seconds" in {s.name for s in SPECS}


def test_the_long_view_spans_fifteen_months_a_point_a_day() -> None:
    long = [p for _, p in all_panels() if p.get("timeFrom") == "15M"]
    titles = {p["title"] for p in long}
    assert "Taskforce burn-down, 15 months" in titles
    for p in long:
        assert p["interval"] == "1d", p["title"]
        for target in p["targets"]:
            # Recording rules: a handful of series a day, cheap over two years.
            assert re.search(r"\b\w+:caseflow_\w+:\w+", target["expr"]), target["expr"]
