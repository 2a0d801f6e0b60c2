"""The event catalogue as an AsyncAPI 3.0.0 document, generated from the pydantic models.

Regenerate with ``python -m caseflow.events.asyncapi``; ``--check`` fails when the file is stale.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from caseflow.domain.facts import PREFIX
from caseflow.events.catalogue import EVENT_TYPES
from caseflow.events.codec import Reason, Rejection
from caseflow.events.envelope import CASE_ID_PATTERN, Envelope, OperatorEvent
from caseflow.events.operator import OPERATOR_TYPES, OperatorType
from caseflow.events.partner import PARTNER_TYPES
from caseflow.events.service import SERVICE_TYPES, ServiceType
from caseflow.events.topics import TOPICS, Topic

#: The version of the event contract. Bump it when a type is added or gets a new version.
CONTRACT_VERSION = "1.0.0"
DEFAULT_OUT = "docs/asyncapi.yaml"
REGENERATE = "python -m caseflow.events.asyncapi"

_SCHEMAS = "#/components/schemas/"
_KAFKA_BINDING = "0.5.0"
_DEAD_LETTER = "caseflow.intake.rejection"
_TICK = "caseflow.clock.tick"
#: Who writes clock ticks where: the clock into case.events, Dublin and deadline pass them on.
_TICK_WRITERS = {
    ("case.events", "clock"),
    ("case.events", "dublin"),
    ("case.deadlines", "deadline"),
}
_EXTENSION_NAME = r"^[a-z0-9]{1,20}$"
#: Partners send partner event types; intake re-publishes the accepted ones unchanged.
_PARTNER_TYPE_WRITERS = {("partner.events", "partners"), ("case.events", "intake")}


def build() -> dict[str, Any]:
    """The whole document as plain dicts and lists, in a fixed order."""
    schemas = _Schemas()
    schemas.add(Envelope)
    schemas.add(OperatorEvent)
    messages = {name: _event_message(name, model, schemas) for name, model in EVENT_TYPES.items()}
    messages[_DEAD_LETTER] = _dead_letter_message()
    messages[_TICK] = _tick_message()
    per_topic = {topic.name: _messages_on(topic) for topic in TOPICS}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "caseflow",
            "version": CONTRACT_VERSION,
            "description": (
                "The event contract of caseflow: Dutch asylum cases tracked through Kafka.\n\n"
                "Every record is one CloudEvents 1.0 event in structured JSON mode; the record"
                " key is the case id, so all events of a case are processed in order. Partner"
                " systems publish on `partner.events`; intake validates, enriches (extension"
                " attribute `cohort`) and re-publishes on `case.events`, or dead-letters on"
                " `intake.rejected`. A breaking change is a new event type, never an edit in"
                f" place.\n\nGenerated from `caseflow/events` by `{REGENERATE}`; do not edit."
            ),
            "license": {"name": "EUPL-1.2"},
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "local": {
                "host": "127.0.0.1:19092",
                "protocol": "kafka",
                "description": "The embedded broker of `caseflow infra up` (tests, demo).",
            },
            "production": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "Apache Kafka (KRaft) in the docker-compose deployment.",
            },
        },
        "channels": {topic.name: _channel(topic, per_topic[topic.name]) for topic in TOPICS},
        "operations": dict(_operations(per_topic)),
        "components": {"schemas": schemas.collected, "messages": messages},
    }


@functools.cache
def render() -> str:
    """The document as YAML; deterministic, so the committed file can be checked for staleness."""
    return yaml.dump(
        build(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__)
    parser.add_argument(
        "--out", default=DEFAULT_OUT, help=f"where to write (default {DEFAULT_OUT})"
    )
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    out = Path(args.out)
    text = render()
    if args.check:
        current = out.read_text(encoding="utf-8") if out.exists() else None
        if current != text:
            print(f"{out} is stale: regenerate it with `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return 0


class _Schemas:
    """components.schemas: pydantic schemas with their ``$defs`` hoisted beside them."""

    def __init__(self) -> None:
        self.collected: dict[str, Any] = {}

    def add(self, model: type[BaseModel]) -> str:
        schema = model.model_json_schema(ref_template=_SCHEMAS + "{model}")
        for name, definition in schema.pop("$defs", {}).items():
            self._put(name, definition)
        if model in (Envelope, OperatorEvent):
            schema = _with_extension_rules(schema)
        if model is OperatorEvent:
            schema["not"] = {"required": ["subject"]}
        name = str(schema.get("title", model.__name__))
        self._put(name, schema)
        return _SCHEMAS + name

    def _put(self, name: str, schema: dict[str, Any]) -> None:
        if self.collected.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are both named {name!r}")


def _with_extension_rules(schema: dict[str, Any]) -> dict[str, Any]:
    """What Envelope's validator enforces on extension attributes, said in JSON Schema."""
    return {
        **schema,
        "propertyNames": {"pattern": _EXTENSION_NAME},
        "additionalProperties": {"type": ["string", "integer", "boolean"]},
    }


