"""The reduced fuzz run of POST /v1/events (the full one is `make fuzz`, tests/fuzz)."""

from __future__ import annotations

from tests.fuzz.http import fuzz_http, specials
from tests.integration.intake.conftest import Running


async def test_two_thousand_generated_inputs_are_each_accounted_for(intake: Running) -> None:
    tally = await fuzz_http(intake.url, 2_000, seed=7, run=intake.run)
    print(tally.line(), dict(tally.statuses), dict(tally.outcomes))
    assert (tally.crashes, tally.hangs, tally.http_500) == (0, 0, 0)
    assert tally.problems == []
    assert tally.accounting_exact
    assert tally.outcomes["accepted"] > 0 and tally.outcomes["rejected"] > 0
    # Every input is judged one by one, or came in a batch refused whole (400, none counted).
    assert tally.judged >= 1_800


async def test_big_batches_slow_clients_deep_json_and_huge_numbers(intake: Running) -> None:
    limit = intake.settings.intake_max_batch_events
    assert limit == 1_000
    out = await specials(intake.url, intake.run, max_batch=limit)
    assert (out.big_batch_status, out.big_batch_error) == (413, "a batch holds at most 1000 events")
    assert out.split_batches == [202] * 10 and out.split_accepted == 10_000
    assert out.slow_status == 202 and out.slow_seconds >= 1.5
    assert out.fast_during_slow_max_s < 1.0  # the slow body held no one else up
    assert out.hostile == {
        "deep_array_200k": (413, "too_large"),
        "deep_object_10k": (400, "malformed_json"),
        "deep_data_40": (422, "invalid_data"),
        "huge_int_5000_digits": (400, "malformed_json"),
        "huge_int_30_digits": (422, "invalid_data"),
        "huge_float_1e400": (400, "malformed_json"),
        "nul_bytes": (400, "malformed_json"),
        "nul_in_string": (422, "invalid_envelope"),
        "invalid_utf8": (400, "invalid_encoding"),
        "lone_surrogate": (400, "invalid_encoding"),
        "deep_batch_50k": (400, None),
    }
    health = await intake.totals()
    assert health["received"] == health["accepted"] + health["duplicate"] + health["rejected"]
