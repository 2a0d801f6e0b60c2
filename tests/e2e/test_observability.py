"""The whole pipeline with the metrics service, scraped by a real Prometheus: every dashboard
query answers with data, and the imminent-breach alert reaches a real Alertmanager."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.deploy.dashboards import annotations, queries, runnable
from tests.e2e import scenario
from tests.e2e.observability import (
    PROMETHEUS_CONFIG,
    RULES,
    Prometheus,
    alertmanager,
    fast_rules,
    get_json,
    needs_alertmanager,
    needs_prometheus,
    prometheus,
)
from tests.integration.pipeline_harness import Pipeline, pipeline

pytestmark = pytest.mark.infra
DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
#: A series only once an instrument is marked unlawful, which the scenario does not do.
MARKING_METRIC = "caseflow_policy_instrument_invalidated_timestamp_seconds"


def targets(live: Pipeline) -> dict[str, int]:
    """Scrape jobs as in deploy/prometheus/prometheus.yml, on the harness's free ports."""
    return {f"caseflow-{name}": live.services[name].port for name in live.services}


async def settle(prom: Prometheus, scrapes: int = 4) -> None:
    """Wait until every service was scraped a few times, so rates have samples to work on."""
    deadline = time.monotonic() + 30
    while True:
        up = await asyncio.to_thread(
            prom.query, f'count_over_time(up{{job=~"caseflow-.*"}}[1m]) >= {scrapes}'
        )
        if len(up) == 4:
            return
        assert time.monotonic() < deadline, "services not scraped"
        await asyncio.sleep(0.5)


@needs_prometheus
async def test_every_dashboard_query_returns_data(tmp_path: Path) -> None:
    async with pipeline(tmp_path, metrics=True) as live:
        await live.publish(scenario.write(tmp_path / "scenario.jsonl"))
        await live.advance(scenario.EARLY_DAY)
        await live.advance(scenario.FINAL_DAY)
        with prometheus(tmp_path, targets(live), rule_files=sorted(RULES.glob("*.yml"))) as prom:
            await settle(prom)
            empty = []
            for board, panel, expr in queries():
                result = await asyncio.to_thread(prom.query, runnable(expr))
                if not result:
                    empty.append(f"{board} / {panel}: {expr}")
            # Annotations too, but the marked instrument's: no instrument is marked here.
            for board, annotation in annotations():
                if MARKING_METRIC not in annotation["expr"]:
                    result = await asyncio.to_thread(prom.query, annotation["expr"])
                    if not result:
                        empty.append(f"{board} / annotation {annotation['name']}")
            # What an operator reads off the dashboards on 1 December 2020 (tests/e2e/scenario.py).
            figures = {
                expr: float((await asyncio.to_thread(prom.query, expr))[0]["value"][1])
                for expr in (
                    "caseflow_taskforce_assignment_cases",
                    'sum(caseflow_transfers_due{within_days="7"})',
                    'caseflow_side_inflow_total{reason="transfer_expired"}',
                    'caseflow_penalty_exposure_euros{kind="court"}',
                    'sum(caseflow_open_cases_due{cohort="regular",within_days="7"})',
                )
            }
            exposed = await asyncio.to_thread(
                prom.query, 'group by (__name__) ({__name__=~"caseflow_.+"})'
            )
        # One definition of the Taskforce: the metrics service's gauge is the deadline
        # service's figure (lodged before the cut-off, in the national procedure, undecided).
        deadline = f"http://127.0.0.1:{live.services['deadline'].port}"
        stock = await asyncio.to_thread(
            get_json, f"{deadline}/v1/figures?until={scenario.FINAL_DAY}"
        )
    assert empty == []
    # 14 cases lodged before the cut-off; two of them wait for a Dublin transfer on it.
    assert list(figures.values()) == [12, 1, 1, 4600, 4]
    assert stock["taskforce_assigned"] == 12
    assert undocumented({r["metric"]["__name__"] for r in exposed}) == set()


def undocumented(names: set[str]) -> set[str]:
    """Exposed metric names that docs/metrics.md does not mention (histogram series and the
    client library's ``_created`` series are documented under their family name)."""
    documented = set(re.findall(r"`(caseflow_[a-z_]+)`", DOCS.read_text()))
    missing = set()
    for name in names:
        if name.endswith("_created"):
            continue
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        if name not in documented and family not in documented:
            missing.add(name)
    return missing


@needs_prometheus
@needs_alertmanager
async def test_imminent_breach_alert_reaches_alertmanager(tmp_path: Path) -> None:
    async with pipeline(tmp_path, metrics=True) as live:
        await live.publish(scenario.write(tmp_path / "scenario.jsonl"))
        # Nothing is due within 7 days on 1 March 2020 (the first deadlines are in May).
        await live.advance(date(2020, 3, 1))
        with (
            alertmanager(tmp_path) as am,
            prometheus(
                tmp_path,
                targets(live),
                rule_files=fast_rules(tmp_path),
                alertmanager_port=int(am.rsplit(":", 1)[1]),
            ) as prom,
        ):
            await settle(prom)
            due = await asyncio.to_thread(
                prom.query, 'sum(caseflow_open_cases_due{within_days="7"})'
            )
            assert float(due[0]["value"][1]) == 0
            # tf-08 (lodged 27 Dec 2019, undecided) falls due on 27 June 2020.
            await live.advance(date(2020, 6, 22))
            alert = await wait_for_alert(am, "CaseflowImminentBreaches", timeout=60)
    assert alert["labels"]["cohort"] == "taskforce"
    assert alert["labels"]["severity"] == "warning"
    base = yaml.safe_load(PROMETHEUS_CONFIG.read_text())["global"]["external_labels"]
    assert alert["annotations"]["runbook_url"] == (
        f"{base['runbook_base_url']}/CaseflowImminentBreaches.md"
    )
    assert "runbook_base_url" not in alert["labels"]
    assert alert["status"]["state"] == "active"


async def wait_for_alert(url: str, name: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        alerts = await asyncio.to_thread(get_json, f"{url}/api/v2/alerts")
        found = [a for a in alerts if a["labels"].get("alertname") == name]
        if found:
            return dict(found[0])
        assert time.monotonic() < deadline, f"{name} did not reach Alertmanager: {alerts}"
        await asyncio.sleep(0.5)
