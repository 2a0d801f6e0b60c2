"""Kafka security in docker-compose.yml (deploy/README.md, "Kafka security"): SASL/SCRAM-SHA-512
on the clients' listener, an ACL matrix with nothing more than each principal needs, and every
client configured through the one helper ``client_options``. No Docker engine here: the files
are parsed and checked against each other and against the code's own topics and groups."""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaConsumer

from caseflow.events.topics import TOPICS
from caseflow.ops.registry import SERVICES
from caseflow.runtime.faust_app import create_app
from caseflow.runtime.kafka import BatchConsumer, Publisher, client_options
from caseflow.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV = ROOT / "deploy" / "env"
KAFKA = ROOT / "deploy" / "kafka"

#: The access matrix: principal -> {(operation, resource type, name)}. Partners are added below.
MATRIX: dict[str, set[tuple[str, str, str]]] = {
    "init": {("Create", "topic", t.name) for t in TOPICS},
    "intake": {
        ("Read", "topic", "partner.events"),
        ("Write", "topic", "case.events"),
        ("Write", "topic", "intake.rejected"),
        ("Read", "group", "caseflow-intake"),
    },
    "dublin": {
        ("Read", "topic", "case.events"),
        ("Write", "topic", "case.events"),
        ("Write", "topic", "dublin.events"),
        ("Read", "group", "caseflow-dublin"),
    },
    "deadline": {
        ("Read", "topic", "case.events"),
        ("Write", "topic", "case.deadlines"),
        ("Read", "group", "caseflow-deadline"),
    },
    "metrics": {
        ("Read", "topic", "case.events"),
        ("Read", "topic", "case.deadlines"),
        ("Read", "topic", "dublin.events"),
        ("Read", "topic", "intake.rejected"),
        ("Read", "group", "caseflow-metrics"),
    },
    "clock": {
        ("Write", "topic", "case.events"),
        # Faust's own: the worker's group and a lookup of its (never created) leader topic.
        ("Read", "group", "caseflow-clock"),
        ("Describe", "topic", "caseflow-clock-__assignor-__leader"),
    },
}
PARTNER_GRANTS = {("Write", "topic", "partner.events")}
#: Every principal caseflow itself runs as (compose service name == Kafka user name).
CLIENTS = ("init", *SERVICES)


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def example(name: str) -> dict[str, str]:
    return env_file(ENV / f"{name}.example")


def properties() -> dict[str, str]:
    return env_file(KAFKA / "server.properties")


def script_calls(name: str, function: str) -> list[list[str]]:
    """The arguments of every top-level call of a shell function in a deploy/kafka script."""
    calls = []
    for line in (KAFKA / name).read_text().splitlines():
        if line.lstrip().startswith(function + " "):
            calls.append(shlex.split(line, comments=True)[1:])
    return calls


def granted() -> dict[str, set[tuple[str, str, str]]]:
    """The ACLs setup-security.sh adds, with its partner loop expanded from kafka.env.example."""
    acls: dict[str, set[tuple[str, str, str]]] = {}
    for principal, operation, resource, name in script_calls("setup-security.sh", "acl"):
        if principal == "partner-$name":
            for partner in example("kafka.env")["KAFKA_PARTNERS"].split():
                acls.setdefault(f"partner-{partner}", set()).add((operation, resource, name))
        else:
            acls.setdefault(principal, set()).add((operation, resource, name))
    return acls


def test_the_acl_script_grants_exactly_the_matrix() -> None:
    partners = example("kafka.env")["KAFKA_PARTNERS"].split()
    assert partners, "kafka.env.example lists no partners"
    expected = {**MATRIX, **{f"partner-{p}": PARTNER_GRANTS for p in partners}}
    assert granted() == expected
    text = (KAFKA / "setup-security.sh").read_text()
    # One place adds ACLs, always allow, always literal: no deny rules, wildcards or prefixes.
    assert text.count("kafka-acls.sh") == 1
    assert "--deny-principal" not in text and "prefixed" not in text
    assert not [c for c in script_calls("setup-security.sh", "acl") if "*" in c[0] + c[3]]


