"""Real Prometheus and Alertmanager (Debian binaries) on loopback ports for the e2e tests, with
a temporary config that scrapes the in-process services of the pipeline harness."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.pipeline_harness import free_port

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTMANAGER_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
ALERTMANAGER_BINARIES = ("prometheus-alertmanager", "alertmanager")


def binary(*names: str) -> str | None:
    return next((path for n in names if (path := shutil.which(n))), None)


needs_prometheus = pytest.mark.skipif(
    binary("prometheus") is None,
    reason="prometheus not installed (Debian package prometheus; `make test` installs it)",
)
needs_alertmanager = pytest.mark.skipif(
    binary(*ALERTMANAGER_BINARIES) is None,
    reason="alertmanager not installed (Debian package prometheus-alertmanager)",
)


def get_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def fast_rules(folder: Path, pending: str = "1s") -> list[Path]:
    """The deployed rules with every ``for:`` shortened: the expressions are the real ones,
    only the time an alert must hold before firing is cut so the test does not wait minutes."""
    out = []
    for path in sorted(RULES.glob("*.yml")):
        text = re.sub(r"(?m)^(\s+for:) \S+$", rf"\1 {pending}", path.read_text())
        target = folder / path.name
        target.write_text(text)
        out.append(target)
    return out


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, expr: str) -> list[dict[str, Any]]:
        body = get_json(f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def wait_until(self, expr: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while not (result := self.query(expr)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no result for {expr}")
            time.sleep(0.5)
        return result


@contextlib.contextmanager
def prometheus(
    tmp: Path,
    targets: Mapping[str, int],
    *,
    rule_files: list[Path],
    alertmanager_port: int | None = None,
) -> Iterator[Prometheus]:
    """Prometheus scraping ``job -> port`` on 127.0.0.1 every second, rules every second, with
    the deployed external labels."""
    folder = tmp / "prometheus"
    folder.mkdir(parents=True, exist_ok=True)
    deployed = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    config: dict[str, Any] = {
        "global": {
            "scrape_interval": "1s",
            "evaluation_interval": "1s",
            # The runbook setting, as deployed: alerts carry the deployed runbook URLs.
            "external_labels": deployed["global"]["external_labels"],
        },
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
            for job, port in targets.items()
        ],
    }
    if alertmanager_port is not None:
        config["alerting"] = {
            "alert_relabel_configs": deployed["alerting"]["alert_relabel_configs"],
            "alertmanagers": [
                {"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}
            ],
        }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    command = [
        binary("prometheus") or "prometheus",
        f"--config.file={folder / 'prometheus.yml'}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--rules.alert.resend-delay=2s",
    ]
    with _process(command, folder / "prometheus.log"):
        wait_for(f"http://127.0.0.1:{port}/-/ready")
        yield Prometheus(f"http://127.0.0.1:{port}")


@contextlib.contextmanager
def alertmanager(tmp: Path, config: Path = ALERTMANAGER_CONFIG) -> Iterator[str]:
    """Alertmanager with the deployed configuration (or one derived from it); yields its base
    URL."""
    folder = tmp / "alertmanager"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        binary(*ALERTMANAGER_BINARIES) or "alertmanager",
        f"--config.file={config}",
        f"--storage.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",  # a single instance: no gossip port to collide on
    ]
    with _process(command, folder / "alertmanager.log"):
        wait_for(f"http://127.0.0.1:{port}/-/ready")
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def _process(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        except BaseException:
            print(log.read_text()[-4000:])
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
