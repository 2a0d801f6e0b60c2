"""The alert rules run by promtool on figures a test measured: scrapes of the live services,
before and after something happened, become a day of series stepping at that moment, and the
rules are evaluated over them (deploy/prometheus/rules, as tests/deploy/test_prometheus.py loads
them)."""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
#: The alerts on the business figures (category business in deploy/prometheus/rules/alerts.yml).
BUSINESS_ALERTS = (
    "CaseflowImminentBreaches",
    "CaseflowDeadlineBreaches",
    "CaseflowPenaltyExposureRising",
    "CaseflowDublinTransfersExpiring",
)
#: promtool is a Debian package (`make test` installs it); without it these checks are skipped.
promtool = shutil.which("promtool") is not None
#: Samples every 15 minutes: eight days before the step, one after (the step at 8d10h UTC).
BEFORE, AFTER = 8 * 96 + 40, 96
Scrape = Mapping[str, Mapping[tuple[tuple[str, str], ...], float]]


def _series(name: str, labels: Iterable[tuple[str, str]]) -> str:
    pairs = [("job", "caseflow-metrics"), ("instance", "127.0.0.1:9464"), *labels]
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in pairs) + "}"


def quiet_after_step(before: Scrape, after: Scrape, alerts: Iterable[str], tmp: Path) -> None:
    """Fail unless none of ``alerts`` fires while the figures step from ``before`` to ``after``:
    half an hour, two hours and a day after the step."""
    series = [
        {"series": _series(name, labels), "values": f"{value}x{BEFORE} {later}x{AFTER}"}
        for name, samples in before.items()
        for labels, value in samples.items()
        if (later := after.get(name, {}).get(labels)) is not None
        and math.isfinite(value)
        and math.isfinite(later)
    ]
    test = {
        "rule_files": [str(p) for p in RULES],
        "evaluation_interval": "15m",
        "group_eval_order": [
            "caseflow-business-figures",
            "caseflow-daily-series",
            "caseflow-pipeline-figures",
            "caseflow-business-alerts",
            "caseflow-daily-digest",
            "caseflow-pipeline-alerts",
        ],
        "tests": [
            {
                "name": "measured figures stepping at one moment",
                "interval": "15m",
                "external_labels": {"runbook_base_url": "https://runbooks.example.org/caseflow"},
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": at, "alertname": alert, "exp_alerts": []}
                    for at in ("8d10h30m", "8d12h", "9d9h")
                    for alert in alerts
                ],
            }
        ],
    }
    path = tmp / "measured_test.yml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run(
        ["promtool", "test", "rules", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
