"""Every bad input (docs/intake.md), over Kafka and HTTP: a reason each, and intake runs on."""

from __future__ import annotations

import io
import json

import aiohttp

from tests.integration.intake.conftest import TOKENS, Running, header, read_topic
from tests.unit.intake.factory import event

FIVE_MB = 5 * 1024 * 1024


def bad_records(run: str) -> list[tuple[str | None, bytes | None, bytes]]:
    """(expected reason or outcome, key, value), in the order they are sent."""
    case = f"case-{run}"
    key = case.encode()

    def ev(event_type: str, n: int, **kw: object) -> bytes:
        return json.dumps(event(event_type, id=f"{run}-{n}", subject=case, **kw)).encode()

    no_subject = event("track.assigned", id=f"{run}-4")
    del no_subject["subject"], no_subject["time"]
    return [
        ("accepted", key, ev("application.lodged", 0)),
        ("malformed_json", key, b'{"specversion": "1.0", "id": '),
        ("not_an_object", key, b"[" + ev("track.assigned", 2) + b"]"),
        ("not_cloudevent", key, json.dumps({"specversion": "1.0", "id": f"{run}-3"}).encode()),
        ("invalid_envelope", key, json.dumps(no_subject).encode()),
        ("unknown_type", key, ev("track.assigned", 5, type="nl.asylum.track.invented")),
        ("invalid_data", key, ev("track.assigned", 6, data={"track": "two"})),
        ("invalid_envelope", key, ev("track.assigned", 7, time="next Tuesday")),
        ("invalid_data", key, ev("notice_of_default.received", 8, data={"sent_on": "2020-13-45"})),
        ("time_out_of_range", key, ev("track.assigned", 9, time="2120-05-04T09:12:00+02:00")),
        ("too_large", key, ev("track.assigned", 10, data={"track": 2, "x": "y" * FIVE_MB})),
        ("source_not_allowed", key, ev("application.lodged", 11, source="police")),
        ("not_a_partner_type", key, ev("national_procedure.entered", 12)),
        (
            "unknown_case",
            f"{case}-x".encode(),
            json.dumps(event("hearing.held", id=f"{run}-13", subject=f"{case}-x")).encode(),
        ),
        ("key_mismatch", b"case-someone-else", ev("track.assigned", 14)),
        ("missing_key", None, ev("track.assigned", 15)),
        ("duplicate", key, ev("application.lodged", 0)),
        ("accepted", key, ev("hearing.held", 17)),
    ]


async def test_bad_kafka_records_are_dead_lettered_with_their_reason(intake: Running) -> None:
    cases = bad_records(intake.run)
    sent = await intake.produce((k, v) for _, k, v in cases)
    totals = await intake.wait_received(len(cases))
    expected_rejected = [c for c in cases if c[0] not in ("accepted", "duplicate")]
    assert totals == {
        "accepted": 2,
        "duplicate": 1,
        "rejected": len(expected_rejected),
        "received": len(cases),
    }
    letters = await read_topic(
        intake.bootstrap,
        "intake.rejected",
        lambda r: header(r, "caseflow_source_topic") == intake.topic,
        until=lambda found: len(found) >= len(expected_rejected),
    )
    by_position = {
        (
            int(header(r, "caseflow_source_partition") or -1),
            int(header(r, "caseflow_source_offset") or -1),
        ): r
        for r in letters
    }
    for (expected, _key, value), meta in zip(cases, sent, strict=True):
        letter = by_position.get((meta.partition, meta.offset))
        if expected in ("accepted", "duplicate"):
            assert letter is None
            continue
        assert letter is not None, expected
        assert header(letter, "caseflow_reason") == expected
        assert header(letter, "caseflow_origin") == "kafka"
        if expected == "too_large":
            assert header(letter, "caseflow_truncated_from") == str(len(value))
            assert value.startswith(letter.value)
        else:
            assert letter.value == value  # the original bytes, unchanged
    # Keyed by case id when it is known, so a case's dead letters stay in order too.
    mismatch = next(r for r in letters if header(r, "caseflow_reason") == "key_mismatch")
    assert mismatch.key == f"case-{intake.run}".encode()
    assert header(mismatch, "ce_id") == f"{intake.run}-14"

    # The worker kept running, and both good events went out once each, with their cohort.
    published = await read_topic(
        intake.bootstrap,
        "case.events",
        lambda r: (header(r, "ce_id") or "").startswith(f"{intake.run}-"),
        until=lambda found: len(found) >= 2,
    )
    assert sorted(header(r, "ce_id") for r in published) == [f"{intake.run}-0", f"{intake.run}-17"]
    assert all(json.loads(r.value)["cohort"] == "regular" for r in published)
    assert all(r.key == f"case-{intake.run}".encode() for r in published)


