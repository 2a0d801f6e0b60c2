"""Integration tier: a real broker and a real PostgreSQL, started once for the session."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseflow.ops import infra
from caseflow.ops.infra import InfraState
from caseflow.runtime.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def infra_settings() -> Settings:
    """Own home, port and database, so a developer's running `caseflow up` is left alone
    (``CASEFLOW_TEST_BROKER_PORT`` and ``CASEFLOW_TEST_DATABASE`` let two test runs coexist)."""
    port = int(os.environ.get("CASEFLOW_TEST_BROKER_PORT", "19093"))
    return load_settings(
        home=ROOT / ".caseflow" / f"test-{port}",
        broker_port=port,
        database_name=os.environ.get("CASEFLOW_TEST_DATABASE", "caseflow_test"),
        partitions=6,
    )


@pytest.fixture(scope="session")
def infra_state(infra_settings: Settings) -> Iterator[InfraState]:
    state = asyncio.run(infra.up(infra_settings))
    yield state
    infra.down(infra_settings)


@pytest.fixture(scope="session")
def bootstrap(infra_state: InfraState) -> str:
    assert infra_state.broker_address
    return infra_state.broker_address


@pytest.fixture(scope="session")
def dsn(infra_state: InfraState) -> str:
    assert infra_state.postgres_dsn
    return infra_state.postgres_dsn
