"""The published AsyncAPI document: current, complete, well-formed, and true to the codec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from caseflow.events import EVENT_TYPES, TOPICS
from caseflow.events.asyncapi import REGENERATE, build, main, render
from tests.unit.events.examples import EXAMPLES, envelope

jsonschema = pytest.importorskip("jsonschema")

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.yaml"

_REF = {
    "type": "object",
    "required": ["$ref"],
    "properties": {"$ref": {"type": "string", "pattern": "^#/"}},
    "additionalProperties": False,
}
_KEY = "^[a-zA-Z0-9._-]+$"
#: The parts of the AsyncAPI 3.0.0 schema this document uses (the official one is 380 kB).
STRUCTURE: dict[str, Any] = {
    "type": "object",
    "required": ["asyncapi", "info", "servers", "channels", "operations", "components"],
    "properties": {
        "asyncapi": {"const": "3.0.0"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {"title": {"type": "string"}, "version": {"type": "string"}},
        },
        "servers": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["host", "protocol"],
                "properties": {"host": {"type": "string"}, "protocol": {"const": "kafka"}},
            },
        },
        "channels": {
            "type": "object",
            "propertyNames": {"pattern": _KEY},
            "additionalProperties": {
                "type": "object",
                "required": ["address", "messages"],
                "properties": {
                    "address": {"type": "string"},
                    "messages": {
                        "type": "object",
                        "propertyNames": {"pattern": _KEY},
                        "additionalProperties": _REF,
                    },
                },
            },
        },
        "operations": {
            "type": "object",
            "propertyNames": {"pattern": _KEY},
            "additionalProperties": {
                "type": "object",
                "required": ["action", "channel"],
                "properties": {
                    "action": {"enum": ["send", "receive"]},
                    "channel": _REF,
                    "messages": {"type": "array", "items": _REF},
                },
            },
        },
        "components": {
            "type": "object",
            "required": ["schemas", "messages"],
            "properties": {
                "schemas": {"type": "object", "additionalProperties": {"type": "object"}},
                "messages": {
                    "type": "object",
                    "propertyNames": {"pattern": _KEY},
                    "additionalProperties": {
                        "type": "object",
                        "required": ["name", "title", "summary", "contentType", "payload"],
                        "properties": {
                            "payload": {"type": "object"},
                            "bindings": {
                                "type": "object",
                                "properties": {
                                    "kafka": {
                                        "type": "object",
                                        "required": ["key"],
                                        "properties": {"key": {"type": "object"}},
                                    }
                                },
                            },
                            "x-caseflow-sources": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build()


def test_committed_document_is_current() -> None:
    current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
    assert current == render(), f"docs/asyncapi.yaml is stale: regenerate it with `{REGENERATE}`"


def test_check_flag_fails_on_a_stale_file_and_says_how_to_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "asyncapi.yaml"
    assert main(["--out", str(out)]) == 0
    assert main(["--check", "--out", str(out)]) == 0
    out.write_text(out.read_text() + "# edited by hand\n")
    assert main(["--check", "--out", str(out)]) == 1
    assert REGENERATE in capsys.readouterr().err


def test_render_is_deterministic_plain_yaml(doc: dict[str, Any]) -> None:
    assert build() == doc
    text = render()
    assert "&id" not in text and "*id" not in text  # no YAML anchors or aliases
    assert yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == doc


def test_every_event_type_has_a_message_and_every_topic_a_channel(doc: dict[str, Any]) -> None:
    messages = doc["components"]["messages"]
    assert set(EVENT_TYPES) <= set(messages)
    for name in EVENT_TYPES:
        assert messages[name]["payload"]["allOf"][1]["properties"]["type"] == {"const": name}
    assert [channel["address"] for channel in doc["channels"].values()] == [t.name for t in TOPICS]
    partner_sent = {ref["$ref"] for ref in doc["channels"]["partner.events"]["messages"].values()}
    assert "#/components/messages/nl.asylum.application.lodged" in partner_sent


def test_partner_messages_say_who_may_send_them(doc: dict[str, Any]) -> None:
    messages = doc["components"]["messages"]
    assert messages["nl.asylum.registration.recorded"]["x-caseflow-sources"] == ["kmar", "police"]
    assert messages["nl.asylum.court.order.issued"]["x-caseflow-sources"] == ["court"]


def test_every_writer_and_reader_has_an_operation(doc: dict[str, Any]) -> None:
    operations = doc["operations"].values()
    for topic in TOPICS:
        ref = {"$ref": f"#/channels/{topic.name}"}
        senders = {
            op["title"].split()[0]
            for op in operations
            if op["channel"] == ref and op["action"] == "send"
        }
        receivers = {
            op["title"].split()[0]
            for op in operations
            if op["channel"] == ref and op["action"] == "receive"
        }
        assert senders == set(topic.writers)
        assert receivers == set(topic.readers)
    dublin_on_case_events = doc["operations"]["dublin.send.case.events"]["messages"]
    assert dublin_on_case_events == [
        {"$ref": "#/channels/case.events/messages/national_procedure.entered"},
        {"$ref": "#/channels/case.events/messages/caseflow.clock.tick"},
    ]


def test_structure_and_every_reference_resolves(doc: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(STRUCTURE).validate(doc)
    for ref in _refs(doc):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
            node = node[part]


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_message_payload_accepts_the_example_and_rejects_a_wrong_type(
    doc: dict[str, Any], event_type: str
) -> None:
    validator = _payload_validator(doc, event_type)
    event = envelope(event_type, cohort="taskforce")
    validator.validate(event)
    assert not validator.is_valid({**event, "type": "nl.asylum.something.else"})
    assert not validator.is_valid({**event, "Cohort": "taskforce"})
    if EXAMPLES[event_type]:
        wrong = {key: [value] for key, value in EXAMPLES[event_type].items()}
        assert not validator.is_valid({**event, "data": wrong})


def _payload_validator(doc: dict[str, Any], event_type: str) -> Any:
    root = {"components": doc["components"], "$ref": f"#/components/messages/{event_type}/payload"}
    return jsonschema.Draft202012Validator(root)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []
