"""Every caseflow process, listed once: the module that runs it, its HTTP port setting, its
consumer group and input topics (names of the catalogue, caseflow.events.topics), its schema's
migrations and its eraser.

The supervisor (`caseflow up`, `caseflow run`), the migrations of `caseflow infra up`, erasure,
the demo's health checks, the simulated clock's "has the pipeline settled?" and the CLI's
choices all read this table; adding a service is one entry here. It imports nothing heavy, so
that every command line starts quickly: the service host and the services are imported when a
worker is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import services
from caseflow.runtime.settings import Settings

if TYPE_CHECKING:
    from caseflow.runtime.host import Host, Place, ServiceSpec

SERVICE_PACKAGES = Path(services.__file__).resolve().parent


def _default(field: str) -> Any:
    """A setting's default value, so that a default is written down once (in the settings)."""
    return Settings.model_fields[field].default


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    #: The module `caseflow run <name>` runs: its ``SPEC`` on the service host, or, for a
    #: process that consumes nothing (the clock), its ``main(settings)``.
    module: str
    #: The settings field of its HTTP port; None for a process without one (the clock).
    port: str | None = None
    #: Shown by `caseflow up` after the address.
    path: str = ""
    #: The consumer group and its input topics (the deployment's defaults); None and () for a
    #: process that consumes nothing.
    group: str | None = None
    inputs: tuple[str, ...] = ()
    #: Settings fields that override ``group`` and the one input topic (intake's are settings,
    #: so that a test or a second deployment can give it a topic of its own).
    configurable: tuple[str, str] | None = None
    #: The numbered migrations of its schema (schema name = service name).
    migrations: Path | None = None
    #: ``module:function`` removing one case from its schema (``caseflow case erase``).
    eraser: str | None = None
    #: Started by `caseflow up` only with this clock mode (None: always).
    clock: str | None = None

    def http_port(self, settings: Settings) -> int | None:
        return getattr(settings, self.port) if self.port is not None else None

    def url(self, settings: Settings) -> str:
        port = self.http_port(settings)
        if port is None:
            return f"ticks every {settings.tick_seconds:g} s"
        return f"http://{settings.http_host}:{port}{self.path}"

    def consumer(self, settings: Settings) -> tuple[str, tuple[str, ...]] | None:
        """(group, input topics) as configured, or None for a process that consumes nothing."""
        if self.group is None:
            return None
        if self.configurable is not None:
            group, topic = self.configurable
            return getattr(settings, group), (getattr(settings, topic),)
        return self.group, self.inputs


def _migrations(name: str) -> Path:
    return SERVICE_PACKAGES / name / "migrations"


#: Every process `caseflow up` starts, in start order.
SERVICES: dict[str, Service] = {
    service.name: service
    for service in (
        Service(
            "intake",
            "services.intake.app",
            port="intake_port",
            path="/v1/events",
            group=_default("intake_group"),
            inputs=(_default("intake_topic"),),
            configurable=("intake_group", "intake_topic"),
            migrations=_migrations("intake"),
            eraser="services.intake.store:erase",
        ),
        Service(
            "dublin",
            "services.dublin.app",
            port="dublin_port",
            group="caseflow-dublin",
            inputs=("case.events",),
            migrations=_migrations("dublin"),
            eraser="services.dublin.store:erase",
        ),
        Service(
            "deadline",
            "services.deadline.app",
            port="deadline_port",
            group="caseflow-deadline",
            inputs=("case.events",),
            migrations=_migrations("deadline"),
            eraser="services.deadline.store:erase",
        ),
        Service(
            "metrics",
            "services.metrics.app",
            port="metrics_port",
            path="/metrics",
            group="caseflow-metrics",
            inputs=("case.events", "case.deadlines", "dublin.events", "intake.rejected"),
            migrations=_migrations("metrics"),
            eraser="services.metrics.store:erase",
        ),
        Service("clock", "caseflow.ops.clock", clock="live"),
    )
}


def load(reference: str) -> Callable[..., Any]:
    """The function a ``module:function`` reference names, imported on first use."""
    module, _, name = reference.partition(":")
    found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return found


def pipeline_groups(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Consumer group -> input topics of every process that consumes, as configured."""
    return dict(c for s in SERVICES.values() if (c := s.consumer(settings)) is not None)


def schemas() -> dict[str, Path]:
    """Schema -> migrations folder of every service that owns a schema, in start order."""
    return {s.name: s.migrations for s in SERVICES.values() if s.migrations is not None}


def http_services() -> dict[str, Service]:
    """The services that answer HTTP (each serves ``/healthz``)."""
    return {name: s for name, s in SERVICES.items() if s.port is not None}


def place(name: str, settings: Settings, *, schema: str | None = None) -> Place:
    """Where service ``name`` runs and what it consumes, as configured (``schema``: another
    schema than its own, for a test that wants its counts to start at zero)."""
    from caseflow.runtime.host import Place

    service = SERVICES[name]
    consumer, port = service.consumer(settings), service.http_port(settings)
    if consumer is None or port is None:
        raise ValueError(f"{name} does not run on the service host")
    group, topics = consumer
    return Place(name, group, topics, port, schema or name, service.migrations)


def spec_of(name: str) -> ServiceSpec:
    spec: ServiceSpec = importlib.import_module(SERVICES[name].module).SPEC
    return spec


def host(
    name: str,
    settings: Settings,
    *,
    bootstrap: str,
    dsn: str,
    session_timeout_ms: int = 10000,
    spec: ServiceSpec | None = None,
    schema: str | None = None,
) -> Host:
    """One worker of service ``name`` on the service host (not started yet)."""
    from caseflow.runtime.host import Host

    return Host(
        spec or spec_of(name),
        settings,
        place(name, settings, schema=schema),
        bootstrap=bootstrap,
        dsn=dsn,
        session_timeout_ms=session_timeout_ms,
    )
