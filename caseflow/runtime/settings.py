"""Settings from the environment (prefix ``CASEFLOW_``); built at startup, never at import."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASEFLOW_", extra="ignore", frozen=True)

    #: Where `caseflow infra` keeps pids, ports, logs and the embedded PostgreSQL's data.
    home: Path = Path(".caseflow")
    broker_host: str = "127.0.0.1"
    broker_port: int = 19092
    #: Overrides host/port, e.g. ``kafka://kafka:9092`` in the deployment.
    broker_url: str | None = None
    #: How clients authenticate to Kafka: PLAINTEXT (the embedded broker) or SASL_PLAINTEXT /
    #: SASL_SSL with SCRAM in the deployment (deploy/README.md, "Kafka security"). Every client
    #: gets these through ``caseflow.runtime.kafka.client_options``.
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    partitions: int = Field(default=6, ge=1, le=256)
    #: How long a dead worker keeps its partitions before its group hands them to another.
    consumer_session_timeout_ms: int = Field(default=10000, ge=1000, le=300000)
    #: When unset: the PostgreSQL on 127.0.0.1:5432 if it answers, else an embedded pgserver.
    database_url: str | None = None
    database_name: str = "caseflow"
    local_postgres: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    clock: Literal["live", "simulated"] = "live"
    #: How often the live clock publishes a tick into every partition of case.events.
    tick_seconds: float = Field(default=2.0, gt=0)
    cohort_cutoff: date = date(2020, 4, 1)
    #: The day by which the Taskforce stock is to be cleared (the 2020 letter's goal: mid-2021);
    #: the metrics service draws the burn-down line to it.
    taskforce_goal: date = date(2021, 7, 1)
    #: Days before a deadline on which deadline.warning fires.
    warning_thresholds: tuple[int, ...] = (56, 28, 14, 7, 1)
    #: Group-extension instruments held unlawful: their extensions are ignored everywhere.
    invalid_instruments: frozenset[str] = frozenset()
    max_event_bytes: int = 64 * 1024
    intake_port: int = 8081
    #: Largest POST /v1/events body; a batch holds at most ``intake_max_batch_events`` events.
    intake_max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    intake_max_batch_events: int = Field(default=1000, ge=1)
    #: POST /v1/events requests per second per partner (a token bucket holding one second's
    #: worth); over it, 429 with Retry-After and reason ``rate_limited``.
    intake_rate_per_second: float = Field(default=1000.0, gt=0)
    #: The consumer group and source topic of `caseflow run intake` (workers of one group
    #: share the partitions).
    intake_group: str = "caseflow-intake"
    intake_topic: str = "partner.events"
    deadline_port: int = 8082
    dublin_port: int = 8083
    metrics_port: int = 9464
    http_host: str = "127.0.0.1"
    partners_file: Path | None = None
    #: Bearer token of the operator APIs (deadline, Dublin); unset: loopback clients only.
    operator_token: SecretStr | None = None
    log_level: str = "info"
    log_format: Literal["json", "text"] = "json"

    @property
    def bootstrap_servers(self) -> str:
        if self.broker_url:
            return self.broker_url.removeprefix("kafka://")
        return f"{self.broker_host}:{self.broker_port}"

    @property
    def faust_broker(self) -> str:
        return "kafka://" + self.bootstrap_servers


def load_settings(**overrides: object) -> Settings:
    """Read the environment now; keyword overrides win (used by tests and the CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]
