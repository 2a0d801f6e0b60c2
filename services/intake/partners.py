"""Partner authentication for the HTTP path: bearer tokens, stored only as SHA-256 hashes.

The partners file (TOML, named by ``CASEFLOW_PARTNERS_FILE``) maps each partner to one or more
token hashes; deploy/partners.dev.toml is the demo-only example.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from services.intake.admission import PARTNERS

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Partners:
    """(partner, token hash) pairs; ``identify`` compares against every one of them."""

    hashes: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def load(cls, path: Path | None) -> Partners:
        """No file means no partner can authenticate: HTTP answers 401 to everyone."""
        if path is None:
            return cls()
        with path.open("rb") as handle:
            doc = tomllib.load(handle)
        pairs: list[tuple[str, bytes]] = []
        for name, entry in doc.get("partners", {}).items():
            if name not in PARTNERS:
                raise ValueError(f"{path}: {name!r} is not a partner of the event catalogue")
            hashes = entry.get("token_sha256", [])
            for value in [hashes] if isinstance(hashes, str) else hashes:
                if not isinstance(value, str) or not _HEX64.match(value):
                    raise ValueError(f"{path}: partners.{name}.token_sha256 must be 64 hex digits")
                pairs.append((name, bytes.fromhex(value)))
        return cls(tuple(pairs))

    def identify(self, token: str) -> str | None:
        """The partner holding ``token``, or None. Every stored hash is compared, in constant
        time, so neither the answer's timing nor its order gives a token or a partner away.
        """
        digest = hashlib.sha256(token.encode()).digest()
        found = None
        for name, stored in self.hashes:
            if hmac.compare_digest(digest, stored):
                found = name
        return found

    def __len__(self) -> int:
        return len(self.hashes)
