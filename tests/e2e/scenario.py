"""A small 2020 scenario for the observability tests: enough of every kind of case that each
business metric, dashboard query and alert has something to show.

Taskforce cases decided within and after the term, penalties (statutory, capped; court,
running), regular cases due in the first week of December, Dublin claims accepted, transferred,
failed and expired (side-inflow), and two records intake must reject.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

#: The pipeline day the scenario is meant to be looked at: regular cases fall due right after it.
FINAL_DAY = date(2020, 12, 1)
#: An earlier day at which nothing is yet due within 7 days among the December cases.
EARLY_DAY = date(2020, 11, 1)


def _event(
    case: str, n: int, kind: str, day: date, source: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"{case}-{n}",
        "source": source,
        "type": "nl.asylum." + kind,
        "subject": case,
        "time": f"{day.isoformat()}T10:00:00+01:00",
        "data": data,
    }


def events() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def lodge(case: str, day: date, track: int = 4, kind: str = "first") -> None:
        out.append(
            _event(
                case,
                1,
                "application.lodged",
                day,
                "ind",
                {"kind": kind, "nationality": "SYR", "track": track},
            )
        )

    def add(case: str, n: int, type_: str, day: date, source: str = "ind", **data: Any) -> None:
        out.append(_event(case, n, type_, day, source, data))

    # Taskforce: lodged before 1 April 2020, deadlines May-July 2020.
    for i in range(12):
        case = f"tf-{i:02d}"
        lodge(case, date(2019, 11, 1) + timedelta(days=7 * i))
        if i < 4:
            add(case, 2, "decision.issued", date(2020, 4, 15), outcome="granted")
        elif i < 8:
            # Decided late, in the four weeks before FINAL_DAY: the forecast's decision rate.
            add(
                case,
                3,
                "decision.issued",
                date(2020, 11, 10) + timedelta(days=4 * (i - 4)),
                outcome="rejected",
            )
    add("tf-05", 2, "notice_of_default.received", date(2020, 6, 1), "lawyer", sent_on="2020-05-30")
    add("tf-08", 2, "notice_of_default.received", date(2020, 7, 1), "lawyer", sent_on="2020-06-30")
    add(
        "tf-09",
        2,
        "court.order.issued",
        date(2020, 10, 1),
        "court",
        decide_within_days=14,
        penalty_per_day_eur=100,
        penalty_cap_eur=15000,
    )
    add("tf-10", 2, "hearing.held", date(2020, 3, 1), kind="substantive", mode="video")
    add("tf-11", 2, "intended_decision.issued", date(2020, 3, 1))

    # Regular: lodged from April 2020; the last four fall due in the first week of December.
    for i in range(8):
        case = f"rg-{i:02d}"
        lodge(
            case, date(2020, 4, 6) + timedelta(days=7 * i), kind="subsequent" if i == 7 else "first"
        )
    add("rg-00", 2, "decision.issued", date(2020, 9, 1), outcome="granted")
    add("rg-01", 2, "decision.issued", date(2020, 9, 1), outcome="granted")
    add("rg-02", 2, "decision.issued", date(2020, 11, 20), outcome="granted")
    for i in range(4):
        lodge(f"due-{i}", date(2020, 6, 2) + timedelta(days=i))

    # Dublin.
    lodge("db-1", date(2020, 1, 10), track=1)
    add(
        "db-1",
        2,
        "dublin.claim.sent",
        date(2020, 1, 20),
        member_state="DE",
        kind="take_charge",
        eurodac_hit=True,
        eurodac_hit_on="2020-01-13",
    )
    add("db-1", 3, "dublin.transfer.scheduled", date(2020, 4, 1), "dtv", planned_on="2020-04-15")
    add("db-1", 4, "dublin.transfer.failed", date(2020, 4, 15), "dtv", reason="suspended")
    lodge("db-2", date(2020, 5, 4), track=1)
    add(
        "db-2",
        2,
        "dublin.claim.sent",
        date(2020, 5, 11),
        member_state="BE",
        kind="take_charge",
        eurodac_hit=False,
    )
    add("db-2", 3, "dublin.claim.answered", date(2020, 6, 5), accepted=True)
    lodge("db-3", date(2020, 2, 3), track=1)
    add(
        "db-3",
        2,
        "dublin.claim.sent",
        date(2020, 2, 10),
        member_state="FR",
        kind="take_charge",
        eurodac_hit=False,
    )
    add("db-3", 3, "dublin.claim.answered", date(2020, 3, 1), accepted=True)
    add("db-3", 4, "dublin.transfer.scheduled", date(2020, 5, 1), "dtv", planned_on="2020-05-20")
    add("db-3", 5, "dublin.transfer.completed", date(2020, 5, 20), "dtv", planned_on="2020-05-20")
    lodge("db-4", date(2020, 11, 2), track=1)
    add(
        "db-4",
        2,
        "dublin.claim.sent",
        date(2020, 11, 20),
        member_state="IT",
        kind="take_charge",
        eurodac_hit=False,
    )
    return out


def write(path: Path) -> Path:
    """The scenario as JSON lines, plus a malformed line and an event for an unknown case."""
    lines = [json.dumps(e) for e in events()]
    lines.append('{"specversion": "1.0", "id": "broken"')
    lines.append(
        json.dumps(
            _event("nobody", 1, "decision.issued", date(2020, 6, 1), "ind", {"outcome": "granted"})
        )
    )
    path.write_text("\n".join(lines) + "\n")
    return path