def _event_message(name: str, model: type[BaseModel], schemas: _Schemas) -> dict[str, Any]:
    partner = PARTNER_TYPES.get(name)
    own = SERVICE_TYPES.get(name) or OPERATOR_TYPES.get(name)
    summary = partner.summary if partner else own.summary if own else ""
    sources = sorted(partner.sources) if partner else [own.source] if own else []
    data_ref = schemas.add(model)
    needs_data = any(field.is_required() for field in model.model_fields.values())
    shape = "OperatorEvent" if name in OPERATOR_TYPES else "Envelope"
    message: dict[str, Any] = {
        "name": name,
        "title": _title(name),
        "summary": summary,
        "contentType": "application/cloudevents+json",
        "headers": _headers(name),
        "payload": {
            "allOf": [
                {"$ref": _SCHEMAS + shape},
                {
                    "type": "object",
                    "properties": {"type": {"const": name}, "data": {"$ref": data_ref}},
                    "required": ["type", "data"] if needs_data else ["type"],
                },
            ]
        },
        "bindings": {"kafka": {"key": _case_id_key(), "bindingVersion": _KAFKA_BINDING}},
        "x-caseflow-sources": sources,
    }
    if name in OPERATOR_TYPES:
        # No subject and no key: it goes into every partition, so that every worker sees it in
        # order with the events of the cases it owns.
        del message["bindings"]
        message["description"] = "No subject, no record key: published into every partition."
    return message


def _dead_letter_message() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "name": _DEAD_LETTER,
        "title": "Rejected record",
        "summary": "A record intake refused: the original bytes, and why in the headers.",
        "description": (
            "The value is the record exactly as received (cut to 512 KiB when larger, see"
            " caseflow_truncated_from), so nothing a partner sent is lost. The headers say why:"
            " a machine-readable reason — the codec's (listed) or intake's own checks"
            " (missing_key, key_mismatch, not_a_partner_type, source_not_allowed,"
            " source_mismatch, unknown_case, already_lodged, internal_error) — and a detail"
            " that names fields and rules, never values."
        ),
        "contentType": "application/octet-stream",
        "payload": {"type": "string", "format": "binary"},
        "headers": {
            "type": "object",
            "properties": {
                "caseflow_reason": {
                    **text,
                    "examples": [reason.value for reason in Reason],
                    "description": "Why the record was refused (machine-readable).",
                },
                "caseflow_detail": {**text, "description": Rejection.__doc__},
                "caseflow_origin": {**text, "enum": ["kafka", "http"]},
                "caseflow_partner": {**text, "description": "The partner, when known."},
                "caseflow_source_topic": text,
                "caseflow_source_partition": text,
                "caseflow_source_offset": text,
                "caseflow_truncated_from": {**text, "description": "Original size in bytes."},
                "ce_id": {**text, "description": "The event id, when it could be read."},
                "ce_type": {**text, "description": "The event type, when it could be read."},
            },
            "required": ["caseflow_reason", "caseflow_detail", "caseflow_origin"],
        },
        "bindings": {
            "kafka": {
                "key": {**_case_id_key(), "description": "The case id, when it could be read."},
                "bindingVersion": _KAFKA_BINDING,
            }
        },
        "x-caseflow-sources": ["intake"],
    }


