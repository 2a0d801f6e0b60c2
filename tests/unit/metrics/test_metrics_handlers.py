"""The metrics service's logic without a database: reading records, merging case patches,
penalty and forecast arithmetic, and the metric families of a projection."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from caseflow.domain.taskforce import goal_stock
from services.metrics.families import (
    Aggregates,
    PenaltyRow,
    figures,
    forecast,
    penalty_figures,
    pipeline_clock,
)
from services.metrics.projection import Observation, Tick, merge, parse
from tests.unit.metrics.records import dead_letter, event, tick

CUTOFF = date(2020, 4, 1)
GOAL = date(2021, 7, 1)
D = date.fromisoformat


def observation(record: object) -> Observation:
    parsed = parse(record)
    assert isinstance(parsed, Observation)
    return parsed


def test_only_deadline_stage_ticks_move_the_clock_and_clock_ticks_give_the_mode() -> None:
    at = datetime(2020, 6, 1, 10, tzinfo=UTC)
    forwarded = parse(tick("case.deadlines", at, "deadline", mode="forwarded", partition=3))
    assert forwarded == Tick("deadline", 3, at, "forwarded")
    source = parse(tick("case.events", at, "clock", mode="simulated"))
    assert source == Tick("clock", 0, at, "simulated")
    assert parse(tick("case.events", at, "dublin")) is None
    ticks = [("deadline", at, "forwarded"), ("clock", at, "simulated")]
    assert pipeline_clock(ticks) == (at, "simulated")


def test_the_slowest_partition_is_the_pipeline_clock() -> None:
    early, late = datetime(2020, 6, 1, tzinfo=UTC), datetime(2020, 7, 1, tzinfo=UTC)
    assert pipeline_clock([("deadline", late, "f"), ("deadline", early, "f")])[0] == early


def test_a_dead_letter_re_published_for_the_same_record_counts_once() -> None:
    first = observation(dead_letter("malformed_json", source_offset=7, offset=1))
    again = observation(dead_letter("malformed_json", source_offset=7, offset=2))
    other = observation(dead_letter("malformed_json", source_offset=8, offset=3))
    assert first.row.event_id == again.row.event_id != other.row.event_id
    assert first.row.label == "malformed_json"


def test_undecodable_records_are_ignored() -> None:
    from tests.unit.metrics.records import Record

    assert parse(Record("case.deadlines", 0, 0, b"not json")) is None


def test_lodging_sets_the_case_and_intake_cohort_wins() -> None:
    lodged = observation(
        event(
            "case.events",
            "c1",
            1,
            "application.lodged",
            D("2020-05-01"),
            {"kind": "subsequent", "nationality": "SYR", "track": 4},
            cohort="taskforce",
        )
    )
    assert lodged.row.label == "subsequent"
    patch = merge([lodged], CUTOFF)["c1"]
    assert patch["cohort"] == "taskforce"  # intake's enrichment, not recomputed
    assert patch["lodged_on"] == "2020-05-01" and patch["track"] == 4


def test_without_enrichment_the_cohort_follows_the_cut_off() -> None:
    lodged = observation(
        event(
            "case.events",
            "c1",
            1,
            "application.lodged",
            D("2020-03-31"),
            {"kind": "first", "nationality": "SYR"},
        )
    )
    assert merge([lodged], CUTOFF)["c1"]["cohort"] == "taskforce"


def dublin(type_: str, n: int, topic: str = "case.events", **data: object) -> Observation:
    return observation(event(topic, "d1", n, type_, D("2020-05-01"), dict(data)))


def test_the_dublin_stage_is_the_one_the_dublin_service_published_last() -> None:
    tacit = dublin(
        "claim.tacitly_accepted",
        1,
        "dublin.events",
        accepted_on="2020-03-20",
        kind="take_charge",
        sent_on="2020-01-20",
        stage="accepted",
    )
    # A claim fact on case.events says nothing about the stage: the Dublin fold decides it.
    sent = dublin("dublin.claim.sent", 2, member_state="DE", kind="take_charge", eurodac_hit=False)
    assert "dublin_stage" not in sent.patch
    assert merge([tacit, sent], CUTOFF)["d1"]["dublin_stage"] == "accepted"
    failed = dublin(
        "dublin.stage_changed", 3, "dublin.events", stage="accepted", previous="transfer_scheduled"
    )
    expired = dublin(
        "transfer.deadline_expired",
        4,
        "dublin.events",
        transfer_deadline="2020-09-20",
        stage="nl_responsible",
    )
    assert merge([failed, expired], CUTOFF)["d1"]["dublin_stage"] == "nl_responsible"
    # The side-inflow on case.events carries the stage too, but only dublin.events is read for
    # it: one topic, in order, so no two readings of the same change can disagree.
    entered = dublin(
        "national_procedure.entered",
        5,
        reason="transfer_expired",
        original_lodged_on="2020-01-10",
        stage="nl_responsible",
    )
    assert entered.row.label == "transfer_expired" and "dublin_stage" not in entered.patch


def test_a_late_decision_is_counted_by_its_cause() -> None:
    late = observation(
        event(
            "case.deadlines",
            "c1",
            1,
            "decision.late",
            D("2020-11-20"),
            {
                "outcome": "granted",
                "deadline": "2020-06-08",
                "days_late": 165,
                "statutory_penalty_eur": 0,
                "court_penalty_eur": 0,
                "cause": "linked_child",
            },
            source="deadline",
        )
    )
    assert late.row.label == "linked_child"
    agg = Aggregates(late=[("taskforce", "linked_child", 3), ("regular", "unknown", 1)])
    found = families(agg)["caseflow_late_decisions_total"]
    assert found[("taskforce", "linked_child")] == 3
    assert found[("regular", "unknown")] == 1
    assert found[("regular", "side_inflow_over_term")] == 0  # every known cause has a series


def test_an_instrument_marked_unlawful_is_counted_once_dated_by_its_ruling() -> None:
    from tests.unit.metrics.records import marking

    copies = [observation(marking("WBV 2022/22", D("2023-01-16"), partition=p)) for p in (0, 1)]
    assert copies[0].row.event_id == copies[1].row.event_id  # one event in every partition
    assert copies[0].row.case_id is None and copies[0].row.label == "WBV 2022/22"
    agg = Aggregates(markings=[("WBV 2022/22", D("2023-01-16"))])
    found = families(agg)["caseflow_policy_instrument_invalidated_timestamp_seconds"]
    # 00:00 Amsterdam (CET, UTC+1) of the day of the ruling.
    assert found[("WBV 2022/22",)] == datetime(2023, 1, 15, 23, tzinfo=UTC).timestamp()


def test_penalty_as_in_the_domain_example() -> None:
    # docs/legal.md: first penalty day 17 Mar 2020; 17-30 Mar at EUR 23 = 322, then 35 a day.
    running = PenaltyRow(None, D("2020-03-17"), (23, 35, 45), 14, 1442, None)
    accrued, exposure, cases = penalty_figures([running], "statutory", D("2020-03-31"))
    assert (accrued, exposure, cases) == (322 + 35, 322, 1)
    capped, _, still_running = penalty_figures([running], "statutory", D("2020-05-01"))
    assert capped == 1442 and still_running == 0


def test_a_decided_case_counts_its_final_amount_and_no_exposure() -> None:
    decided = PenaltyRow(D("2020-04-01"), D("2020-03-17"), (23, 35, 45), 14, 1442, 357)
    assert penalty_figures([decided], "statutory", D("2020-12-01")) == (357, 0, 0)
    # Before decision.late arrived: accrued up to the day before the decision.
    pending = PenaltyRow(D("2020-04-01"), D("2020-03-17"), (23, 35, 45), 14, 1442, None)
    assert penalty_figures([pending], "statutory", D("2020-12-01"))[0] == 357


def test_forecast_at_the_recent_rate() -> None:
    today = D("2020-12-01")
    assert forecast(100, 28, today) == (D("2021-03-11"), 100.0)  # one a day
    assert forecast(0, 0, today) == (today, 0.0)
    assert forecast(5, 0, today) == (None, math.inf)


def test_the_goal_line_runs_from_the_assignment_to_zero() -> None:
    start, goal = D("2020-04-01"), D("2021-07-01")
    assert goal_stock(1000, start, start, goal) == 1000
    assert goal_stock(1000, goal, start, goal) == 0
    assert 0 < goal_stock(1000, D("2020-11-15"), start, goal) < 1000


def families(agg: Aggregates) -> dict[str, dict[tuple[str, ...], float]]:
    return {f.name: dict(f.samples) for f in figures(agg, CUTOFF, GOAL, datetime.now(UTC))}


def test_known_labels_report_zero_before_anything_happened() -> None:
    found = families(Aggregates())
    assert found["caseflow_decisions_total"][("taskforce", "late")] == 0
    assert found["caseflow_side_inflow_total"][("transfer_expired",)] == 0
    assert found["caseflow_claims_open"][("accepted",)] == 0
    assert found["caseflow_claims_open"][("claim_due",)] == 0  # the domain's OPEN_STAGES
    # Without a pipeline clock there is no pipeline day to measure deadlines against.
    assert "caseflow_open_cases_due" not in found


def test_no_recent_decisions_means_never_cleared_and_every_deadline_counts() -> None:
    clock = datetime(2020, 12, 1, 11, tzinfo=UTC)
    agg = Aggregates(
        clock=[("deadline", clock, "forwarded"), ("clock", clock, "simulated")],
        backlog=[
            (D("2019-10-01"), D("2019-10-01"), None, False, 6),
            (D("2019-10-01"), D("2019-10-01"), D("2020-06-01"), False, 4),
            # Waiting for a Dublin transfer on the cut-off, and decided before it: not assigned.
            (D("2019-10-01"), None, None, False, 3),
            (D("2019-10-01"), D("2019-10-01"), D("2020-02-01"), False, 2),
        ],
        deadlines_after=[D("2020-12-05"), D("2021-06-01")],
    )
    found = families(agg)
    assert found["caseflow_forecast_taskforce_cleared_timestamp_seconds"][()] == math.inf
    assert found["caseflow_forecast_breaches_before_cleared_cases"][()] == 2
    assert found["caseflow_pipeline_clock_simulated"][()] == 1
    assert found["caseflow_taskforce_assignment_cases"][()] == 10
    assert found["caseflow_taskforce_decided_cases"][()] == 4
    assert found["caseflow_taskforce_open_cases"][()] == 6


def test_no_family_has_a_case_label() -> None:
    for family in figures(
        Aggregates(clock=[("deadline", datetime.now(UTC), "live")]), CUTOFF, GOAL
    ):
        assert not {"case", "case_id", "subject"} & set(family.labels), family.name
