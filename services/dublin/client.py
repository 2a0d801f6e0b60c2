"""Client side of the Dublin API, for `caseflow dublin expiring`: fetch, and render as a table."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class ApiError(Exception):
    """The service answered with an error, or did not answer."""


def fetch_expiring(
    base_url: str, within_days: int | None, token: str | None = None, timeout: float = 10.0
) -> Any:
    query = (
        "" if within_days is None else "?" + urllib.parse.urlencode({"within_days": within_days})
    )
    url = f"{base_url.rstrip('/')}/v1/dublin/expiring{query}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=timeout
        ) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read())
            detail = f"{body.get('error')}: {body.get('detail')}"
        except ValueError:
            detail = exc.reason
        raise ApiError(f"{url} answered {exc.code} ({detail})") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ApiError(f"{url} did not answer ({exc}); is `caseflow run dublin` running?") from exc


def table_lines(document: dict[str, Any]) -> list[str]:
    claims = document["claims"]
    lines = [
        f"as of {document['as_of']}: {len(claims)} accepted claim(s) expiring within "
        f"{document['within_days']} days",
        f"{'case':<24} {'state':<5} {'stage':<18} {'deadline':<10} {'days':>4}  side-inflow",
    ]
    for c in claims:
        lines.append(
            f"{c['case_id']:<24} {c['member_state'] or '-':<5} {c['stage']:<18} "
            f"{c['transfer_deadline']:<10} {c['days_left']:>4}  {c['side_inflow_on']}"
        )
    lines.append("")
    lines.append("side-inflow forecast if none is transferred")
    for week in document["forecast"]:
        lines.append(f"{week['week']}  {week['starts_on']}  {week['side_inflow']:>5}")
    return lines
