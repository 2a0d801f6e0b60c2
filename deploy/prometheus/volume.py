"""How often the business alert conditions hold at real volume: the 2020 letter replayed offline
(`caseflow scenario letter-2020`, scale 1), its daily series, and on how many days each condition
of deploy/prometheus/rules/alerts.yml, the old rules and the obvious alternatives would hold.

    .venv/bin/caseflow scenario letter-2020 --out /tmp/letter.jsonl
    .venv/bin/caseflow replay /tmp/letter.jsonl --format json > /tmp/replay.json
    .venv/bin/python deploy/prometheus/volume.py /tmp/letter.jsonl /tmp/replay.json

The figures are read at one point a day from the replay's final case states (a deadline moved
by a later extension counts at its final date), which is what the rules see at daily resolution.
The table is in docs/metrics.md ("Alerts").
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

FIRST, LAST = date(2020, 1, 1), date(2021, 6, 30)
WEEK = 7


def days() -> list[date]:
    return [FIRST + timedelta(n) for n in range((LAST - FIRST).days + 1)]


def series(events: Path, replay: dict[str, Any]) -> dict[str, list[int]]:
    """Breaches per day, open cases due within 7 days per cohort, transfer deadlines within 7
    days: one value per day."""
    breached = Counter(
        e["time"][:10] for e in replay["emitted"] if e["type"] == "nl.asylum.deadline.breached"
    )
    terms = []
    claims = []
    transferred = {}
    for line in events.read_text().splitlines():
        event = json.loads(line)
        if event["type"] == "nl.asylum.dublin.transfer.completed":
            transferred[event["subject"]] = event["time"][:10]
    for case_id, case in replay["cases"].items():
        term, decision = case.get("term"), (case.get("decision") or {}).get("on")
        if term and term.get("starts_on") and term.get("deadline"):
            terms.append((case["cohort"], term["starts_on"], term["deadline"], decision))
        claim = case.get("dublin")
        if claim and claim.get("accepted_on") and claim.get("transfer_deadline"):
            claims.append(
                (
                    claim["accepted_on"],
                    claim["transfer_deadline"],
                    transferred.get(case_id),
                    claim.get("nl_responsible_on"),
                )
            )
    out: dict[str, list[int]] = {
        "breaches": [],
        "due7 taskforce": [],
        "due7 regular": [],
        "dublin due7": [],
    }
    for day in days():
        today, week = day.isoformat(), (day + timedelta(WEEK)).isoformat()
        due = Counter(
            cohort
            for cohort, starts, deadline, decided in terms
            if starts <= today
            and (decided is None or decided > today)
            and today <= deadline <= week
        )
        out["breaches"].append(breached.get(today, 0))
        out["due7 taskforce"].append(due["taskforce"])
        out["due7 regular"].append(due["regular"])
        out["dublin due7"].append(
            sum(
                1
                for accepted, deadline, done, responsible in claims
                if accepted <= today
                and (done is None or done > today)
                and (responsible is None or responsible > today)
                and today <= deadline <= week
            )
        )
    return out


Condition = Callable[[list[int], int], bool]


def usual(x: list[int], i: int) -> float:
    """The average over the week before yesterday, as `avg_over_time(...[7d] offset 1d)`."""
    return statistics.mean(x[i - WEEK - 1 : i - 1]) if i > WEEK else 0.0


CONDITIONS: dict[str, dict[str, Condition]] = {
    "breaches": {
        "any breach (old warning)": lambda x, i: x[i] > 0,
        ">= 50 (old critical)": lambda x, i: x[i] >= 50,
        "more than yesterday": lambda x, i: x[i] > x[i - 1],
        "warning: >= 10 and > 2 x usual": lambda x, i: x[i] >= 10 and x[i] > 2 * usual(x, i),
        "critical: >= 50 and > 2 x usual": lambda x, i: x[i] >= 50 and x[i] > 2 * usual(x, i),
    },
    **{
        name: {
            "any (old rule)": lambda x, i: x[i] > 0,
            "more than yesterday": lambda x, i: x[i] > x[i - 1],
            "> 1.5 x usual": lambda x, i: x[i] > 1.5 * usual(x, i),
        }
        for name in ("due7 taskforce", "due7 regular", "dublin due7")
    },
}


def main(events: str, replay: str) -> None:
    daily = series(Path(events), json.loads(Path(replay).read_text()))
    start = WEEK + 1
    print(f"{len(days()) - start} days, {days()[start]} to {LAST}")
    for name, x in daily.items():
        print(f"{name}: median {statistics.median(x[start:])}, max {max(x[start:])}")
        for label, holds in CONDITIONS[name].items():
            print(f"  {label:34} {sum(holds(x, i) for i in range(start, len(x))):4d} days")


if __name__ == "__main__":
    main(*sys.argv[1:3])
