"""The Prometheus rules and the Alertmanager configuration, checked by the real tools
(Debian packages `prometheus`, `prometheus-alertmanager`; `make test` installs them)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES = sorted((PROMETHEUS / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*_test.yml"))
ALERTMANAGER = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
RUNBOOK_URL = "{{{{ $externalLabels.runbook_base_url }}}}/{name}.md"
#: Counters of the metrics service, durable totals that step down after an erasure.
BUSINESS_COUNTERS = re.compile(
    r"caseflow_(applications_lodged|decisions|breaches|warnings|penalty_capped|"
    r"penalty_capped_euros|transfers|transfer_failures|side_inflow)_total"
)
RESET_FUNCTIONS = re.compile(r"\b(rate|irate|increase|resets)\s*\(")

promtool = pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool not installed (Debian package prometheus; `make test` installs it)",
)
amtool = pytest.mark.skipif(
    shutil.which("amtool") is None,
    reason="amtool not installed (Debian package prometheus-alertmanager; `make test` installs it)",
)


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def rule_groups() -> list[dict[str, Any]]:
    return [g for path in RULES for g in yaml.safe_load(path.read_text())["groups"]]


def alerts() -> list[dict[str, Any]]:
    return [r for g in rule_groups() for r in g["rules"] if "alert" in r]


def recording_rules() -> list[dict[str, Any]]:
    return [r for g in rule_groups() for r in g["rules"] if "record" in r]


@promtool
def test_rules_are_valid() -> None:
    run("promtool", "check", "rules", *map(str, RULES))


@promtool
@pytest.mark.parametrize("path", RULE_TESTS, ids=lambda p: p.stem)
def test_every_alert_unit_test_passes(path: Path) -> None:
    done = run("promtool", "test", "rules", path.name, cwd=PROMETHEUS / "tests")
    assert "SUCCESS" in done.stdout


@promtool
def test_scrape_config_is_valid(tmp_path: Path) -> None:
    # The rule files live under /etc/prometheus/rules in the container: point at ours here.
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["rule_files"] = [str(p) for p in RULES]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    run("promtool", "check", "config", str(tmp_path / "prometheus.yml"))


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    firing, quiet = set(), set()
    for path in RULE_TESTS:
        test_file = yaml.safe_load(path.read_text())
        assert test_file["rule_files"] == ["../rules/recording.yml", "../rules/alerts.yml"]
        # Recording rules before the alerts that read them, as promtool has no other order.
        assert test_file["group_eval_order"] == [
            g["name"] for g in sorted(rule_groups(), key=lambda g: "record" not in g["rules"][0])
        ]
        for test in test_file["tests"]:
            for case in test.get("alert_rule_test", []):
                (firing if case["exp_alerts"] else quiet).add(case["alertname"])
    names = {a["alert"] for a in alerts()}
    assert names - firing == set(), "alerts without a test that they fire"
    assert names - quiet == set(), "alerts without a test that they stay quiet"


def test_every_alert_is_labelled_annotated_and_has_a_runbook() -> None:
    for alert in alerts():
        name = alert["alert"]
        assert name.startswith("Caseflow"), name
        assert "for" in alert, name
        labels = alert["labels"]
        assert labels["category"] in ("business", "technical", "digest"), name
        assert labels["severity"] in (
            ("info",) if labels["category"] == "digest" else ("warning", "critical")
        ), name
        annotations = alert["annotations"]
        assert annotations["summary"] and annotations["description"], name
        assert annotations["runbook_url"] == RUNBOOK_URL.format(name=name)
        runbook = (ROOT / "docs" / "runbooks" / f"{name}.md").read_text()
        for heading in ("## What it means", "## What to check", "## What to do"):
            assert heading in runbook, f"{name}: runbook lacks {heading!r}"


def test_runbook_urls_are_absolute_from_one_setting() -> None:
    """The one setting is the external label `runbook_base_url`; Prometheus keeps it off the
    alerts themselves (alert_relabel_configs), so changing it changes no alert's identity."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    base = config["global"]["external_labels"]["runbook_base_url"]
    assert re.fullmatch(r"https?://[^/\s]+(/\S*)?", base) and not base.endswith("/"), base
    (drop,) = config["alerting"]["alert_relabel_configs"]
    assert drop == {"action": "labeldrop", "regex": "runbook_base_url"}
    everything = "\n".join(p.read_text() for p in (*RULES, *DASHBOARDS))
    assert "docs/runbooks/" not in everything, "a relative runbook link"


def test_business_alerts_read_days_not_hours() -> None:
    """Business figures step once a day: every range a business alert reads spans a day or
    more, and a wave must stay while it lasts (keep_firing_for bridges the midnight step)."""
    business = [a for a in alerts() if a["labels"]["category"] == "business"]
    assert business
    for alert in business:
        ranges = re.findall(r"\[(\d+)([smhdw])\]", alert["expr"])
        for amount, unit in ranges:
            assert unit in "dw", f"{alert['alert']}: [{amount}{unit}]"
        assert alert["keep_firing_for"] == "1h", alert["alert"]


