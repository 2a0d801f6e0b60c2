"""The privacy scan (docs/privacy.md): a small letter scenario and hostile inputs (a
fake person's name and nationality in the wrong fields) run through the live pipeline with the
metrics service; then everything caseflow emits outside its database is parsed and checked —
every service's /metrics, every log record, the dead letters' key and headers, and the error
bodies of intake and the operator APIs. The checks themselves are in privacy_scan.py, and the
first test proves they find what they look for."""

from __future__ import annotations

import hashlib
import io
import json
import logging
from datetime import date
from pathlib import Path
from urllib.parse import quote

import aiohttp
from aiokafka import AIOKafkaConsumer

from caseflow.events.topics import INTAKE_REJECTED
from caseflow.runtime.logging import JsonFormatter
from scenarios.letter_2020 import generate
from tests.integration.pipeline_harness import pipeline
from tests.integration.privacy_scan import (
    Personal,
    scan_dead_letter,
    scan_error_body,
    scan_logs,
    scan_metrics,
)

FAKE_NAME = "Zerafina Quodlibet-Hamdaoui"
FAKE_NATIONALITY = "QZX"
TOKEN = "privacy-test-token"
LODGED = "nl.asylum.application.lodged"


def _event(i: int, subject: str, data: dict[str, object], **over: object) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": f"privacy-{i}",
        "source": "ind",
        "type": LODGED,
        "subject": subject,
        "time": "2020-03-02T10:00:00+01:00",
        "data": data,
        **over,
    }


def hostile() -> list[str]:
    """Inputs a careless or hostile partner might send, each with the fake person in it."""
    lodge = {"kind": "first", "nationality": FAKE_NATIONALITY, "track": 4}
    events = [
        # The person's name where a nationality belongs.
        _event(1, "privacy-case-1", {**lodge, "nationality": FAKE_NAME}),
        # The name as an extra field beside a real nationality.
        _event(2, "privacy-case-2", {**lodge, "name": FAKE_NAME}),
        # The name as the subject (not a case id).
        _event(3, FAKE_NAME, lodge),
        # An unknown type, the name in its data.
        _event(4, "privacy-case-4", {"person": FAKE_NAME}, type="nl.asylum.person.named"),
        # A partner sending a type it may not send, the name in it.
        _event(5, "privacy-case-5", {**lodge, "name": FAKE_NAME}, source="court"),
        # A valid lodging with the fake nationality, then a free-text field with the name.
        _event(6, "privacy-case-6", lodge),
        _event(
            7,
            "privacy-case-6",
            {"outcome": f"dismissed, {FAKE_NAME} ({FAKE_NATIONALITY})"},
            type="nl.asylum.appeal.decided",
            source="court",
            time="2020-05-04T10:00:00+02:00",
        ),
        # An event for an unknown case.
        _event(8, "privacy-case-8", {"outcome": "granted"}, type="nl.asylum.decision.issued"),
    ]
    lines = [json.dumps(e) for e in events]
    # Not JSON at all, the name and nationality inside.
    lines.append('{"id": "privacy-9", "subject": "' + FAKE_NAME + '", "data": {"nationality": "QZ')
    return lines


