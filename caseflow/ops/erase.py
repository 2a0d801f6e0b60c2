"""Erasure of one case on request (`caseflow case erase ID`): every service's eraser (the
registry's) over its own schema, all in one database transaction, so a case is removed
everywhere or nowhere. Each service owns its SQL (its store.py); this module only composes
them. The Kafka topics are not rewritten: they age out under their retention (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from caseflow.events.envelope import CASE_ID_PATTERN
from caseflow.ops.registry import SERVICES, load

Eraser = Callable[[asyncpg.Connection, str], Awaitable[dict[str, int]]]

#: Per service (schema), its erase function, in the registry's order.
ERASERS: dict[str, Eraser] = {
    name: load(service.eraser) for name, service in SERVICES.items() if service.eraser
}


@dataclass(frozen=True, slots=True)
class Erased:
    case_id: str
    #: Rows removed per ``schema.table``.
    removed: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def lines(self) -> list[str]:
        rows = [f"{table:<22} {n:>6} rows removed" for table, n in self.removed.items()]
        if self.total == 0:
            return [*rows, f"case {self.case_id}: nothing to remove (not known, or already erased)"]
        return [*rows, f"case {self.case_id}: {self.total} rows removed from every schema"]


def valid_case_id(case_id: str) -> bool:
    return bool(CASE_ID_PATTERN.fullmatch(case_id))


async def erase_case(dsn: str, case_id: str) -> Erased:
    """Remove the case from every service's schema in one transaction; idempotent."""
    if not valid_case_id(case_id):
        raise ValueError("not a case id")
    conn = await asyncpg.connect(dsn)
    try:
        removed: dict[str, int] = {}
        async with conn.transaction():
            for erase in ERASERS.values():
                removed.update(await erase(conn, case_id))
    finally:
        await conn.close()
    return Erased(case_id, removed)
