"""Nothing vanishes: once each on case.events and in the log; received = the sum of outcomes."""

from __future__ import annotations

import json

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.intake.conftest import TOKENS, Running, header, read_topic
from tests.integration.intake.mix import expected, mixed
from tests.unit.intake.factory import event


async def test_events_via_kafka_and_http_appear_once_each(intake: Running) -> None:
    run = intake.run
    by_kafka, by_http = f"case-{run}-k", f"case-{run}-h"
    lodging = event("application.lodged", id=f"{run}-k1", subject=by_kafka)
    await intake.produce([(by_kafka.encode(), json.dumps(lodging).encode())])
    assert (await intake.wait_received(1))["accepted"] == 1

    headers = {
        "Authorization": f"Bearer {TOKENS['ind']}",
        "Content-Type": "application/cloudevents-batch+json",
    }
    body = [
        lodging,  # the same event id again, now over HTTP
        event("application.lodged", id=f"{run}-h1", subject=by_http, time="2020-03-01T10:00:00Z"),
        event("hearing.held", id=f"{run}-h2", subject=by_http),
    ]
    async with (
        aiohttp.ClientSession() as http,
        http.post(intake.url + "/v1/events", data=json.dumps(body), headers=headers) as response,
    ):
        assert response.status == 202
        answer = await response.json()
    assert [r["outcome"] for r in answer["results"]] == ["duplicate", "accepted", "accepted"]
    # ...and once more over Kafka: still a duplicate.
    await intake.produce([(by_http.encode(), json.dumps(body[2]).encode())])
    totals = await intake.wait_received(5)
    assert totals == {"accepted": 3, "duplicate": 2, "rejected": 0, "received": 5}

    ids = {f"{run}-k1", f"{run}-h1", f"{run}-h2"}
    # Read on for a while after the third record: a second copy would show up here.
    published = await read_topic(
        intake.bootstrap,
        "case.events",
        lambda r: header(r, "ce_id") in ids,
        until=lambda found: False,
        timeout=3,
    )
    assert sorted(header(r, "ce_id") for r in published) == sorted(ids)
    cohorts = {header(r, "ce_id"): json.loads(r.value)["cohort"] for r in published}
    assert cohorts == {f"{run}-k1": "regular", f"{run}-h1": "taskforce", f"{run}-h2": "taskforce"}
    assert sorted(await intake.logged(f"{run}-")) == sorted(ids)


async def test_ten_thousand_mixed_records_add_up(intake: Running) -> None:
    records = mixed(intake.run, 10_000)
    want = expected(records)
    assert want["rejected"] > 500 and want["duplicate"] > 100  # the mix is a real test
    await intake.produce(records)
    totals = await intake.wait_received(len(records), timeout=90)
    assert totals == {**want, "received": 10_000}

    async with aiohttp.ClientSession() as http:
        async with http.get(intake.url + "/metrics") as response:
            text = await response.text()
        async with http.get(intake.url + "/v1/accounting") as response:
            accounting = await response.json()
    samples = [s for f in text_string_to_metric_families(text) for s in f.samples]
    events = [s for s in samples if s.name == "caseflow_intake_events_total"]
    rejections = [s for s in samples if s.name == "caseflow_intake_rejections_total"]
    assert sum(s.value for s in events) == 10_000
    for outcome in ("accepted", "duplicate", "rejected"):
        assert sum(s.value for s in events if s.labels["outcome"] == outcome) == want[outcome]
    assert sum(s.value for s in rejections) == want["rejected"]
    assert {s.labels["partner"] for s in events} <= {"ind", "police", "coa", "unknown"}
    assert accounting["received"] == 10_000
    assert sum(accounting["by_reason"].values()) == want["rejected"]
    assert not any(intake.run in str(s.labels) for s in samples)  # no case id in any label