def _tick_message() -> dict[str, Any]:
    return {
        "name": _TICK,
        "title": "Clock tick",
        "summary": "A control record: the pipeline clock says it is now `at`.",
        "description": (
            "Not a CloudEvent: no key, published into every partition. The clock writes stage"
            " `clock` into case.events; the Dublin service passes each tick on (stage `dublin`)"
            " after publishing what it caused; the deadline service advances on those and passes"
            " them on into case.deadlines (stage `deadline`). See docs/decisions.md."
        ),
        "contentType": "application/json",
        "payload": {
            "type": "object",
            "properties": {
                "at": {"type": "string", "format": "date-time"},
                "mode": {"type": "string", "enum": ["live", "simulated", "forwarded"]},
            },
            "required": ["at", "mode"],
        },
        "headers": {
            "type": "object",
            "properties": {
                "caseflow_control": {"type": "string", "const": "tick"},
                "caseflow_stage": {"type": "string", "enum": ["clock", "dublin", "deadline"]},
            },
            "required": ["caseflow_control", "caseflow_stage"],
        },
        "x-caseflow-sources": ["clock", "dublin", "deadline"],
    }


def _messages_on(topic: Topic) -> dict[str, list[str]]:
    """Per writer of a topic, the messages it writes there."""
    partner_types = list(PARTNER_TYPES)

    def service_types(source: str) -> list[str]:
        rows: list[ServiceType | OperatorType] = [
            *SERVICE_TYPES.values(),
            *OPERATOR_TYPES.values(),
        ]
        return [row.name for row in rows if row.topic == topic.name and row.source == source]

    by_writer: dict[str, list[str]] = {}
    for writer in topic.writers:
        if (topic.name, writer) in _PARTNER_TYPE_WRITERS:
            by_writer[writer] = partner_types
        elif topic.name == "intake.rejected":
            by_writer[writer] = [_DEAD_LETTER]
        else:
            by_writer[writer] = service_types(writer)
        if (topic.name, writer) in _TICK_WRITERS:
            by_writer[writer] = [*by_writer[writer], _TICK]
    return by_writer


def _channel(topic: Topic, by_writer: dict[str, list[str]]) -> dict[str, Any]:
    names = _unique(name for names in by_writer.values() for name in names)
    channel: dict[str, Any] = {
        "address": topic.name,
        "title": topic.name,
        "summary": topic.summary,
        "description": (
            f"Key: {topic.key}. Written by {', '.join(topic.writers)};"
            f" read by {', '.join(topic.readers)}."
        ),
        "messages": {_message_id(n): {"$ref": f"#/components/messages/{n}"} for n in names},
        "bindings": {"kafka": {"topic": topic.name, "bindingVersion": _KAFKA_BINDING}},
    }
    if not names:
        channel["description"] += " Its record format is not part of this contract yet."
    return channel


def _operations(per_topic: dict[str, dict[str, list[str]]]) -> Iterable[tuple[str, Any]]:
    for topic in TOPICS:
        by_writer = per_topic[topic.name]
        everything = _unique(name for names in by_writer.values() for name in names)
        actions = [("send", w, by_writer[w]) for w in topic.writers]
        actions += [("receive", r, everything) for r in topic.readers]
        for action, actor, names in actions:
            verb = "writes to" if action == "send" else "reads"
            operation: dict[str, Any] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{topic.name}"},
                "title": f"{actor} {verb} {topic.name}",
            }
            if names:
                operation["messages"] = [
                    {"$ref": f"#/channels/{topic.name}/messages/{_message_id(n)}"} for n in names
                ]
            yield f"{actor}.{action}.{topic.name}", operation


def _headers(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Kafka headers mirroring routing attributes (CloudEvents binary names).",
        "properties": {
            "ce_id": {"type": "string"},
            "ce_type": {"type": "string", "const": name},
            "ce_specversion": {"type": "string", "const": "1.0"},
        },
    }


def _case_id_key() -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": CASE_ID_PATTERN.pattern,
        "description": "The case id (pseudonymous), UTF-8.",
    }


def _title(name: str) -> str:
    words = name.removeprefix(PREFIX).replace(".", " ").replace("_", " ")
    return words[:1].upper() + words[1:]


def _message_id(name: str) -> str:
    return name.removeprefix(PREFIX)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors and aliases, multi-line text as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


if __name__ == "__main__":
    raise SystemExit(main())
