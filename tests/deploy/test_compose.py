"""docker-compose.yml cannot run here (no Docker engine): what can be checked is checked — the
compose schema, every file it references, and agreement with the Prometheus scrape config and
the services caseflow knows."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from caseflow.ops.registry import SERVICES
from caseflow.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV = ROOT / "deploy" / "env"


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def scrape_targets() -> dict[str, str]:
    """job -> "name:port" of every caseflow job, found by DNS on the compose service name."""
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    return {
        job["job_name"]: f"{name}:{sd['port']}"
        for job in config["scrape_configs"]
        for sd in job.get("dns_sd_configs", [])
        for name in sd["names"]
    }


def check_jsonschema() -> str | None:
    local = Path(sys.executable).parent / "check-jsonschema"
    return str(local) if local.exists() else shutil.which("check-jsonschema")


@pytest.mark.skipif(check_jsonschema() is None, reason="check-jsonschema not installed")
def test_compose_file_matches_the_compose_spec() -> None:
    done = subprocess.run(
        [check_jsonschema() or "", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def referenced_files(doc: dict[str, Any]) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for name, service in doc["services"].items():
        for entry in service.get("env_file", []):
            found.append((name, ROOT / (entry if isinstance(entry, str) else entry["path"])))
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                found.append((name, ROOT / source))
        if service.get("build"):
            found.append((name, ROOT / "Dockerfile"))
    for name, secret in doc.get("secrets", {}).items():
        found.append((f"secret {name}", ROOT / secret["file"]))
    return found


def test_every_referenced_file_exists() -> None:
    for owner, path in referenced_files(compose()):
        if path.parent == ENV:
            # Secrets are never committed: the deployer copies the example and fills it in.
            example = path.with_name(path.name + ".example")
            assert example.exists(), f"{owner}: neither {path} nor {example.name}"
        else:
            assert path.exists(), f"{owner}: {path} missing"


def test_examples_hold_only_marked_demo_secrets() -> None:
    for example in ENV.glob("*.example"):
        text = example.read_text()
        assert "DEMO" in text.upper(), f"{example.name} does not say its values are demo values"
        for line in text.splitlines():
            key, _, value = line.partition("=")
            if any(w in key for w in ("PASSWORD", "SECRET", "TOKEN")) and not line.startswith("#"):
                assert value.startswith("CHANGE_ME"), f"{example.name}: {key}"
        assert "CHANGE_ME" in text or "demo" in text, example.name


def test_no_real_env_file_is_tracked() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "deploy/env"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert [p for p in tracked if not p.endswith(".example")] == []


def test_every_caseflow_service_runs_from_the_one_image() -> None:
    services = compose()["services"]
    for name in SERVICES:
        assert name in services, f"{name} is not in docker-compose.yml"
        assert services[name]["command"] == ["run", name]
        assert services[name]["image"] == "caseflow:latest"
        if SERVICES[name].group is not None:
            assert "healthcheck" in services[name], name
    assert services["init"]["command"] == ["infra", "up"]


def test_scrape_targets_match_compose_services_and_ports() -> None:
    services = compose()["services"]
    defaults = Settings()
    ports = {
        "intake": defaults.intake_port,
        "deadline": defaults.deadline_port,
        "dublin": defaults.dublin_port,
        "metrics": defaults.metrics_port,
    }
    targets = scrape_targets()
    assert set(targets) == {f"caseflow-{name}" for name in ports}
    for name, port in ports.items():
        assert targets[f"caseflow-{name}"] == f"{name}:{port}"
        service = services[name]
        published = {p.rsplit(":", 1)[-1] for p in service.get("ports", [])}
        assert str(port) in published | set(service.get("expose", [])), name
        assert str(port) in " ".join(service["healthcheck"]["test"]), name
    assert services["prometheus"]["ports"] == ["127.0.0.1:9090:9090"]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    (am,) = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    host, port = am.split(":")
    assert host in services and services[host]["ports"] == [f"127.0.0.1:{port}:{port}"]


def test_every_replica_is_scraped() -> None:
    """`docker compose up --scale deadline=3`: a compose service name resolves (A records) to
    every replica, so DNS discovery finds three targets where a static target found one."""
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    for job in config["scrape_configs"]:
        if not job["job_name"].startswith("caseflow-"):
            continue
        assert "static_configs" not in job, job["job_name"]
        (sd,) = job["dns_sd_configs"]
        assert sd["type"] == "A", job["job_name"]
        assert len(sd["names"]) == 1 and "." not in sd["names"][0], job["job_name"]
    for name in ("intake", "deadline", "dublin", "metrics"):
        service = compose()["services"][name]
        # A fixed container name or a published host port would make a second replica fail.
        assert "container_name" not in service, name
    assert "ports" not in compose()["services"]["deadline"]


def flags(service: str) -> dict[str, str]:
    command = compose()["services"][service]["command"]
    return dict(arg.removeprefix("--").split("=", 1) for arg in command if arg.startswith("--"))


def test_prometheus_keeps_two_years_and_knows_its_url() -> None:
    prometheus = flags("prometheus")
    retention = prometheus["storage.tsdb.retention.time"]
    assert retention.endswith("d") and int(retention[:-1]) >= 2 * 365
    assert prometheus["storage.tsdb.retention.size"].endswith("GB")
    for service, port in (("prometheus", 9090), ("alertmanager", 9093)):
        url = flags(service)["web.external-url"]
        assert url.startswith(("http://", "https://")) and f":{port}" in url, service


def test_runbook_links_resolve_in_the_deployment() -> None:
    """The default runbook base is Prometheus' own /user/ assets, which serve docs/runbooks."""
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    base = config["global"]["external_labels"]["runbook_base_url"]
    prometheus = flags("prometheus")
    assert base == prometheus["web.external-url"].rstrip("/") + "/user/runbooks"
    assert prometheus["web.user-assets"] == "/etc/prometheus/user"
    volumes = compose()["services"]["prometheus"]["volumes"]
    assert "./docs/runbooks:/etc/prometheus/user/runbooks:ro" in volumes


def test_alertmanager_has_the_time_zone_of_its_office_hours() -> None:
    volumes = compose()["services"]["alertmanager"]["volumes"]
    assert "/usr/share/zoneinfo:/usr/share/zoneinfo:ro" in volumes


def test_prometheus_mounts_the_rules_it_loads() -> None:
    services = compose()["services"]
    mounts = dict(
        v.rsplit(":", 1)[0].split(":", 1)
        for v in services["prometheus"]["volumes"]
        if v.startswith(".")
    )
    assert mounts["./deploy/prometheus/rules"] == "/etc/prometheus/rules"
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]
    grafana = dict(
        v.rsplit(":", 1)[0].split(":", 1)
        for v in services["grafana"]["volumes"]
        if v.startswith(".")
    )
    assert grafana["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert grafana["./deploy/grafana/dashboards"] == "/var/lib/grafana/dashboards"