async def test_http_refuses_what_it_must_with_the_status_a_client_expects(
    intake: Running,
) -> None:
    run, case = intake.run, f"case-{intake.run}"
    single = {"Content-Type": "application/cloudevents+json"}
    batch = {"Content-Type": "application/cloudevents-batch+json"}
    ind = {"Authorization": f"Bearer {TOKENS['ind']}"}
    lodging = json.dumps(event("application.lodged", id=f"{run}-1", subject=case))

    async with aiohttp.ClientSession(base_url=intake.url) as http:

        async def post(body: str | bytes, headers: dict[str, str]) -> tuple[int, dict]:
            # A stream, so that aiohttp does not warn about sending the 5 MB body in one go.
            raw = io.BytesIO(body.encode() if isinstance(body, str) else body)
            async with http.post("/v1/events", data=raw, headers=headers) as response:
                answer = await response.json() if response.content_type.endswith("json") else {}
                return response.status, answer

        assert (await post(lodging, single))[0] == 401
        wrong = {"Authorization": "Bearer demo-ind-tokeN"}
        assert (await post(lodging, {**single, **wrong}))[0] == 401
        assert (await post(lodging, {"Content-Type": "text/plain", **ind}))[0] == 415
        big = json.dumps(event("track.assigned", id=f"{run}-2", data={"x": "y" * FIVE_MB}))
        assert (await post(big, {**single, **ind}))[0] == 413
        assert (await post("[{broken", {**batch, **ind}))[0] == 400

        status, answer = await post("{broken " + run, {**single, **ind})
        assert status == 400
        assert answer["results"][0]["reason"] == "malformed_json"

        police = {"Authorization": f"Bearer {TOKENS['police']}"}
        forbidden = json.dumps(event("application.lodged", id=f"{run}-3", subject=case))
        status, answer = await post(forbidden, {**single, **police})
        assert (status, answer["results"][0]["reason"]) == (403, "source_not_allowed")

        status, answer = await post(lodging, {**single, **ind})
        assert (status, answer["results"]) == (202, [{"id": f"{run}-1", "outcome": "accepted"}])

        mixed = [
            json.loads(lodging),
            event("hearing.held", id=f"{run}-4", subject=case),
            event("hearing.held", id=f"{run}-5", subject=f"{case}-unknown"),
            event("hearing.held", id=f"{run}-6", subject=case, source="police"),
            event("decision.issued", id=f"{run}-7", subject=case, data={"outcome": "maybe"}),
            [1, run],
        ]
        status, answer = await post(json.dumps(mixed), {**batch, **ind})
        assert status == 202
        assert [(r["outcome"], r.get("reason")) for r in answer["results"]] == [
            ("duplicate", None),
            ("accepted", None),
            ("rejected", "unknown_case"),
            ("rejected", "source_mismatch"),
            ("rejected", "invalid_data"),
            ("rejected", "not_an_object"),
        ]
        assert (await post(json.dumps([event("hearing.held")] * 1001), {**batch, **ind}))[0] == 413
        assert (await post(json.dumps([]), {**batch, **ind}))[0] == 400

        async with http.get("/healthz") as response:
            assert response.status == 200

    # Requests refused whole (401, 415, 413, 400 before splitting) carry no event to count.
    totals = await intake.totals()
    assert totals == {"accepted": 2, "duplicate": 1, "rejected": 6, "received": 9}
    letters = await read_topic(
        intake.bootstrap,
        "intake.rejected",
        lambda r: header(r, "caseflow_origin") == "http" and run.encode() in r.value,
        until=lambda found: len(found) >= 6,
    )
    reasons = sorted(header(r, "caseflow_reason") or "" for r in letters)
    assert reasons == [
        "invalid_data",
        "malformed_json",
        "not_an_object",
        "source_mismatch",
        "source_not_allowed",
        "unknown_case",
    ]
