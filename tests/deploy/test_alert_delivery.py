"""The Alertmanager routing as deployed, delivering for real: a real Alertmanager with
deploy/alertmanager/alertmanager.yml, its webhooks pointed at a local receiver and only its two
time windows moved around the present moment, receives one alert of each category. Technical
alerts arrive at once, the digest arrives inside its window, and a business alert outside
office hours waits (it is not sent)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.e2e.observability import (
    ALERTMANAGER_BINARIES,
    ALERTMANAGER_CONFIG,
    alertmanager,
    binary,
)

pytestmark = pytest.mark.skipif(
    binary(*ALERTMANAGER_BINARIES) is None,
    reason="alertmanager not installed (Debian package prometheus-alertmanager)",
)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Receiver(ThreadingHTTPServer):
    """Collects webhook notifications: (receiver, [alertname, ...])."""

    def __init__(self) -> None:
        self.notifications: list[tuple[str, list[str]]] = []
        super().__init__(("127.0.0.1", 0), Hook)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Hook(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        names = [a["labels"]["alertname"] for a in body["alerts"]]
        self.server.notifications.append((body["receiver"], names))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def window(start: datetime, minutes: int) -> dict[str, str]:
    """An Alertmanager time range of `minutes` from `start` (same Amsterdam day)."""
    end = start + timedelta(minutes=minutes)
    return {"start_time": start.strftime("%H:%M"), "end_time": end.strftime("%H:%M")}


def config_around_now(receiver: Receiver, folder: Path) -> Path:
    """The deployed config; the digest window now, office hours some hours away, every
    webhook to the local receiver."""
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    now = datetime.now(AMSTERDAM).replace(second=0, microsecond=0)
    # Keep both windows inside one Amsterdam day (a range cannot wrap midnight).
    digest_start = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0))
    digest_start = min(digest_start, now.replace(hour=23, minute=30))
    away = now + timedelta(hours=3) if now.hour < 12 else now - timedelta(hours=4)
    for interval in config["time_intervals"]:
        (spec,) = interval["time_intervals"]
        if interval["name"] == "digest-window":
            spec["times"] = [window(digest_start, 20)]
        else:
            spec["times"] = [window(away.replace(minute=0), 60)]
            spec.pop("weekdays", None)
    for r in config["receivers"]:
        for hook in r["webhook_configs"]:
            hook["url"] = f"{receiver.url}/{r['name']}"
    path = folder / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def post(url: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(
        f"{url}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def alert(name: str, category: str, severity: str, **labels: str) -> dict[str, Any]:
    starts = datetime.now(UTC) - timedelta(minutes=1)
    return {
        "labels": {"alertname": name, "category": category, "severity": severity, **labels},
        "annotations": {"summary": name},
        "startsAt": starts.isoformat(),
    }


def test_technical_at_once_digest_in_its_window_business_waits_for_office_hours(
    tmp_path: Path, receiver: Receiver
) -> None:
    with alertmanager(tmp_path, config_around_now(receiver, tmp_path)) as url:
        post(
            url,
            [
                alert("CaseflowServiceDown", "technical", "critical", job="caseflow-dublin"),
                alert("CaseflowConsumerLag", "technical", "warning", service="deadline"),
                alert("CaseflowDailyDigest", "digest", "info", job="caseflow-metrics"),
                alert("CaseflowDeadlineBreaches", "business", "critical", cohort="taskforce"),
            ],
        )
        posted = time.monotonic()
        while len(receiver.notifications) < 3 and time.monotonic() < posted + 60:
            time.sleep(0.5)
        # The business alert's group waits 30 s before its first flush: past that, and it was
        # held back by the time window, not by the wait.
        time.sleep(max(0.0, posted + 35 - time.monotonic()))
        with urllib.request.urlopen(f"{url}/api/v2/alerts", timeout=5) as response:
            held = {a["labels"]["alertname"] for a in json.load(response)}
    assert "CaseflowDeadlineBreaches" in held
    received = sorted(receiver.notifications)
    assert received == [
        ("daily-digest", ["CaseflowDailyDigest"]),
        ("on-call", ["CaseflowServiceDown"]),
        ("pipeline-team", ["CaseflowConsumerLag"]),
    ], received
