"""Hand-computed Dublin streams: partner events of one case each, and what must hold at given
dates. The expected dates were worked out by hand from docs/legal.md (not by running the code):
request deadline, reply period, acceptance, transfer deadline (6 / 12 / 18 months, appeal
restart), and the side-inflow the day NL becomes responsible.

Used twice: field by field against `caseflow replay` (unit), and all together through the live
pipeline against replay (integration).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

D = date.fromisoformat


@dataclass(frozen=True)
class Event:
    type: str
    on: str
    data: dict[str, Any]
    source: str


def lodged(on: str, track: int | None = 1) -> Event:
    data: dict[str, Any] = {"kind": "first", "nationality": "SYR"}
    if track is not None:
        data["track"] = track
    return Event("application.lodged", on, data, "ind")


def registered(on: str) -> Event:
    return Event(
        "registration.recorded", on, {"nationality": "SYR", "unaccompanied_minor": False}, "police"
    )


def track(on: str, number: int) -> Event:
    return Event("track.assigned", on, {"track": number}, "ind")


def claim(
    on: str,
    state: str,
    kind: str = "take_charge",
    hit: bool = False,
    hit_on: str | None = None,
    urgent: int | None = None,
) -> Event:
    data: dict[str, Any] = {"member_state": state, "kind": kind, "eurodac_hit": hit}
    if hit_on is not None:
        data["eurodac_hit_on"] = hit_on
    if urgent is not None:
        data["urgent_reply_days"] = urgent
    return Event("dublin.claim.sent", on, data, "ind")


def answered(on: str, accepted: bool) -> Event:
    return Event("dublin.claim.answered", on, {"accepted": accepted}, "ind")


def scheduled(on: str, planned: str) -> Event:
    return Event("dublin.transfer.scheduled", on, {"planned_on": planned}, "dtv")


def completed(on: str) -> Event:
    return Event("dublin.transfer.completed", on, {"planned_on": on}, "dtv")


def failed(on: str, reason: str) -> Event:
    return Event("dublin.transfer.failed", on, {"reason": reason}, "dtv")


def absconded(on: str) -> Event:
    return Event("person.absconded", on, {}, "coa")


def appeal(on: str, suspensive: bool) -> Event:
    return Event("appeal.lodged", on, {"suspensive": suspensive}, "court")


def appeal_decided(on: str) -> Event:
    return Event("appeal.decided", on, {"outcome": "rejected"}, "court")


def view(
    stage: str,
    reply_due: str | None = None,
    accepted_on: str | None = None,
    tacit: bool | None = None,
    transfer_deadline: str | None = None,
    nl_responsible_on: str | None = None,
) -> dict[str, Any]:
    """The `dublin` object of the replay contract."""
    return {
        "stage": stage,
        "reply_due": reply_due,
        "accepted_on": accepted_on,
        "tacit": tacit,
        "transfer_deadline": transfer_deadline,
        "nl_responsible_on": nl_responsible_on,
    }


@dataclass(frozen=True)
class Check:
    until: str
    #: The case's `dublin` object (None: not a Dublin case).
    dublin: dict[str, Any] | None
    #: (day, reason) of the one side-inflow by `until`, or None.
    inflow: tuple[str, str] | None = None
    #: The Dublin events emitted by `until`, (type without prefix, `on`), in emission order.
    events: list[tuple[str, str]] | None = None
    #: The national term after side-inflow: (starts_on, absolute_deadline).
    term: tuple[str, str] | None = None
    #: (index of the partner event, rejection reason) for events the Dublin fold refused.
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Stream:
    case_id: str
    title: str
    events: list[Event]
    checks: list[Check]

    def event_id(self, index: int) -> str:
        return f"{self.case_id}-{index}"

    def lines(self) -> list[bytes]:
        """The partner events as CloudEvents, one JSON line each; noon in Amsterdam winter
        time stays on the same legal day all year."""
        return [
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": self.event_id(i),
                    "source": e.source,
                    "type": "nl.asylum." + e.type,
                    "subject": self.case_id,
                    "time": f"{e.on}T12:00:00+01:00",
                    "datacontenttype": "application/json",
                    "data": e.data,
                }
            ).encode()
            for i, e in enumerate(self.events)
        ]


RD, TA, TS, TX, NP = (
    "claim.reply_due",
    "claim.tacitly_accepted",
    "transfer.deadline_set",
    "transfer.deadline_expired",
    "national_procedure.entered",
)

STREAMS: list[Stream] = [
    Stream(
        "dub-01",
        "legal.md example: lodged 10 Jan, Eurodac 13 Jan, sent 20 Jan → reply due 20 Mar, tacit",
        [lodged("2020-01-10"), claim("2020-01-20", "DE", hit=True, hit_on="2020-01-13")],
        [
            Check("2020-03-20", view("claim_sent", "2020-03-20"), events=[(RD, "2020-01-20")]),
            Check(
                "2020-03-21",
                view("accepted", "2020-03-20", "2020-03-20", True, "2020-09-20"),
                events=[(RD, "2020-01-20"), (TA, "2020-03-20"), (TS, "2020-03-20")],
            ),
            Check(
                "2020-12-31",
                view(
                    "nl_responsible", "2020-03-20", "2020-03-20", True, "2020-09-20", "2020-09-21"
                ),
                inflow=("2020-09-21", "transfer_expired"),
                events=[
                    (RD, "2020-01-20"),
                    (TA, "2020-03-20"),
                    (TS, "2020-03-20"),
                    (TX, "2020-09-21"),
                    (NP, "2020-09-21"),
                ],
                term=("2020-09-21", "2021-10-10"),
            ),
        ],
    ),
    Stream(
        "dub-02",
        "legal.md example, request sent 14 Mar: after the 13 Mar deadline, NL responsible 14 Mar",
        [lodged("2020-01-10"), claim("2020-03-14", "DE", hit=True, hit_on="2020-01-13")],
        [
            Check(
                "2020-04-01",
                view("nl_responsible", "2020-05-14", nl_responsible_on="2020-03-14"),
                inflow=("2020-03-14", "request_deadline_missed"),
                events=[(NP, "2020-03-14")],
                term=("2020-03-14", "2021-10-10"),
            )
        ],
    ),
    Stream(
        "dub-03",
        "claim due, then no request within 3 months of lodging",
        [lodged("2020-02-03")],
        [
            Check("2020-03-01", view("claim_due"), events=[]),
            Check(
                "2020-06-01",
                view("nl_responsible", nl_responsible_on="2020-05-04"),
                inflow=("2020-05-04", "request_deadline_missed"),
                events=[(NP, "2020-05-04")],
                term=("2020-05-04", "2021-11-03"),
            ),
        ],
    ),
    Stream(
        "dub-04",
        "request after NL already became responsible is refused",
        [lodged("2020-01-15"), claim("2020-04-20", "IT")],
        [
            Check(
                "2020-05-01",
                view("nl_responsible", nl_responsible_on="2020-04-16"),
                inflow=("2020-04-16", "request_deadline_missed"),
                events=[(NP, "2020-04-16")],
                term=("2020-04-16", "2021-10-15"),
                rejected=[(1, "nl_responsible")],
            )
        ],
    ),
    Stream(
        "dub-05",
        "Eurodac hit without a date: dated on the registration; in time, explicit acceptance",
        [
            registered("2020-01-06"),
            lodged("2020-01-09"),
            claim("2020-03-05", "FR", hit=True),
            answered("2020-04-01", True),
        ],
        [
            Check(
                "2020-06-01",
                view("accepted", "2020-05-05", "2020-04-01", False, "2020-10-01"),
                events=[(RD, "2020-03-05"), (TS, "2020-04-01")],
            )
        ],
    ),
    Stream(
        "dub-06",
        "Eurodac hit without a date, dated on the registration: request one day late",
        [registered("2020-01-06"), lodged("2020-01-09"), claim("2020-03-07", "FR", hit=True)],
        [
            Check(
                "2020-04-01",
                view("nl_responsible", "2020-05-07", nl_responsible_on="2020-03-07"),
                inflow=("2020-03-07", "request_deadline_missed"),
                events=[(NP, "2020-03-07")],
                term=("2020-03-07", "2021-10-09"),
            )
        ],
    ),
    Stream(
        "dub-07",
        "take back, Eurodac hit without date nor registration: dated on lodging; sent on the "
        "last day; 2-week reply, tacit",
        [lodged("2020-01-09"), claim("2020-03-09", "BE", "take_back", True)],
        [
            Check(
                "2020-03-24",
                view("accepted", "2020-03-23", "2020-03-23", True, "2020-09-23"),
                events=[(RD, "2020-03-09"), (TA, "2020-03-23"), (TS, "2020-03-23")],
            )
        ],
    ),
    Stream(
        "dub-08",
        "take back with a dated Eurodac hit: 2-week reply period, tacit on its last day",
        [lodged("2020-02-10"), claim("2020-03-20", "BE", "take_back", True, "2020-02-01")],
        [
            Check("2020-04-03", view("claim_sent", "2020-04-03"), events=[(RD, "2020-03-20")]),
            Check(
                "2020-04-10",
                view("accepted", "2020-04-03", "2020-04-03", True, "2020-10-03"),
                events=[(RD, "2020-03-20"), (TA, "2020-04-03"), (TS, "2020-04-03")],
            ),
        ],
    ),
    Stream(
        "dub-09",
        "take back without Eurodac: 1-month reply, accepted on its last day, then expiry",
        [
            lodged("2020-01-31"),
            claim("2020-03-31", "AT", "take_back"),
            answered("2020-04-30", True),
        ],
        [
            Check(
                "2020-11-15",
                view(
                    "nl_responsible", "2020-04-30", "2020-04-30", False, "2020-10-30", "2020-10-31"
                ),
                inflow=("2020-10-31", "transfer_expired"),
                events=[
                    (RD, "2020-03-31"),
                    (TS, "2020-04-30"),
                    (TX, "2020-10-31"),
                    (NP, "2020-10-31"),
                ],
                term=("2020-10-31", "2021-10-31"),
            )
        ],
    ),
    Stream(
        "dub-10",
        "take back rejected: side-inflow the day of the reply",
        [
            lodged("2020-03-02"),
            claim("2020-03-16", "PL", "take_back", True, "2020-03-01"),
            answered("2020-03-25", False),
        ],
        [
            Check(
                "2020-04-15",
                view("rejected", "2020-03-30", nl_responsible_on="2020-03-25"),
                inflow=("2020-03-25", "claim_rejected"),
                events=[(RD, "2020-03-16"), (NP, "2020-03-25")],
                term=("2020-03-25", "2021-12-02"),
            )
        ],
    ),
    Stream(
        "dub-11",
        "take charge rejected: side-inflow the day of the reply",
        [lodged("2020-06-02"), claim("2020-06-16", "IT"), answered("2020-07-20", False)],
        [
            Check(
                "2020-08-01",
                view("rejected", "2020-08-16", nl_responsible_on="2020-07-20"),
                inflow=("2020-07-20", "claim_rejected"),
                events=[(RD, "2020-06-16"), (NP, "2020-07-20")],
                term=("2020-07-20", "2022-03-02"),
            )
        ],
    ),
    Stream(
        "dub-12",
        "urgent take charge (10 days): tacit on the last day of the urgent period",
        [lodged("2020-05-04"), claim("2020-05-11", "ES", urgent=10)],
        [
            Check("2020-05-21", view("claim_sent", "2020-05-21"), events=[(RD, "2020-05-11")]),
            Check(
                "2020-05-22",
                view("accepted", "2020-05-21", "2020-05-21", True, "2020-11-21"),
                events=[(RD, "2020-05-11"), (TA, "2020-05-21"), (TS, "2020-05-21")],
            ),
        ],
    ),
    Stream(
        "dub-13",
        "urgent take charge (7 days), rejected within it",
        [lodged("2020-06-01"), claim("2020-06-01", "PT", urgent=7), answered("2020-06-05", False)],
        [
            Check(
                "2020-06-30",
                view("rejected", "2020-06-08", nl_responsible_on="2020-06-05"),
                inflow=("2020-06-05", "claim_rejected"),
                events=[(RD, "2020-06-01"), (NP, "2020-06-05")],
                term=("2020-06-05", "2022-03-01"),
            )
        ],
    ),
    Stream(
        "dub-14",
        "urgent period longer than a month (31 days from 1 Feb) is refused; the request "
        "deadline then passes",
        [lodged("2020-12-01"), claim("2021-02-01", "SE", urgent=31)],
        [
            Check(
                "2021-03-10",
                view("nl_responsible", nl_responsible_on="2021-03-02"),
                inflow=("2021-03-02", "request_deadline_missed"),
                events=[(NP, "2021-03-02")],
                term=("2021-03-02", "2022-09-01"),
                rejected=[(1, "urgent_period_out_of_range")],
            )
        ],
    ),
    Stream(
        "dub-15",
        "explicit acceptance, transfer scheduled",
        [
            lodged("2020-02-03"),
            claim("2020-02-17", "DK"),
            answered("2020-03-02", True),
            scheduled("2020-03-10", "2020-04-01"),
        ],
        [
            Check(
                "2020-03-15",
                view("transfer_scheduled", "2020-04-17", "2020-03-02", False, "2020-09-02"),
                events=[(RD, "2020-02-17"), (TS, "2020-03-02")],
            )
        ],
    ),
    Stream(
        "dub-16",
        "transfer completed before expiry: no side-inflow",
        [
            lodged("2020-02-03"),
            claim("2020-02-17", "DK"),
            answered("2020-03-02", True),
            scheduled("2020-03-10", "2020-04-01"),
            completed("2020-04-01"),
        ],
        [
            Check(
                "2020-12-31",
                view("transferred", "2020-04-17", "2020-03-02", False, "2020-09-02"),
                events=[(RD, "2020-02-17"), (TS, "2020-03-02")],
            )
        ],
    ),
    Stream(
        "dub-17",
        "transfer failed, suspended (COVID): the clock keeps running, expiry",
        [
            lodged("2020-01-06"),
            claim("2020-01-27", "DE"),
            answered("2020-02-14", True),
            scheduled("2020-03-02", "2020-03-20"),
            failed("2020-03-20", "suspended"),
        ],
        [
            Check(
                "2020-09-01",
                view(
                    "nl_responsible", "2020-03-27", "2020-02-14", False, "2020-08-14", "2020-08-15"
                ),
                inflow=("2020-08-15", "transfer_expired"),
                events=[
                    (RD, "2020-01-27"),
                    (TS, "2020-02-14"),
                    (TX, "2020-08-15"),
                    (NP, "2020-08-15"),
                ],
                term=("2020-08-15", "2021-10-06"),
            )
        ],
    ),
    Stream(
        "dub-18",
        "transfer failed, medical: no extension",
        [
            lodged("2020-02-10"),
            claim("2020-02-24", "CZ"),
            answered("2020-03-09", True),
            failed("2020-05-04", "medical"),
        ],
        [
            Check(
                "2020-09-30",
                view(
                    "nl_responsible", "2020-04-24", "2020-03-09", False, "2020-09-09", "2020-09-10"
                ),
                inflow=("2020-09-10", "transfer_expired"),
                term=("2020-09-10", "2021-11-10"),
            )
        ],
    ),
    Stream(
        "dub-19",
        "transfer failed, refused: no extension",
        [
            lodged("2020-03-02"),
            claim("2020-03-16", "HU"),
            answered("2020-03-31", True),
            failed("2020-06-15", "refused"),
        ],
        [
            Check(
                "2020-10-15",
                view(
                    "nl_responsible", "2020-05-16", "2020-03-31", False, "2020-09-30", "2020-10-01"
                ),
                inflow=("2020-10-01", "transfer_expired"),
                term=("2020-10-01", "2021-12-02"),
            )
        ],
    ),
    Stream(
        "dub-20",
        "transfer failed, other reason: no extension",
        [
            lodged("2020-04-01"),
            claim("2020-04-15", "LT"),
            answered("2020-05-31", True),
            failed("2020-07-01", "other"),
        ],
        [
            Check(
                "2020-12-15",
                view(
                    "nl_responsible", "2020-06-15", "2020-05-31", False, "2020-11-30", "2020-12-01"
                ),
                inflow=("2020-12-01", "transfer_expired"),
                term=("2020-12-01", "2022-01-01"),
            )
        ],
    ),
    Stream(
        "dub-21",
        "transfer failed, imprisoned: 12 months from acceptance",
        [
            lodged("2020-01-13"),
            claim("2020-01-27", "CH"),
            answered("2020-02-28", True),
            failed("2020-05-05", "imprisoned"),
        ],
        [
            Check(
                "2020-09-01",
                view("accepted", "2020-03-27", "2020-02-28", False, "2021-02-28"),
                events=[(RD, "2020-01-27"), (TS, "2020-02-28"), (TS, "2020-05-05")],
            ),
            Check(
                "2021-03-15",
                view(
                    "nl_responsible", "2020-03-27", "2020-02-28", False, "2021-02-28", "2021-03-01"
                ),
                inflow=("2021-03-01", "transfer_expired"),
                events=[
                    (RD, "2020-01-27"),
                    (TS, "2020-02-28"),
                    (TS, "2020-05-05"),
                    (TX, "2021-03-01"),
                    (NP, "2021-03-01"),
                ],
                term=("2021-03-01", "2021-10-13"),
            ),
        ],
    ),
    Stream(
        "dub-22",
        "transfer failed, absconded: 18 months from acceptance",
        [
            lodged("2020-01-20"),
            claim("2020-02-03", "NO"),
            answered("2020-02-20", True),
            failed("2020-04-15", "absconded"),
        ],
        [
            Check(
                "2021-09-01",
                view(
                    "nl_responsible", "2020-04-03", "2020-02-20", False, "2021-08-20", "2021-08-21"
                ),
                inflow=("2021-08-21", "transfer_expired"),
                events=[
                    (RD, "2020-02-03"),
                    (TS, "2020-02-20"),
                    (TS, "2020-04-15"),
                    (TX, "2021-08-21"),
                    (NP, "2021-08-21"),
                ],
                term=("2021-08-21", "2021-10-20"),
            )
        ],
    ),
    Stream(
        "dub-23",
        "absconding reported on the last day of the 6 months still extends to 18",
        [
            lodged("2020-02-03"),
            claim("2020-02-17", "GR"),
            answered("2020-03-16", True),
            absconded("2020-09-16"),
        ],
        [
            Check(
                "2020-10-01",
                view("accepted", "2020-04-17", "2020-03-16", False, "2021-09-16"),
                events=[(RD, "2020-02-17"), (TS, "2020-03-16"), (TS, "2020-09-16")],
            )
        ],
    ),
    Stream(
        "dub-24",
        "absconding reported after expiry does not extend",
        [
            lodged("2020-02-03"),
            claim("2020-02-17", "GR"),
            answered("2020-03-16", True),
            absconded("2020-09-20"),
        ],
        [
            Check(
                "2020-10-01",
                view(
                    "nl_responsible", "2020-04-17", "2020-03-16", False, "2020-09-16", "2020-09-17"
                ),
                inflow=("2020-09-17", "transfer_expired"),
                events=[
                    (RD, "2020-02-17"),
                    (TS, "2020-03-16"),
                    (TX, "2020-09-17"),
                    (NP, "2020-09-17"),
                ],
                term=("2020-09-17", "2021-11-03"),
            )
        ],
    ),
    Stream(
        "dub-25",
        "appeal with suspensive effect: held while pending, 6 months from its decision",
        [
            lodged("2020-01-06"),
            claim("2020-01-20", "SI"),
            answered("2020-02-10", True),
            appeal("2020-03-01", True),
            appeal_decided("2020-06-15"),
        ],
        [
            Check(
                "2020-05-01",
                view("accepted", "2020-03-20", "2020-02-10", False),
                events=[(RD, "2020-01-20"), (TS, "2020-02-10")],
            ),
            Check(
                "2021-01-01",
                view(
                    "nl_responsible", "2020-03-20", "2020-02-10", False, "2020-12-15", "2020-12-16"
                ),
                inflow=("2020-12-16", "transfer_expired"),
                events=[
                    (RD, "2020-01-20"),
                    (TS, "2020-02-10"),
                    (TS, "2020-06-15"),
                    (TX, "2020-12-16"),
                    (NP, "2020-12-16"),
                ],
                term=("2020-12-16", "2021-10-06"),
            ),
        ],
    ),
    Stream(
        "dub-26",
        "appeal without suspensive effect changes nothing",
        [
            lodged("2020-01-06"),
            claim("2020-01-20", "SK"),
            answered("2020-02-10", True),
            appeal("2020-03-01", False),
            appeal_decided("2020-06-15"),
        ],
        [
            Check(
                "2020-09-01",
                view(
                    "nl_responsible", "2020-03-20", "2020-02-10", False, "2020-08-10", "2020-08-11"
                ),
                inflow=("2020-08-11", "transfer_expired"),
                events=[
                    (RD, "2020-01-20"),
                    (TS, "2020-02-10"),
                    (TX, "2020-08-11"),
                    (NP, "2020-08-11"),
                ],
                term=("2020-08-11", "2021-10-06"),
            )
        ],
    ),
    Stream(
        "dub-27",
        "suspensive appeal, then absconding: 18 months from the appeal decision",
        [
            lodged("2020-01-06"),
            claim("2020-01-20", "LU"),
            answered("2020-02-10", True),
            appeal("2020-03-01", True),
            appeal_decided("2020-06-15"),
            absconded("2020-10-01"),
        ],
        [
            Check(
                "2021-01-01",
                view("accepted", "2020-03-20", "2020-02-10", False, "2021-12-15"),
                events=[
                    (RD, "2020-01-20"),
                    (TS, "2020-02-10"),
                    (TS, "2020-06-15"),
                    (TS, "2020-10-01"),
                ],
            )
        ],
    ),
    Stream(
        "dub-28",
        "tacit acceptance on the last day of a reply period clamped to 29 Feb",
        [lodged("2019-12-02"), claim("2019-12-31", "HR")],
        [
            Check(
                "2020-03-01",
                view("accepted", "2020-02-29", "2020-02-29", True, "2020-08-29"),
                events=[(RD, "2019-12-31"), (TA, "2020-02-29"), (TS, "2020-02-29")],
            )
        ],
    ),
    Stream(
        "dub-29",
        "a rejection after the reply period is too late: the tacit acceptance stands",
        [lodged("2020-03-02"), claim("2020-03-02", "EE"), answered("2020-05-04", False)],
        [
            Check(
                "2020-05-10",
                view("accepted", "2020-05-02", "2020-05-02", True, "2020-11-02"),
                events=[(RD, "2020-03-02"), (TA, "2020-05-02"), (TS, "2020-05-02")],
                rejected=[(2, "after_reply_period")],
            )
        ],
    ),
    Stream(
        "dub-30",
        "a failed attempt, then a completed transfer: no side-inflow",
        [
            lodged("2020-01-06"),
            claim("2020-01-20", "LV"),
            answered("2020-02-10", True),
            failed("2020-03-15", "refused"),
            scheduled("2020-06-01", "2020-06-20"),
            completed("2020-06-20"),
        ],
        [
            Check(
                "2020-12-31",
                view("transferred", "2020-03-20", "2020-02-10", False, "2020-08-10"),
                events=[(RD, "2020-01-20"), (TS, "2020-02-10")],
            )
        ],
    ),
    Stream(
        "dub-31",
        "a transfer reported after expiry is refused",
        [
            lodged("2020-01-06"),
            claim("2020-01-20", "MT"),
            answered("2020-02-10", True),
            completed("2020-08-20"),
        ],
        [
            Check(
                "2020-09-01",
                view(
                    "nl_responsible", "2020-03-20", "2020-02-10", False, "2020-08-10", "2020-08-11"
                ),
                inflow=("2020-08-11", "transfer_expired"),
                term=("2020-08-11", "2021-10-06"),
                rejected=[(3, "nl_responsible")],
            )
        ],
    ),
    Stream(
        "dub-32",
        "imprisonment reported after expiry is refused and does not extend",
        [
            lodged("2020-01-06"),
            claim("2020-01-20", "CY"),
            answered("2020-02-10", True),
            failed("2020-08-12", "imprisoned"),
        ],
        [
            Check(
                "2020-09-01",
                view(
                    "nl_responsible", "2020-03-20", "2020-02-10", False, "2020-08-10", "2020-08-11"
                ),
                inflow=("2020-08-11", "transfer_expired"),
                rejected=[(3, "nl_responsible")],
            )
        ],
    ),
    Stream(
        "dub-33",
        "track 1 assigned after lodging; dated Eurodac hit makes the request due earlier",
        [
            lodged("2020-03-02", track=None),
            track("2020-03-09", 1),
            claim("2020-03-16", "BE", hit=True, hit_on="2020-02-20"),
            answered("2020-04-01", True),
        ],
        [
            Check(
                "2020-10-05",
                view(
                    "nl_responsible", "2020-05-16", "2020-04-01", False, "2020-10-01", "2020-10-02"
                ),
                inflow=("2020-10-02", "transfer_expired"),
                term=("2020-10-02", "2021-12-02"),
            )
        ],
    ),
    Stream(
        "dub-34",
        "imprisoned (12 months), then absconded (18 months), both from the acceptance",
        [
            lodged("2020-01-06"),
            claim("2020-01-20", "FI"),
            answered("2020-02-10", True),
            failed("2020-04-01", "imprisoned"),
            absconded("2020-12-01"),
        ],
        [
            Check(
                "2021-01-01",
                view("accepted", "2020-03-20", "2020-02-10", False, "2021-08-10"),
                events=[
                    (RD, "2020-01-20"),
                    (TS, "2020-02-10"),
                    (TS, "2020-04-01"),
                    (TS, "2020-12-01"),
                ],
            )
        ],
    ),
    Stream(
        "dub-35",
        "a track 4 case never is a Dublin case",
        [lodged("2020-06-01", track=4)],
        [Check("2020-07-01", None, events=[])],
    ),
]
