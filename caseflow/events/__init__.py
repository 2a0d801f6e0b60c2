"""The event contract: the CloudEvents envelope, every event type's data, the topic catalogue."""

from caseflow.events.catalogue import EVENT_TYPES, may_send
from caseflow.events.codec import Decoded, Reason, Rejection, decode, decode_object, encode, headers
from caseflow.events.envelope import Envelope, legal_date_of
from caseflow.events.partner import PARTNER_TYPES
from caseflow.events.service import SERVICE_TYPES
from caseflow.events.topics import TOPICS, key_for

__all__ = [
    "EVENT_TYPES",
    "PARTNER_TYPES",
    "SERVICE_TYPES",
    "TOPICS",
    "Decoded",
    "Envelope",
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