def test_the_checks_find_what_they_look_for() -> None:
    """Each check fails on a sample of what it exists to catch, and passes a clean sample."""
    p = Personal(frozenset({"case-7"}), frozenset({"SYR"}), "Jan Fakename")
    clean = 'caseflow_events_total{service="intake",outcome="accepted"} 3.0\n'
    assert scan_metrics("x", clean, p) == []
    assert scan_metrics("x", 'm_total{case_id="case-9"} 1.0\n', p)
    assert scan_metrics("x", 'm_total{case="case-7"} 1.0\n', p)
    assert scan_metrics("x", 'm_total{stage="case-7"} 1.0\n', p)
    assert scan_metrics("x", 'm_total{nat="SYR"} 1.0\n', p)
    assert scan_metrics("x", 'm_total{reason="Jan Fakename"} 1.0\n', p)
    assert scan_metrics("x", "", p)  # nothing scanned is no pass
    ok = json.dumps({"msg": "batch", "case_id": "case-7", "events": 3})
    assert scan_logs([ok, json.dumps({"msg": "lodged SYR"})], p) == []
    assert scan_logs([json.dumps({"msg": "case case-7", "nationality": "SYR"})], p)
    assert scan_logs([json.dumps({"msg": "x", "extra": {"c": "case-7", "n": ["SYR"]}})], p)
    assert scan_logs([json.dumps({"msg": 'bad {"specversion": "1.0"}'})], p)
    assert scan_logs([json.dumps({"msg": "who", "exc": "ValueError: fakename"})], p)
    assert scan_logs(["plain text"], p)
    good = [("caseflow_reason", b"invalid_data"), ("caseflow_detail", b"data.nationality: pattern")]
    assert scan_dead_letter(b"case-7", good, p) == []
    assert scan_dead_letter(None, [("caseflow_reason", b"x"), ("caseflow_detail", b"SYR")], p)
    assert scan_dead_letter(None, [*good, ("caseflow_detail", b"input 'Jan Fakename'")], p)
    assert scan_dead_letter(None, [*good, ("caseflow_detail", b'{"data": 1}')], p)
    assert scan_dead_letter(b"Jan Fakename", good, p)
    assert scan_dead_letter(None, [("caseflow_detail", b"x")], p)
    body = b'{"error": "bad_case_id", "detail": "not a case id"}'
    assert scan_error_body("x", 400, body, p, ["Jan%20Fakename"]) == []
    assert scan_error_body("x", 404, b'{"detail": "no case Jan Fakename"}', p)
    assert scan_error_body("x", 400, b'{"detail": "bad within_days=zz9"}', p, ["zz9"])
    assert scan_error_body("x", 400, b"<html>Bad Request</html>", p)
    assert scan_error_body("x", 200, b"{}", p)


