"""asyncpg pool and the migration runner: each service owns a schema and numbered .sql files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg

_MIGRATION_FILE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_SCHEMA = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(folder: Path) -> list[Migration]:
    """Numbered migrations in a folder, in order; a gap or a stray file is an error."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise ValueError(f"migration file name must be NNN_name.sql: {path.name}")
        found.append(Migration(int(match[1]), match[2], path.read_text()))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise ValueError(f"migrations in {folder} must be numbered 001, 002, … without gaps")
    return found


async def migrate(conn: asyncpg.Connection, schema: str, folder: Path) -> list[int]:
    """Apply the missing migrations of one schema; returns the versions applied now.

    Safe to run from several workers at once (advisory lock) and any number of times. A changed
    file that was already applied is an error: migrations are append-only.
    """
    if not _SCHEMA.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    migrations = discover(folder)
    applied_now: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"caseflow:{schema}")
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        await conn.execute(
            f"""CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        rows = await conn.fetch(f"SELECT version, checksum FROM {schema}.schema_migrations")
        done = {row["version"]: row["checksum"] for row in rows}
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise RuntimeError(
                        f"{schema} migration {migration.version:03d} changed after it was applied"
                    )
                continue
            await conn.execute(f"SET LOCAL search_path TO {schema}, public")
            await conn.execute(migration.sql)
            await conn.execute(
                f"INSERT INTO {schema}.schema_migrations (version, name, checksum) "
                "VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                migration.checksum,
            )
            applied_now.append(migration.version)
    return applied_now


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 5) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
    assert pool is not None
    return pool


async def migrate_all(dsn: str, schemas: Mapping[str, Path]) -> dict[str, list[int]]:
    """Apply the missing migrations of every schema (schema -> its migrations folder)."""
    conn = await asyncpg.connect(dsn)
    try:
        return {schema: await migrate(conn, schema, folder) for schema, folder in schemas.items()}
    finally:
        await conn.close()
