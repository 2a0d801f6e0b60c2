"""The event contract: the CloudEvents envelope, every event type's data, the topic catalogue."""

from caseflow.events.catalogue import EVENT_TYPES, may_send
from caseflow.events.codec import (
    Decoded,
    DecodedOperator,
    Reason,
    Rejection,
    decode,
    decode_object,
    encode,
    headers,
)
from caseflow.events.envelope import Envelope, OperatorEvent, legal_date_of
from caseflow.events.operator import OPERATOR_TYPES
from caseflow.events.partner import PARTNER_TYPES
from caseflow.events.service import SERVICE_TYPES
from caseflow.events.topics import TOPICS, key_for

__all__ = [
    "EVENT_TYPES",
    "OPERATOR_TYPES",
    "PARTNER_TYPES",
    "SERVICE_TYPES",
    "TOPICS",
    "Decoded",
    "DecodedOperator",
    "Envelope",
    "OperatorEvent",
    "Reason",
    "Rejection",
    "decode",
    "decode_object",
    "encode",
    "headers",
    "key_for",
    "legal_date_of",
    "may_send",
]