def test_no_rule_or_panel_reads_a_business_counter_as_if_it_could_reset() -> None:
    """rate()/increase() read a step down (an erasure) as a counter reset and count the whole
    total again; the business counters are read by subtraction (docs/metrics.md, "Reading the
    business series")."""
    exprs = [r["expr"] for g in rule_groups() for r in g["rules"]]
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        exprs += [
            t["expr"]
            for panel in board["panels"]
            for p in (panel, *panel.get("panels", []))
            for t in p.get("targets", [])
        ]
    for expr in exprs:
        for match in RESET_FUNCTIONS.finditer(expr):
            depth, end = 0, match.end() - 1
            for end in range(match.end() - 1, len(expr)):
                depth += {"(": 1, ")": -1}.get(expr[end], 0)
                if depth == 0:
                    break
            argument = expr[match.end() : end]
            assert not BUSINESS_COUNTERS.search(argument), expr
            assert ":caseflow_" not in argument or "_total:" not in argument, expr


def test_recording_rules_follow_the_naming_convention() -> None:
    for rule in recording_rules():
        level, metric, operations = rule["record"].split(":")
        assert level and metric.startswith("caseflow_") and operations, rule["record"]


@amtool
def test_alertmanager_config_is_valid() -> None:
    run("amtool", "check-config", str(ALERTMANAGER))


def route(*labels: str) -> str:
    done = run("amtool", "config", "routes", "test", f"--config.file={ALERTMANAGER}", *labels)
    return done.stdout.strip()


@amtool
@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (("alertname=CaseflowServiceDown", "category=technical", "severity=critical"), "on-call"),
        (
            ("alertname=CaseflowConsumerLag", "category=technical", "severity=warning"),
            "pipeline-team",
        ),
        (
            ("alertname=CaseflowDeadlineBreaches", "category=business", "severity=critical"),
            "case-management",
        ),
        (
            ("alertname=CaseflowImminentBreaches", "category=business", "severity=warning"),
            "case-management",
        ),
        (("alertname=CaseflowDailyDigest", "category=digest", "severity=info"), "daily-digest"),
        # A rule without a category is never lost: it reaches the pipeline team at once.
        (("alertname=SomethingNew", "severity=critical"), "pipeline-team"),
    ],
)
def test_alerts_are_routed_by_category(labels: tuple[str, ...], receiver: str) -> None:
    assert route(*labels) == receiver


def alertmanager_routes() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    return {r["receiver"]: r for r in config["route"]["routes"]}


def time_interval(name: str) -> list[dict[str, Any]]:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    (interval,) = [t for t in config["time_intervals"] if t["name"] == name]
    return list(interval["time_intervals"])


def test_business_alerts_wait_for_office_hours_and_technical_ones_do_not() -> None:
    routes = alertmanager_routes()
    assert routes["case-management"]["active_time_intervals"] == ["office-hours"]
    assert time_interval("office-hours") == [
        {
            "weekdays": ["monday:friday"],
            "times": [{"start_time": "08:00", "end_time": "18:00"}],
            "location": "Europe/Amsterdam",
        }
    ]
    for receiver in ("on-call", "pipeline-team"):
        assert "active_time_intervals" not in routes[receiver], receiver
        assert "mute_time_intervals" not in routes[receiver], receiver
    config = yaml.safe_load(ALERTMANAGER.read_text())
    assert "active_time_intervals" not in config["route"]


def test_the_digest_is_sent_once_at_eight() -> None:
    digest = alertmanager_routes()["daily-digest"]
    assert digest["active_time_intervals"] == ["digest-window"]
    (window,) = time_interval("digest-window")
    assert window["location"] == "Europe/Amsterdam" and "weekdays" not in window
    (times,) = window["times"]
    assert times["start_time"] == "08:00"
    minutes = int(times["end_time"][3:]) - int(times["start_time"][3:])
    interval = int(digest["group_interval"].removesuffix("m"))
    repeat = int(digest["repeat_interval"].removesuffix("h"))
    # At least one flush falls in the window; the window is over long before the repeat is
    # due; the repeat is due again by the next morning, even on the 23-hour day in March.
    assert interval <= minutes and minutes < 60 and repeat < 23 and repeat * 60 > minutes


def test_critical_inhibits_warning_of_the_same_alert() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    (rule,) = config["inhibit_rules"]
    assert rule["source_matchers"] == ['severity = "critical"']
    assert rule["target_matchers"] == ['severity = "warning"']
    assert "alertname" in rule["equal"]
