"""The Prometheus rules and the Alertmanager configuration, checked by the real tools
(Debian packages `prometheus`, `prometheus-alertmanager`; `make test` installs them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES = sorted((PROMETHEUS / "rules").glob("*.yml"))
ALERTMANAGER = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"

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


def alerts() -> list[dict]:
    rules = yaml.safe_load((PROMETHEUS / "rules" / "alerts.yml").read_text())
    return [r for g in rules["groups"] for r in g["rules"] if "alert" in r]


@promtool
def test_rules_are_valid() -> None:
    run("promtool", "check", "rules", *map(str, RULES))


@promtool
def test_every_alert_unit_test_passes() -> None:
    done = run("promtool", "test", "rules", "alerts_test.yml", cwd=PROMETHEUS / "tests")
    assert "SUCCESS" in done.stdout


@promtool
def test_scrape_config_is_valid(tmp_path: Path) -> None:
    # The rule files live under /etc/prometheus/rules in the container: point at ours here.
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["rule_files"] = [str(p) for p in RULES]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    run("promtool", "check", "config", str(tmp_path / "prometheus.yml"))


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    tests = yaml.safe_load((PROMETHEUS / "tests" / "alerts_test.yml").read_text())["tests"]
    firing, quiet = set(), set()
    for test in tests:
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
        assert alert["labels"]["severity"] in ("warning", "critical"), name
        annotations = alert["annotations"]
        assert annotations["summary"] and annotations["description"], name
        assert annotations["runbook_url"] == f"docs/runbooks/{name}.md"
        runbook = (ROOT / annotations["runbook_url"]).read_text()
        for heading in ("## What it means", "## What to check", "## What to do"):
            assert heading in runbook, f"{name}: runbook lacks {heading!r}"


def test_recording_rules_follow_the_naming_convention() -> None:
    rules = yaml.safe_load((PROMETHEUS / "rules" / "recording.yml").read_text())
    for rule in (r for g in rules["groups"] for r in g["rules"]):
        level, metric, operations = rule["record"].split(":")
        assert level and metric.startswith("caseflow_") and operations, rule["record"]


@amtool
def test_alertmanager_config_is_valid() -> None:
    run("amtool", "check-config", str(ALERTMANAGER))


@amtool
@pytest.mark.parametrize(("severity", "receiver"), [("critical", "on-call"), ("warning", "team")])
def test_alerts_are_routed_by_severity(severity: str, receiver: str) -> None:
    done = run(
        "amtool",
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER}",
        "alertname=CaseflowConsumerLag",
        f"severity={severity}",
    )
    assert done.stdout.strip() == receiver


def test_critical_inhibits_warning_of_the_same_alert() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    (rule,) = config["inhibit_rules"]
    assert rule["source_matchers"] == ['severity = "critical"']
    assert rule["target_matchers"] == ['severity = "warning"']
    assert "alertname" in rule["equal"]
