"""The situation of the IND's letter of January 2021 as partner events, 1 Jan 2019 – 30 Jun 2021.

The generator decides *what happens* to each case — when it is lodged, heard, decided, when a
lawyer sends a notice of default, how a Dublin transfer fails — following the letter's account.
It never writes down a figure: the pipeline computes every number of the demo from these events.

- Taskforce: 15,350 applications lodged before 1 Apr 2020, in the national procedure and still
  open then — Dublin cases whose claim was rejected or whose transfer deadline passed before the
  cut-off among them; decisions ramp up from the summer (≈ 6,500 by mid-November, ≈ 8,200 by
  year end, the rest by mid-2021).
- Notices of default for cases past their term, mostly before the temporary law of 10 Jul 2020
  (after it they no longer earn a statutory penalty).
- New inflow 1 Apr – 31 Dec 2020: 9,200 first and 1,170 subsequent applications, decided within
  the term, about 45 % of them by year end; some twenty newborns linked to a Taskforce case are
  decided together with their parent, after their own term.
- Dublin: claims accepted in late 2019 – early 2020 whose transfers stopped from 18 Mar to 1 Jul
  2020 (COVID); the transfer clock kept running, so most expire and return as side-inflow.
- Hearings in person, by video and in writing, as the letter describes.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from caseflow.domain.dublin import DublinState
from caseflow.domain.inflow import entered_between, side_inflow_day
from caseflow.domain.rules import Policy
from caseflow.domain.stock import Question, StockFigures, stock_figures
from caseflow.domain.term import TermState

AMS = ZoneInfo("Europe/Amsterdam")
START, END = date(2019, 1, 1), date(2021, 6, 30)
CUTOFF = date(2020, 4, 1)
YEAR_END = date(2020, 12, 31)
TEMPORARY_LAW = date(2020, 7, 10)
TRANSFER_STOP = (date(2020, 3, 18), date(2020, 7, 1))
NAMESPACE = uuid.UUID("1d9c51a4-59f4-5b5e-8a1e-7f3c0b2e6d40")

#: Cumulative share of the Taskforce stock decided by each date (the letter's trajectory).
TASKFORCE_CURVE = (
    (date(2020, 4, 1), 0.0),
    (date(2020, 7, 1), 0.05),
    (date(2020, 11, 15), 6_500 / 15_350),
    (date(2020, 12, 31), 8_200 / 15_350),
    (date(2021, 6, 30), 1.0),
)
NATIONALITIES = ("SYR", "ERI", "AFG", "TUR", "IRQ", "IRN", "YEM", "NGA", "MAR", "DZA", "COL", "SOM")
#: Of the new applications lodged July – mid-November 2020, the share decided in 2020: with all
#: of April – June (whose term ends in 2020) it makes about 45 % of the year's inflow.
LATE_LODGED_DECIDED_2020 = 0.22
MEMBER_STATES = ("DE", "IT", "ES", "FR", "BE", "AT", "SE", "GR")


@dataclass(frozen=True, slots=True)
class Figures:
    """The letter's counts, scaled; what the scenario aims the story at."""

    taskforce: int = 15_350
    first_2020: int = 9_200
    subsequent_2020: int = 1_170
    linked_children: int = 20
    notices_before_law: int = 10_600
    notices_after_law: int = 2_500
    dublin_claims: int = 3_600

    def scaled(self, scale: float) -> Figures:
        def n(value: int) -> int:
            return max(1, round(value * scale))

        return Figures(
            n(self.taskforce),
            n(self.first_2020),
            n(self.subsequent_2020),
            n(self.linked_children),
            n(self.notices_before_law),
            n(self.notices_after_law),
            n(self.dublin_claims),
        )


# --- the letter's figures ----------------------------------------------------------------------

#: The dates the letter counts to: decisions by mid-November and by the year end, new
#: applications and lateness over 2020 from the cut-off, penalties paid by 15 December,
#: side-inflow over the calendar year.
MID_NOVEMBER, PENALTIES_BY, YEAR_START = date(2020, 11, 15), date(2020, 12, 15), date(2020, 1, 1)
QUESTION = Question(until=YEAR_END, decided_by=(MID_NOVEMBER, YEAR_END), penalties_by=PENALTIES_BY)

#: What the letter says, beside what caseflow computes in the demo's table.
LETTER = {
    "taskforce_assigned": "15,350",
    "taskforce_decided_by_2020_11_15": "~6,500",
    "taskforce_decided_by_2020_12_31": "8,200",
    "first_applications_2020": "9,200",
    "subsequent_applications_2020": "1,170",
    "share_decided_by_2020_12_31": "45%",
    "decided_late_2020": "20",
    "penalties_paid_eur_by_2020_12_15": "~EUR 13 mln",
    "side_inflow_2020": "~1,500",
}