async def test_nothing_personal_leaves_the_database(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    lines = list(generate(seed=7, scale=0.002)) + hostile()
    events.write_text("\n".join(lines) + "\n")
    parsed = [json.loads(line) for line in lines[:-1]]
    personal = Personal(
        case_ids=frozenset(str(e["subject"]) for e in parsed if e["subject"] != FAKE_NAME),
        nationalities=frozenset(
            str(e["data"]["nationality"])
            for e in parsed
            if isinstance(e.get("data"), dict) and "nationality" in e["data"]
        )
        - {FAKE_NAME},
        name=FAKE_NAME,
    )
    assert FAKE_NATIONALITY in personal.nationalities and len(personal.case_ids) > 20
    partners = tmp_path / "partners.toml"
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    partners.write_text(f'[partners.ind]\ntoken_sha256 = "{digest}"\n')

    records = io.StringIO()
    handler = logging.StreamHandler(records)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    noisy = {n: logging.getLogger(n).level for n in ("aiokafka", "kafka", "asyncio")}
    for name in noisy:
        logging.getLogger(name).setLevel(logging.WARNING)
    findings: list[str] = []
    try:
        async with pipeline(tmp_path, metrics=True, settings={"partners_file": partners}) as live:
            await live.publish(events)
            await live.advance(date(2020, 6, 30))
            await live.advance(date(2021, 6, 30))
            findings += await _http(live, personal)
            findings += await _dead_letters(live.bootstrap, personal)
            findings += await _metrics(live, personal)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name, was in noisy.items():
            logging.getLogger(name).setLevel(was)
    lines_logged = records.getvalue().splitlines()
    assert len(lines_logged) > 10, "the services logged nothing: the log scan saw nothing"
    findings += scan_logs(lines_logged, personal)
    assert findings == []


async def _http(live: object, personal: Personal) -> list[str]:
    """Bad requests to intake and to the operator APIs, each with the fake person in it."""
    services = live.services  # type: ignore[attr-defined]
    intake = f"http://127.0.0.1:{services['intake'].port}"
    deadline = f"http://127.0.0.1:{services['deadline'].port}"
    dublin = f"http://127.0.0.1:{services['dublin'].port}"
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/cloudevents+json"}
    name = quote(FAKE_NAME)
    lodge = {"kind": "first", "nationality": FAKE_NATIONALITY, "track": 4}
    requests: list[tuple[str, str, str, dict[str, str], bytes]] = [
        ("intake without token", "POST", f"{intake}/v1/events", {}, json.dumps(lodge).encode()),
        (
            "intake wrong token",
            "POST",
            f"{intake}/v1/events",
            {"Authorization": f"Bearer {FAKE_NAME}"},
            b"{}",
        ),
        ("intake not JSON", "POST", f"{intake}/v1/events", auth, hostile()[-1].encode()),
        (
            "intake name as nationality",
            "POST",
            f"{intake}/v1/events",
            auth,
            json.dumps(_event(20, "privacy-case-20", {**lodge, "nationality": FAKE_NAME})).encode(),
        ),
        (
            "intake name as subject",
            "POST",
            f"{intake}/v1/events",
            auth,
            json.dumps(_event(21, FAKE_NAME, lodge)).encode(),
        ),
        ("deadline case by name", "GET", f"{deadline}/v1/cases/{name}", {}, b""),
        ("deadline unknown case", "GET", f"{deadline}/v1/cases/privacy-nobody", {}, b""),
        ("deadline worklist", "GET", f"{deadline}/v1/worklist?within_days={name}", {}, b""),
        ("deadline monthly", "GET", f"{deadline}/v1/figures/monthly?until={name}", {}, b""),
        ("dublin case by name", "GET", f"{dublin}/v1/cases/{name}", {}, b""),
        ("dublin expiring", "GET", f"{dublin}/v1/dublin/expiring?within_days={name}", {}, b""),
    ]
    findings = []
    async with aiohttp.ClientSession() as session:
        for what, method, url, headers, body in requests:
            async with session.request(method, url, headers=headers, data=body) as answer:
                content = await answer.read()
                status = answer.status
            if what.startswith("intake") and status in (200, 202, 207):
                # A batch answer carries per-event outcomes; the error is inside it.
                status = 400 if b"rejected" in content else status
            findings += scan_error_body(what, status, content, personal, [FAKE_NAME, name])
    return findings


async def _dead_letters(bootstrap: str, personal: Personal) -> list[str]:
    consumer = AIOKafkaConsumer(
        INTAKE_REJECTED.name,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    findings: list[str] = []
    seen: list[str] = []
    try:
        idle = 0
        while idle < 3:
            batches = await consumer.getmany(timeout_ms=500)
            idle = 0 if batches else idle + 1
            for batch in batches.values():
                for record in batch:
                    headers = dict(record.headers)
                    seen.append(headers.get("ce_id", headers["caseflow_reason"]).decode())
                    findings += scan_dead_letter(record.key, list(record.headers), personal)
    finally:
        await consumer.stop()
    # Kafka: ids 1-5, 8 and the garbage line; HTTP: the bad events 20, 21 and the garbage line.
    expected = {f"privacy-{i}" for i in (1, 2, 3, 4, 5, 8, 20, 21)}
    if not expected <= set(seen) or seen.count("malformed_json") < 2:
        findings.append(f"dead letters {sorted(seen)}: the hostile inputs were not all rejected")
    return findings


async def _metrics(live: object, personal: Personal) -> list[str]:
    services = live.services  # type: ignore[attr-defined]
    findings = []
    async with aiohttp.ClientSession() as session:
        for name in ("intake", "deadline", "dublin", "metrics"):
            url = f"http://127.0.0.1:{services[name].port}/metrics"
            async with session.get(url) as answer:
                assert answer.status == 200, (name, answer.status)
                findings += scan_metrics(name, await answer.text(), personal)
    return findings
