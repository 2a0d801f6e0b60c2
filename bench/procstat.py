"""What /proc says about a benchmark's processes: memory and CPU time (Linux only)."""

from __future__ import annotations

import os
from pathlib import Path


def memory_mib(pid: int, field: str = "VmRSS") -> float | None:
    """A memory figure of /proc/<pid>/status in MiB: VmRSS (resident now), VmHWM (its peak);
    None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