def query() -> dict[str, str]:
    """:data:`QUESTION` as the query of the deadline and Dublin ``GET /v1/figures``."""
    return {
        "until": YEAR_END.isoformat(),
        "decided_by": ",".join(day.isoformat() for day in QUESTION.decided_by),
        "penalties_by": PENALTIES_BY.isoformat(),
        "from": YEAR_START.isoformat(),
    }


def answers(stock: StockFigures, side_inflow: int) -> dict[str, Any]:
    """The letter's figures under its own names."""
    return {
        "taskforce_assigned": stock.taskforce_assigned,
        "taskforce_decided_by_2020_11_15": stock.taskforce_decided_by[MID_NOVEMBER],
        "taskforce_decided_by_2020_12_31": stock.taskforce_decided_by[YEAR_END],
        "first_applications_2020": stock.first_applications,
        "subsequent_applications_2020": stock.subsequent_applications,
        "share_decided_by_2020_12_31": stock.share_decided,
        "decided_late_2020": stock.decided_late,
        "penalties_paid_eur_by_2020_12_15": stock.penalties_paid_eur,
        "side_inflow_2020": side_inflow,
    }


def live_answers(stock: dict[str, Any], dublin: dict[str, Any]) -> dict[str, Any]:
    """:func:`answers` from the JSON of the deadline and Dublin ``GET /v1/figures``."""
    decided = stock["taskforce_decided_by"]
    figures = StockFigures(
        taskforce_assigned=stock["taskforce_assigned"],
        taskforce_decided_by={date.fromisoformat(day): n for day, n in decided.items()},
        first_applications=stock["first_applications"],
        subsequent_applications=stock["subsequent_applications"],
        share_decided=stock["share_decided"],
        decided_late=stock["decided_late"],
        penalties_paid_eur=stock["penalties_paid_eur"],
    )
    return answers(figures, dublin["side_inflow"])


def letter_figures(
    terms: Iterable[TermState], dublins: Iterable[DublinState], policy: Policy
) -> dict[str, Any]:
    """The letter's figures from case states (a replay's, say)."""
    return answers(
        stock_figures(terms, policy, QUESTION), entered_between(dublins, YEAR_START, YEAR_END)
    )