STUB = """#!/bin/bash
printf '%s\\0' "$(basename "$0")" "$@" >>"$STUB_LOG"
printf '\\n' >>"$STUB_LOG"
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_acl_script_run_against_stub_tools_adds_the_matrix(tmp_path: Path) -> None:
    """setup-security.sh run for real (kafka-configs.sh and kafka-acls.sh replaced by stubs
    that log their arguments) with the example env file: the users and ACLs it would add."""
    for tool in ("kafka-configs.sh", "kafka-acls.sh"):
        (tmp_path / tool).write_text(STUB)
        (tmp_path / tool).chmod(0o755)
    log = tmp_path / "calls"
    env = {
        "PATH": os.environ["PATH"],
        **example("kafka.env"),
        "KAFKA_BIN": str(tmp_path),
        "KAFKA_ADMIN_PROPERTIES": str(tmp_path / "admin.properties"),
        "STUB_LOG": str(log),
    }
    done = subprocess.run(
        ["bash", str(KAFKA / "setup-security.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    admin = env_file(tmp_path / "admin.properties")
    assert admin["sasl.mechanism"] == "SCRAM-SHA-512"
    assert f'password="{env["KAFKA_ADMIN_PASSWORD"]}"' in admin["sasl.jaas.config"]
    users: dict[str, str] = {}
    acls: dict[str, set[tuple[str, str, str]]] = {}
    for line in log.read_text().splitlines():
        tool, *args = line.split("\0")[:-1]
        opts = dict(zip(args[::2], args[1::2], strict=False))
        assert opts["--bootstrap-server"] == "kafka:9092"
        if tool == "kafka-configs.sh":
            password = re.fullmatch(r"SCRAM-SHA-512=\[iterations=8192,password=(.+)\]", args[-1])
            assert password is not None, args
            users[args[args.index("--entity-name") + 1]] = password.group(1)
        else:
            assert "--add" in args and "--deny-principal" not in args
            i = args.index("--operation")
            principal = args[args.index("--allow-principal") + 1].removeprefix("User:")
            resource = (args[i + 2].removeprefix("--"), args[i + 3])
            acls.setdefault(principal, set()).add((args[i + 1], *resource))
    partners = example("kafka.env")["KAFKA_PARTNERS"].split()
    assert acls == {**MATRIX, **{f"partner-{p}": PARTNER_GRANTS for p in partners}}
    assert set(users) == set(acls)
    kafka_env = example("kafka.env")
    for principal, password in users.items():
        assert kafka_env[f"KAFKA_PASSWORD_{principal.replace('-', '_').upper()}"] == password


def test_the_acl_script_refuses_a_partner_without_a_password(tmp_path: Path) -> None:
    for tool in ("kafka-configs.sh", "kafka-acls.sh"):
        (tmp_path / tool).write_text("#!/bin/bash\n")
        (tmp_path / tool).chmod(0o755)
    env = {
        "PATH": os.environ["PATH"],
        **example("kafka.env"),
        "KAFKA_PARTNERS": "ind nobody",
        "KAFKA_BIN": str(tmp_path),
        "KAFKA_ADMIN_PROPERTIES": str(tmp_path / "admin.properties"),
    }
    done = subprocess.run(
        ["bash", str(KAFKA / "setup-security.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "KAFKA_PASSWORD_PARTNER_NOBODY" in done.stderr


def test_the_matrix_matches_what_the_code_consumes() -> None:
    """Read grants are the services' input topics and consumer groups as the code defines them."""
    for name, service in SERVICES.items():
        reads = {n for op, kind, n in MATRIX[name] if op == "Read" and kind == "topic"}
        assert reads == set(service.inputs), name
        groups = {n for op, kind, n in MATRIX[name] if kind == "group"}
        assert groups == ({service.group} if service.group else {"caseflow-clock"}), name
    assert Settings().intake_group == "caseflow-intake"
    catalogue = {t.name for t in TOPICS}
    for grants in MATRIX.values():
        for op, kind, name in grants:
            if kind == "topic" and op != "Describe":
                assert name in catalogue, name


