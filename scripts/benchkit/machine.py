"""What machine and software produced the figures: printed above every table."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from importlib.metadata import version

import psycopg


def facts(database_url: str | None) -> dict[str, str]:
    found = {
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "cpu": _cpu(),
        "python": platform.python_version(),
        "uvicorn": version("uvicorn"),
        "litestar": version("litestar"),
        "SQLite": sqlite3.sqlite_version,
        "load": _load(),
    }
    if database_url:
        try:
            with psycopg.connect(database_url, connect_timeout=5) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                found["PostgreSQL"] = str(row[0]) if row else "?"
        except psycopg.Error as error:
            found["PostgreSQL"] = f"unreachable ({error.__class__.__name__})"
    return found


def wrk_version() -> str | None:
    path = shutil.which("wrk")
    if path is None:
        return None
    done = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" [")[0] if first else "wrk"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _memory() -> str:
    try:
        with open("/proc/meminfo") as info:
            kib = int(info.readline().split()[1])
        return f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "?"


def _load() -> str:
    """The 1-minute load average at start: other work on a shared machine skews figures."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"