# --- the story ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    seed: int = 2020
    scale: float = 1.0
    events: list[dict[str, Any]] = field(default_factory=list)
    counter: int = 0
    #: Taskforce cases a lawyer sent a notice of default for.
    noticed: set[str] = field(default_factory=set)
    #: Dublin cases that entered the national procedure before the cut-off, open then.
    joined_backlog: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.figures = Figures().scaled(self.scale)

    # --- building blocks -------------------------------------------------------------------

    def emit(
        self, source: str, kind: str, case_id: str, day: date, data: dict[str, Any] | None = None
    ) -> None:
        self.counter += 1
        at = datetime.combine(
            day, time(8 + self.rng.randrange(9), self.rng.randrange(60)), tzinfo=AMS
        )
        event: dict[str, Any] = {
            "specversion": "1.0",
            "id": str(uuid.uuid5(NAMESPACE, f"{self.seed}:{self.counter}")),
            "source": source,
            "type": "nl.asylum." + kind,
            "subject": case_id,
            "time": at.isoformat(),
        }
        if data is not None:
            event["data"] = data
        self.events.append(event)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def workday(self, day: date) -> date:
        """Partners act on working days: a weekend date moves to the next Monday."""
        return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)

    def nationality(self) -> str:
        return self.rng.choice(NATIONALITIES)

    def register_and_lodge(
        self,
        case_id: str,
        lodged: date,
        *,
        kind: str = "first",
        track: int | None = 4,
        linked_to: str | None = None,
        nationality: str | None = None,
    ) -> str:
        nationality = nationality or self.nationality()
        registered = lodged - timedelta(days=self.rng.randrange(1, 6))
        if kind == "first":
            self.emit(
                "kmar" if self.rng.random() < 0.05 else "police",
                "registration.recorded",
                case_id,
                max(registered, START),
                {"nationality": nationality, "unaccompanied_minor": self.rng.random() < 0.04},
            )
        data: dict[str, Any] = {"kind": kind, "nationality": nationality}
        if track is not None:
            data["track"] = track
        if linked_to is not None:
            data["linked_to"] = linked_to
        self.emit("ind", "application.lodged", case_id, lodged, data)
        return nationality

    def hearing_mode(self, day: date) -> str:
        """From spring 2020 the IND heard by video and in writing to keep going under COVID."""
        if day < date(2020, 4, 15):
            return "in_person"
        return self.rng.choices(("in_person", "video", "written"), (0.55, 0.3, 0.15))[0]

    def decide(self, case_id: str, lodged: date, decided: date, outcome: str | None = None) -> None:
        first_hearing = min(lodged + timedelta(days=self.rng.randrange(2, 10)), decided)
        self.emit(
            "ind", "hearing.held", case_id, first_hearing, {"kind": "first", "mode": "in_person"}
        )
        substantive = max(first_hearing, decided - timedelta(days=self.rng.randrange(14, 45)))
        self.emit(
            "ind",
            "hearing.held",
            case_id,
            substantive,
            {"kind": "substantive", "mode": self.hearing_mode(substantive)},
        )
        outcome = (
            outcome
            or self.rng.choices(
                ("granted", "rejected", "manifestly_unfounded", "inadmissible", "withdrawn"),
                (0.45, 0.38, 0.07, 0.04, 0.06),
            )[0]
        )
        if outcome in ("rejected", "manifestly_unfounded"):
            intended = max(substantive, decided - timedelta(days=self.rng.randrange(8, 20)))
            self.emit("ind", "intended_decision.issued", case_id, intended)
            response = min(decided, intended + timedelta(days=self.rng.randrange(2, 7)))
            self.emit("lawyer", "written_response.received", case_id, response)
        self.emit("ind", "decision.issued", case_id, decided, {"outcome": outcome})

    # --- the story ---------------------------------------------------------------------------

    def taskforce_decision_day(self, quantile: float) -> date:
        for (d0, q0), (d1, q1) in itertools.pairwise(TASKFORCE_CURVE):
            if quantile <= q1:
                span = (d1 - d0).days
                return d0 + timedelta(days=round(span * (quantile - q0) / max(q1 - q0, 1e-9)))
        return TASKFORCE_CURVE[-1][0]

    def taskforce(self) -> list[tuple[str, date, date]]:
        """The backlog: lodged over 2019 and early 2020, open on 1 Apr 2020."""
        n = self.figures.taskforce
        cases = []
        quantiles = sorted(self.rng.random() for _ in range(n))
        order = list(range(n))
        self.rng.shuffle(order)
        for i in range(n):
            case_id = f"case-tf-{i:06d}"
            # Older cases weigh more: the backlog built up through 2019.
            lodged = self.day_between(START, CUTOFF - timedelta(days=1))
            if self.rng.random() < 0.5:
                lodged = self.day_between(date(2019, 3, 1), date(2019, 12, 31))
            decided = self.workday(max(self.taskforce_decision_day(quantiles[order[i]]), CUTOFF))
            decided = min(decided, END)
            self.register_and_lodge(case_id, lodged)
            cases.append((case_id, lodged, decided))
        return cases

    def notices(self, taskforce: list[tuple[str, date, date]]) -> None:
        """Lawyers put the IND in default once a term has expired; the temporary law of
        10 Jul 2020 made later notices worthless, so most came before it."""
        before, after = self.figures.notices_before_law, self.figures.notices_after_law
        candidates = [c for c in taskforce if c[1] + relativedelta(months=6) < date(2020, 6, 20)]
        self.rng.shuffle(candidates)
        for case_id, lodged, decided in candidates[:before]:
            expired = lodged + relativedelta(months=6) + timedelta(days=1)
            first = max(expired + timedelta(days=7), date(2020, 1, 6))
            received = self.workday(
                self.day_between(first, min(date(2020, 7, 9), first + timedelta(days=150)))
            )
            if received < decided and received < TEMPORARY_LAW:
                self.noticed.add(case_id)
                self.emit(
                    "lawyer",
                    "notice_of_default.received",
                    case_id,
                    received,
                    {"sent_on": (received - timedelta(days=2)).isoformat()},
                )
        for case_id, _lodged, decided in candidates[before : before + after]:
            received = self.workday(self.day_between(date(2020, 7, 13), date(2020, 10, 30)))
            if received < decided:
                self.noticed.add(case_id)
                self.emit(
                    "lawyer",
                    "notice_of_default.received",
                    case_id,
                    received,
                    {"sent_on": (received - timedelta(days=3)).isoformat()},
                )

    def new_inflow(self, taskforce: list[tuple[str, date, date]]) -> None:
        """1 Apr – 31 Dec 2020: first and subsequent applications, decided within the term."""
        # The newborns linked to a Taskforce case are first applications of 2020 too.
        n_first = self.figures.first_2020 - self.figures.linked_children
        n_sub = self.figures.subsequent_2020
        for i in range(n_first + n_sub):
            subsequent = i >= n_first
            case_id = f"case-{'sub' if subsequent else 'new'}-{i:06d}"
            lodged = self.day_between(CUTOFF, date(2020, 12, 31))
            deadline = lodged + relativedelta(months=6)
            linked = None
            if subsequent and taskforce:
                linked = self.rng.choice(taskforce)[0]
            self.register_and_lodge(
                case_id,
                lodged,
                kind="subsequent" if subsequent else "first",
                track=2 if subsequent and self.rng.random() < 0.5 else 4,
                linked_to=linked,
            )
            # Always within the term. Cases whose term ends in 2020 are decided in 2020; of the
            # rest, enough to bring the year-end share to the letter's figure.
            if deadline <= date(2020, 12, 31):
                window = (min(lodged + timedelta(days=21), deadline), deadline)
            elif lodged < date(2020, 11, 15) and self.rng.random() < LATE_LODGED_DECIDED_2020:
                window = (lodged + timedelta(days=21), date(2020, 12, 31))
            else:
                window = (date(2021, 1, 1), min(deadline, END))
            decided = self.workday(self.day_between(*window))
            if decided > deadline:
                decided = deadline - timedelta(days=2)
            if decided <= END:
                self.decide(case_id, lodged, decided)

    def linked_children(self, taskforce: list[tuple[str, date, date]]) -> None:
        """Newborns get their own application and term but are decided with their parents."""
        parents = [c for c in taskforce if date(2020, 10, 15) < c[2] <= date(2020, 12, 31)]
        self.rng.shuffle(parents)
        for i, (parent, _lodged, parent_decided) in enumerate(
            parents[: self.figures.linked_children]
        ):
            case_id = f"case-child-{i:04d}"
            lodged = self.day_between(
                date(2020, 4, 1), parent_decided - relativedelta(months=6) - timedelta(days=1)
            )
            self.register_and_lodge(case_id, lodged, linked_to=parent)
            self.emit(
                "ind",
                "case.linked",
                case_id,
                lodged + timedelta(days=1),
                {"parent": parent, "relation": "child_born"},
            )
            self.decide(case_id, lodged, parent_decided, outcome="granted")

    def dublin(self) -> None:
        """Claims from late 2019; transfers stopped 18 Mar – 1 Jul 2020, their clocks did not."""
        for i in range(self.figures.dublin_claims):
            case_id = f"case-dub-{i:06d}"
            lodged = self.day_between(date(2019, 8, 1), date(2020, 2, 28))
            self.register_and_lodge(case_id, lodged, track=1)
            sent, last_reply_day = self.claim(case_id, lodged)
            reply_days = (last_reply_day - sent).days
            if self.rng.random() < 0.07:
                answered = sent + timedelta(days=self.rng.randrange(3, reply_days))
                self.emit("ind", "dublin.claim.answered", case_id, answered, {"accepted": False})
                self.decide_after_side_inflow(case_id, answered)
                continue
            if self.rng.random() < 0.55:
                accepted = sent + timedelta(days=self.rng.randrange(3, reply_days))
                self.emit("ind", "dublin.claim.answered", case_id, accepted, {"accepted": True})
            else:
                accepted = last_reply_day
            self.transfer(case_id, accepted)

    def claim(self, case_id: str, lodged: date) -> tuple[date, date]:
        """The claim a week to five weeks after lodging, mostly on a Eurodac hit; returns the day
        it was sent and the last day of its reply period (D3 art. 22(1), 25(1)): silence is
        acceptance on that day."""
        hit = self.rng.random() < 0.75
        kind = "take_back" if hit and self.rng.random() < 0.7 else "take_charge"
        sent = self.workday(lodged + timedelta(days=self.rng.randrange(7, 35)))
        data: dict[str, Any] = {
            "member_state": self.rng.choice(MEMBER_STATES),
            "kind": kind,
            "eurodac_hit": hit,
        }
        if hit:
            data["eurodac_hit_on"] = (lodged - timedelta(days=self.rng.randrange(0, 4))).isoformat()
        self.emit("ind", "dublin.claim.sent", case_id, sent, data)
        if kind == "take_charge":
            return sent, sent + relativedelta(months=2)
        if hit:
            return sent, sent + timedelta(days=14)
        return sent, sent + relativedelta(months=1)

    def transfer(self, case_id: str, accepted: date) -> None:
        """A transfer planned one to five months after acceptance: it happens, fails, is caught
        by the COVID stop, or never comes before the transfer deadline."""
        transfer_deadline = accepted + relativedelta(months=6)
        planned = self.workday(accepted + timedelta(days=self.rng.randrange(30, 140)))
        if self.rng.random() < 0.04 and planned < transfer_deadline:
            self.emit("coa", "person.absconded", case_id, planned - timedelta(days=3))
            return
        in_stop = TRANSFER_STOP[0] <= planned < TRANSFER_STOP[1]
        expiry = side_inflow_day(transfer_deadline)
        if planned >= transfer_deadline:
            # Never planned in time: the deadline simply expires.
            self.decide_after_side_inflow(case_id, expiry)
            return
        self.schedule(case_id, planned, planned - timedelta(days=self.rng.randrange(7, 21)))
        if in_stop:
            self.emit("dtv", "dublin.transfer.failed", case_id, planned, {"reason": "suspended"})
            retry = self.workday(TRANSFER_STOP[1] + timedelta(days=self.rng.randrange(7, 90)))
            if retry >= transfer_deadline or self.rng.random() < 0.5:
                self.decide_after_side_inflow(case_id, expiry)
            else:
                self.schedule(case_id, retry, retry - timedelta(days=7))
                self.complete(case_id, retry)
        elif self.rng.random() < 0.12:
            reason = self.rng.choice(("refused", "medical", "other"))
            self.emit("dtv", "dublin.transfer.failed", case_id, planned, {"reason": reason})
            self.decide_after_side_inflow(case_id, expiry)
        else:
            self.complete(case_id, planned)

    def schedule(self, case_id: str, planned: date, on: date) -> None:
        self.emit(
            "dtv", "dublin.transfer.scheduled", case_id, on, {"planned_on": planned.isoformat()}
        )

    def complete(self, case_id: str, planned: date) -> None:
        data = {"planned_on": planned.isoformat()}
        self.emit("dtv", "dublin.transfer.completed", case_id, planned, data)

    def decide_after_side_inflow(self, case_id: str, entered: date) -> None:
        """The case joins the national procedure; most are decided within their new term. One
        that joins before the cut-off and is still open then is part of the Taskforce backlog."""
        decided: date | None = None
        if self.rng.random() < 0.7:
            decided = self.workday(entered + timedelta(days=self.rng.randrange(45, 175)))
            if decided <= END:
                self.decide(case_id, entered, decided)
        if entered < CUTOFF and (decided is None or decided >= CUTOFF):
            self.joined_backlog += 1

    def decisions(self, taskforce: list[tuple[str, date, date]]) -> None:
        for case_id, lodged, decided in taskforce:
            if decided <= END:
                self.decide(case_id, lodged, decided)

    def make_room(self, taskforce: list[tuple[str, date, date]]) -> None:
        """The backlog is the letter's figure with the Dublin cases that joined it: as many of
        the scenario's own backlog cases are left out — the latest lodged of those decided
        after 2020 without a notice of default, so that the year's decisions and penalties
        stay those of the whole draw. Their events are drawn all the same, and every other
        event keeps its id and its time: the seed tells the same story."""
        candidates = sorted(
            (
                (lodged, case_id)
                for case_id, lodged, decided in taskforce
                if decided > YEAR_END and case_id not in self.noticed
            ),
            reverse=True,
        )
        left_out = {case_id for _lodged, case_id in candidates[: self.joined_backlog]}
        self.events = [e for e in self.events if e["subject"] not in left_out]

    def build(self) -> list[dict[str, Any]]:
        taskforce = self.taskforce()
        self.notices(taskforce)
        self.decisions(taskforce)
        self.new_inflow(taskforce)
        self.linked_children(taskforce)
        self.dublin()
        self.make_room(taskforce)
        self.events.sort(key=lambda e: (e["time"], e["id"]))
        return self.events


def generate(seed: int = 2020, scale: float = 1.0) -> Iterator[str]:
    """The scenario as JSONL lines, in time order; the same seed gives the same lines."""
    for event in Scenario(seed, scale).build():
        yield json.dumps(event, separators=(",", ":"))


def write(path: Path, seed: int = 2020, scale: float = 1.0) -> int:
    count = 0
    with path.open("w") as out:
        for line in generate(seed, scale):
            out.write(line + "\n")
            count += 1
    return count
