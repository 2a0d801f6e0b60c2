"""Checks of what caseflow emits outside its database (DESIGN §6: no personal data in metrics,
logs or dead letters beyond the pseudonymous case id; no case id as a Prometheus label).

Each check parses what it reads (the Prometheus exposition, the JSON log lines, the dead-letter
headers, the JSON error bodies) and returns the findings as readable strings: an empty list is a
pass. tests/integration/test_privacy.py proves that every check finds what it is meant to find.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

#: Label names that would carry a case or a person (a case id as a label is forbidden outright).
PERSONAL_LABELS = frozenset({"case", "case_id", "subject", "id", "event_id", "nationality", "name"})
#: Markers of a partner payload dumped whole.
PAYLOAD_MARKERS = ('"specversion"', '"datacontenttype"', "'specversion'")
#: Characters a case id may be made of (caseflow.events.envelope.CASE_ID_PATTERN).
_ID_CHARS = "A-Za-z0-9._:-"


@dataclass(frozen=True, slots=True)
class Personal:
    """What must not leak: the case ids known to the test, the nationalities in its events, and
    the fake person's name (which must appear nowhere at all)."""

    case_ids: frozenset[str]
    nationalities: frozenset[str]
    name: str

    def names(self) -> list[str]:
        """The name, and each of its parts of four letters or more."""
        return [self.name, *(p for p in re.split(r"[\s-]+", self.name) if len(p) >= 4)]

    def has_name(self, text: str) -> bool:
        low = text.lower()
        return any(n.lower() in low for n in self.names())

    def ids_in(self, text: str) -> set[str]:
        return {c for c in self.case_ids if _token(c).search(text)}

    def nationalities_in(self, text: str) -> set[str]:
        return {n for n in self.nationalities if re.search(rf"\b{re.escape(n)}\b", text)}


def _token(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![{_ID_CHARS}]){re.escape(value)}(?![{_ID_CHARS}])")


def scan_metrics(service: str, exposition: str, personal: Personal) -> list[str]:
    """Parse a /metrics answer; no label may name or hold a case, a nationality or the name."""
    findings = []
    samples = 0
    if personal.has_name(exposition):
        findings.append(f"{service}: the fake name is in /metrics")
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            samples += 1
            for label, value in sample.labels.items():
                where = f"{service}: {sample.name}{{{label}={value!r}}}"
                if label in PERSONAL_LABELS:
                    findings.append(f"{where}: personal label name")
                if value in personal.case_ids or personal.ids_in(value):
                    findings.append(f"{where}: a case id as a label value")
                if value in personal.nationalities:
                    findings.append(f"{where}: a nationality as a label value")
    if samples == 0:
        findings.append(f"{service}: /metrics has no samples (nothing was scanned)")
    return findings


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def scan_logs(lines: Sequence[str], personal: Personal) -> list[str]:
    """Parse JSON log lines. None holds the name or a payload; none that mentions a case id also
    names a nationality (the pseudonymous id must not be linked to a person's attributes)."""
    findings = []
    for i, line in enumerate(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            findings.append(f"log line {i}: not JSON: {line[:120]!r}")
            continue
        text = "\n".join(_strings(entry))
        where = f"log line {i} ({entry.get('logger')}: {str(entry.get('msg'))[:80]!r})"
        if personal.has_name(text):
            findings.append(f"{where}: the fake name")
        if any(m in text for m in PAYLOAD_MARKERS):
            findings.append(f"{where}: a payload dump")
        ids, nationalities = personal.ids_in(text), personal.nationalities_in(text)
        if ids and nationalities:
            findings.append(f"{where}: nationality {sorted(nationalities)} next to {sorted(ids)}")
    return findings


#: A dead letter's reason is an enumerated value.
_REASON = re.compile(r"^[a-z][a-z0-9_.]*$")


def scan_dead_letter(
    key: bytes | None, headers: Sequence[tuple[str, bytes]], personal: Personal
) -> list[str]:
    """A dead letter's value is the partner's original bytes by design; its key and headers are
    caseflow's own and may carry only the case id and enumerated values."""
    findings = []
    values = {name: value.decode("utf-8", "replace") for name, value in headers}
    where = f"dead letter {values.get('ce_id', '?')}"
    if key is not None and personal.has_name(key.decode("utf-8", "replace")):
        findings.append(f"{where}: the fake name in the key")
    for name, value in values.items():
        if personal.has_name(value):
            findings.append(f"{where}: the fake name in header {name}")
        if any(m in value for m in PAYLOAD_MARKERS) or "{" in value:
            findings.append(f"{where}: a payload in header {name}")
        if personal.nationalities_in(value):
            findings.append(f"{where}: a nationality in header {name}: {value!r}")
    if "caseflow_reason" not in values or not _REASON.match(values["caseflow_reason"]):
        findings.append(f"{where}: no enumerated caseflow_reason: {values.get('caseflow_reason')}")
    return findings


def scan_error_body(
    what: str, status: int, body: bytes, personal: Personal, sent: Collection[str] = ()
) -> list[str]:
    """An HTTP error answer is JSON with a machine-readable reason and repeats nothing sent."""
    findings = []
    text = body.decode("utf-8", "replace")
    if status < 400:
        findings.append(f"{what}: expected an error, got {status}")
    try:
        json.loads(text)
    except json.JSONDecodeError:
        findings.append(f"{what}: error body is not JSON: {text[:120]!r}")
    if personal.has_name(text):
        findings.append(f"{what}: the fake name in the error body")
    if personal.nationalities_in(text):
        findings.append(f"{what}: a nationality in the error body")
    findings += [f"{what}: echoes {s!r}" for s in sent if s and s in text]
    return findings
