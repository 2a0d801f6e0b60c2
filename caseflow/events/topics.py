"""The topic catalogue (DESIGN.md §4): names, key rule, writers and readers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    key: str
    writers: tuple[str, ...]
    readers: tuple[str, ...]
    summary: str


PARTNER_EVENTS = Topic(
    "partner.events", "case id", ("partners",), ("intake",), "Partner events as sent, unvalidated."
)
CASE_EVENTS = Topic(
    "case.events",
    "case id (clock ticks: none)",
    ("intake", "dublin", "clock", "operator"),
    ("deadline", "dublin", "metrics"),
    "Accepted partner events with enrichment, the side-inflow, operator events and clock ticks "
    "(control records with header caseflow_control=tick in every partition).",
)
CASE_DEADLINES = Topic(
    "case.deadlines",
    "case id",
    ("deadline",),
    ("metrics", "partners"),
    "Term starts and changes, warnings, breaches, penalties, timeliness.",
)
DUBLIN_EVENTS = Topic(
    "dublin.events", "case id", ("dublin",), ("metrics",), "Dublin claim and transfer lifecycle."
)
INTAKE_REJECTED = Topic(
    "intake.rejected",
    "case id if known",
    ("intake",),
    ("metrics", "operators"),
    "Dead letters: what intake refused, and why.",
)
TOPICS: tuple[Topic, ...] = (
    PARTNER_EVENTS,
    CASE_EVENTS,
    CASE_DEADLINES,
    DUBLIN_EVENTS,
    INTAKE_REJECTED,
)


def key_for(case_id: str | None) -> bytes | None:
    """Record key: the case id, so every event of a case lands on one partition, in order."""
    return case_id.encode() if case_id else None
