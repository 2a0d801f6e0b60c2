"""The failures an operator causes or meets — a service, broker or database that does not
answer, a file or folder that is not there, an answer the API refused — as one clear line for
the command line (`caseflow.ops.cli`). Anything else is a bug and keeps its traceback.

The client libraries are not imported here: an exception of theirs is recognised by its module,
so the command line starts without loading them.
"""

from __future__ import annotations

import errno
import os
import re

#: What the operator can do when a connection is refused.
START_HINT = "is it running? (`caseflow infra status`, `caseflow up`)"


class OperatorError(RuntimeError):
    """A failure the operator can act on; its message is the one line shown."""


def one_line(exc: BaseException) -> str | None:
    """The line an operator reads for a known failure; None for anything else (a bug)."""
    if isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        return one_line(exc.exceptions[0])
    if isinstance(exc, OperatorError):
        return str(exc)
    module = type(exc).__module__.split(".")[0]
    if module == "caseflow" and type(exc).__name__ == "ApiError":
        return str(exc)
    if module == "asyncpg":
        return _database(exc)
    if module == "aiokafka":
        where = re.search(r"\('([^']+)', (\d+)", str(exc))
        if where:
            return f"the broker at {where[1]}:{where[2]} did not answer; {START_HINT}"
        return f"the broker did not answer: {_text(exc)}"
    if module == "aiohttp":
        host, port = getattr(exc, "host", None), getattr(exc, "port", None)
        code = getattr(getattr(exc, "os_error", None), "errno", None)
        if host and code:
            return f"no answer from {host}:{port} ({os.strerror(code).lower()}); {START_HINT}"
        return f"no answer over HTTP: {_text(exc)}"
    if isinstance(exc, TimeoutError):
        return f"timed out: {_text(exc)}" if str(exc) else "timed out waiting for an answer"
    if isinstance(exc, ConnectionRefusedError | ConnectionResetError):
        return f"connection refused: {_address(exc)}; {START_HINT}"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or _text(exc)}: {exc.filename}"
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return f"cannot reach {_address(exc)}: {exc.strerror}"
    return None


def _database(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "InvalidCatalogNameError":
        return f"the database does not exist: {_text(exc)}; create it with `caseflow infra up`"
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return f"the database refused the login: {_text(exc)}"
    if name == "UndefinedTableError":
        return f"the database has no caseflow schema yet: {_text(exc)}; run `caseflow infra up`"
    return f"database error: {_text(exc)}"


def _address(exc: OSError) -> str:
    """``host:port`` from asyncio's "Connect call failed ('127.0.0.1', 5432)"."""
    text = str(exc)
    if "(" in text and text.endswith(")"):
        inner = text[text.rindex("(") + 1 : -1].replace("'", "").split(", ")
        if len(inner) >= 2:
            return f"{inner[0]}:{inner[1]}"
    return text


def _text(exc: BaseException) -> str:
    """The exception's message on one line (a library message may span several)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def debugging() -> bool:
    """`CASEFLOW_DEBUG=1`: show the traceback of a known failure too."""
    return os.environ.get("CASEFLOW_DEBUG", "") not in ("", "0")