def test_every_principal_has_a_user_and_a_password() -> None:
    users = {call[0]: call[1] for call in script_calls("setup-security.sh", "user")}
    kafka_env = example("kafka.env")
    for principal in MATRIX:
        var = f"KAFKA_PASSWORD_{principal.upper()}"
        assert users[principal] == f"${{{var}:?}}", principal
        assert kafka_env[var].startswith("CHANGE_ME"), var
    assert set(users) == set(MATRIX) | {"partner-$name"}
    for partner in kafka_env["KAFKA_PARTNERS"].split():
        assert kafka_env[f"KAFKA_PASSWORD_PARTNER_{partner.upper()}"].startswith("CHANGE_ME")
    assert kafka_env["KAFKA_ADMIN_PASSWORD"].startswith("CHANGE_ME")


def test_every_caseflow_service_authenticates_as_its_own_principal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = compose()["services"]
    kafka_env = example("kafka.env")
    for name in CLIENTS:
        service = services[name]
        files = service["env_file"]
        assert f"deploy/env/kafka-{name}.env" in files, name
        assert "deploy/env/caseflow.env" in files, name
        own = example(f"kafka-{name}.env")
        assert set(own) == {"CASEFLOW_KAFKA_SASL_USERNAME", "CASEFLOW_KAFKA_SASL_PASSWORD"}
        assert own["CASEFLOW_KAFKA_SASL_USERNAME"] == name
        # The demo passwords agree with the broker side, so copying the examples works.
        assert own["CASEFLOW_KAFKA_SASL_PASSWORD"] == kafka_env[f"KAFKA_PASSWORD_{name.upper()}"]
        # No other service's env file: a service can only be the principal it is.
        assert [f for f in files if "kafka" in f] == [f"deploy/env/kafka-{name}.env"], name
        # What the container's environment makes of it: SCRAM options for its own user.
        with monkeypatch.context() as env:
            for key, value in {**service["environment"], **own}.items():
                env.setenv(key, str(value))
            options = client_options(Settings())
        assert options["security_protocol"] == "SASL_PLAINTEXT", name
        assert options["sasl_mechanism"] == "SCRAM-SHA-512", name
        assert options["sasl_plain_username"] == name
    # Nothing else in the compose file carries caseflow Kafka credentials.
    for name, service in services.items():
        if name not in CLIENTS:
            assert not [f for f in service.get("env_file", []) if "kafka-" in f], name


def test_broker_and_clients_agree_on_listener_and_mechanism() -> None:
    doc = compose()
    props = properties()
    client_env = doc["services"]["intake"]["environment"]
    host_port = client_env["CASEFLOW_BROKER_URL"].removeprefix("kafka://")
    advertised = dict(
        reversed(entry.split("://", 1)) for entry in props["advertised.listeners"].split(",")
    )
    listener = advertised[host_port]
    protocol_map = props["listener.security.protocol.map"].split(",")
    protocols = dict(entry.split(":") for entry in protocol_map)
    assert protocols[listener] == client_env["CASEFLOW_KAFKA_SECURITY_PROTOCOL"]
    mechanism = client_env["CASEFLOW_KAFKA_SASL_MECHANISM"]
    assert mechanism == "SCRAM-SHA-512"
    assert props["sasl.enabled.mechanisms"] == mechanism
    assert props["sasl.mechanism.inter.broker.protocol"] == mechanism
    assert props["inter.broker.listener.name"] == listener
    # Every listener but the controller's authenticates; the controller's is loopback-only
    # (its PLAINTEXT principal ANONYMOUS is a super user for the broker's own requests).
    for entry in props["listeners"].split(","):
        name, address = entry.split("://")
        if name == props["controller.listener.names"]:
            assert address.startswith("127.0.0.1:"), entry
        else:
            assert protocols[name].startswith("SASL_"), entry
    assert props["controller.quorum.voters"].split("@")[1].startswith("127.0.0.1:")
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"].split(";") == ["User:admin", "User:ANONYMOUS"]
    assert props["auto.create.topics.enable"] == "false"
    # The scripts log in the same way, as admin, and configure the same mechanism.
    for script in ("start-broker.sh", "setup-security.sh"):
        text = (KAFKA / script).read_text()
        assert f"sasl.mechanism={mechanism}" in text or f"{mechanism}=[name=admin" in text
        assert re.findall(r"SCRAM-SHA-\d+", text) == [mechanism] * len(
            re.findall(r"SCRAM-SHA-\d+", text)
        )
    assert (
        f"listener.name.{listener.lower()}.{mechanism.lower()}.sasl.jaas.config"
        in (KAFKA / "start-broker.sh").read_text()
    )


