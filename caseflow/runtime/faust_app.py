"""The Faust app factory: raw bytes in and out, decoded with our own models; nothing at import."""

from __future__ import annotations

from typing import Any

from caseflow.runtime.settings import Settings


def create_app(
    service: str, settings: Settings, *, web_port: int | None = None, **extra: Any
) -> Any:
    """A Faust app for one service, configured for at-least-once delivery on any Kafka broker.

    Values and keys stay raw bytes (never pickle); state lives in PostgreSQL, not in changelog
    tables. Short session timeouts keep group joins fast; a small linger batches produce requests.
    """
    import faust

    from caseflow.runtime.kafka import client_options

    options = client_options(settings)
    if options:
        # The same settings as every aiokafka client, in Faust's form.
        extra.setdefault(
            "broker_credentials",
            faust.SASLCredentials(
                username=options["sasl_plain_username"],
                password=options["sasl_plain_password"],
                mechanism=options["sasl_mechanism"],
                ssl_context=options.get("ssl_context"),
            ),
        )
    return faust.App(
        f"caseflow-{service}",
        broker=settings.faust_broker,
        key_serializer="raw",
        value_serializer="raw",
        store="memory://",
        topic_partitions=settings.partitions,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=10.0,
        broker_heartbeat_interval=1.0,
        broker_rebalance_timeout=20.0,
        producer_linger_ms=5,
        producer_acks=-1,
        stream_wait_empty=False,
        web_enabled=web_port is not None,
        web_bind=settings.http_host,
        web_host=settings.http_host,
        web_port=web_port or 6066,
        web_in_thread=False,
        **extra,
    )