def test_compose_wires_broker_security_and_start_order() -> None:
    services = compose()["services"]
    kafka = services["kafka"]
    assert "./deploy/kafka:/etc/caseflow/kafka:ro" in kafka["volumes"]
    assert kafka["entrypoint"][-1] == "/etc/caseflow/kafka/start-broker.sh"
    assert kafka["env_file"] == ["deploy/env/kafka.env"]
    assert "--command-config" in kafka["healthcheck"]["test"][-1]
    assert "KAFKA_LISTENERS" not in kafka.get("environment", {})
    security = services["kafka-security"]
    assert security["entrypoint"][-1] == "/etc/caseflow/kafka/setup-security.sh"
    assert security["env_file"] == ["deploy/env/kafka.env"]
    assert security["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert security["restart"] == "no"
    assert services["init"]["depends_on"]["kafka-security"] == {
        "condition": "service_completed_successfully"
    }
    for name in SERVICES:
        assert services[name]["depends_on"]["init"]["condition"] == (
            "service_completed_successfully"
        )
    # The admin password reaches the broker and kafka-security only.
    for name, service in services.items():
        if "deploy/env/kafka.env" in service.get("env_file", []):
            assert name in ("kafka", "kafka-security"), name
    for script in KAFKA.glob("*.sh"):
        assert script.read_text().startswith("#!/bin/bash\n"), script.name
        assert "set -euo pipefail" in script.read_text(), script.name


def scram(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "kafka_security_protocol": "SASL_PLAINTEXT",
        "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": "intake",
        "kafka_sasl_password": "s3cret",
        **overrides,
    }
    return Settings(**values)


def test_client_options_are_empty_by_default_and_scram_kwargs_when_configured() -> None:
    assert client_options(Settings()) == {}
    assert client_options(scram()) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "intake",
        "sasl_plain_password": "s3cret",
    }
    tls = client_options(scram(kafka_security_protocol="SASL_SSL"))
    assert tls["security_protocol"] == "SASL_SSL" and tls["ssl_context"] is not None
    with pytest.raises(ValueError, match="CASEFLOW_KAFKA_SASL_PASSWORD"):
        client_options(scram(kafka_sasl_password=None))
    # The password stays a secret in the settings' repr.
    assert "s3cret" not in repr(scram())


async def test_clients_take_the_options() -> None:
    options = client_options(scram())
    publisher = Publisher("127.0.0.1:1", options=options)
    client = publisher._producer.client
    assert (client._security_protocol, client._sasl_mechanism) == (
        "SASL_PLAINTEXT",
        "SCRAM-SHA-512",
    )
    assert client._sasl_plain_username == "intake"

    async def handler(_batch: list[Any]) -> None:
        return None

    consumer = BatchConsumer("127.0.0.1:1", "g", ["t"], handler, options=options)
    inner: AIOKafkaConsumer = consumer.consumer
    assert inner._client._sasl_plain_password == "s3cret"
    plain = Publisher("127.0.0.1:1")
    assert plain._producer.client._security_protocol == "PLAINTEXT"
    app = create_app("clock", scram())
    credentials = app.conf.broker_credentials
    assert (credentials.username, credentials.password) == ("intake", "s3cret")
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert create_app("clock", Settings()).conf.broker_credentials is None


KAFKA_CLIENTS = {
    "Publisher",
    "BatchConsumer",
    "PipelineProbe",
    "AIOKafkaProducer",
    "AIOKafkaConsumer",
    "AIOKafkaClient",
    "AIOKafkaAdminClient",
}


def test_every_client_construction_site_passes_the_options() -> None:
    """Production code builds no Kafka client without the security options (tests and
    benchmarks run against the embedded PLAINTEXT broker only)."""
    missing = []
    for path in [*(ROOT / "caseflow").rglob("*.py"), *(ROOT / "services").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in KAFKA_CLIENTS and not any(k.arg in (None, "options") for k in node.keywords):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert missing == []
