"""POST /v1/tasks over HTTP beside the bare command layer, measured in the same run.

The HTTP figure is a real `kyros serve` (its own process, its projection workers running)
loaded by wrk with `connections` keep-alive connections; the baseline is `create_task` called
by as many threads on a store of its own, with no server and no read model. Rounds interleave
the two (the machine is shared and noisy); medians and the ratio are printed.

    .venv/bin/python scripts/bench_write_path.py [--database-url postgresql://…/bench_x]

`measure_write_path` is the importable entry (for scripts/bench.py).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.tasks import CreateTask, create_task
from kyros.settings import Settings

ADMIN_PASSWORD = "bench-admin-password"  # noqa: S105 (a throwaway)
JWT_SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"  # noqa: S105 (a throwaway)
BODY = '{"title": "Benchmark task", "type": "implementation", "priority": "medium"}'
_WRK = """wrk.method = "POST"
wrk.body = '%s'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class HttpRun:
    per_second: float
    p50_ms: float
    p99_ms: float
    failed: int


@dataclass(frozen=True)
class WritePath:
    """Medians over the rounds; `ratio` is HTTP over the bare command rate."""

    http: HttpRun
    command_per_second: float

    @property
    def ratio(self) -> float:
        return self.http.per_second / self.command_per_second


def command_rate(database_url: str | None, threads: int, seconds: float) -> float:
    """`create_task` per second from `threads` threads: the command layer with nothing above."""
    with tempfile.TemporaryDirectory() as tmp, Kyros(_settings(tmp, database_url)) as kyros:
        counts = [0] * threads
        stop = threading.Event()
        barrier = threading.Barrier(threads + 1)

        def loop(index: int) -> None:
            barrier.wait()
            while not stop.is_set():
                create_task(kyros.app, _command())
                counts[index] += 1

        workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        barrier.wait()
        started = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        for worker in workers:
            worker.join()
        return sum(counts) / (time.perf_counter() - started)


def http_rate(url: str, key: str, connections: int, seconds: float) -> HttpRun:
    """wrk, POSTing tasks on `connections` connections (two load threads)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_WRK % (BODY, key))
        script.flush()
        threads = str(min(2, connections))
        command = ["wrk", "-t", threads, "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
        out = subprocess.run(
            [*command, "--latency", "-s", script.name, f"{url}/v1/tasks"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return HttpRun(
        per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_latency(out, "50%"),
        p99_ms=_latency(out, "99%"),
        failed=int(failed.group(1)) if failed else 0,
    )


def measure_write_path(
    database_url: str | None,
    *,
    connections: int = 16,
    seconds: float = 5.0,
    rounds: int = 3,
    report: bool = True,
) -> WritePath:
    """On PostgreSQL, `database_url` names a database this benchmark may drop and recreate
    (two, suffixed `_http` and `_cmd`)."""
    http_url = _fresh(database_url, "http")
    with tempfile.TemporaryDirectory() as tmp, serving(Path(tmp), http_url) as (url, key):
        http_runs: list[HttpRun] = []
        commands: list[float] = []
        for round_no in range(1, rounds + 1):
            commands.append(command_rate(_fresh(database_url, "cmd"), connections, seconds))
            http_runs.append(http_rate(url, key, connections, seconds))
            if report:
                run = http_runs[-1]
                print(
                    f"round {round_no}: command x{connections} {commands[-1]:7,.0f}/s | "
                    f"POST /v1/tasks x{connections} {run.per_second:7,.0f}/s "
                    f"p50 {run.p50_ms:6.1f} ms p99 {run.p99_ms:6.1f} ms"
                    + (f" ({run.failed} not 2xx)" if run.failed else "")
                )
    http = HttpRun(
        per_second=statistics.median(r.per_second for r in http_runs),
        p50_ms=statistics.median(r.p50_ms for r in http_runs),
        p99_ms=statistics.median(r.p99_ms for r in http_runs),
        failed=sum(r.failed for r in http_runs),
    )
    return WritePath(http=http, command_per_second=statistics.median(commands))


@contextmanager
def serving(data_dir: Path, database_url: str | None) -> Iterator[tuple[str, str]]:
    """A `kyros serve` process of this interpreter's Kyros, and an admin API key for it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env |= {
        "KYROS_DATA_DIR": str(data_dir),
        "KYROS_JWT_SECRET": JWT_SECRET,
        "KYROS_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "KYROS_RATE_LIMITS": "default=100000000/minute,task_create=100000000/minute,"
        "auth=100000/minute",
    }
    if database_url:
        env["KYROS_DATABASE_URL"] = database_url
    log = (data_dir / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "kyros", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        yield url, _admin_key(url, process, data_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _admin_key(url: str, process: subprocess.Popen[bytes], data_dir: Path) -> str:
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=url, timeout=30) as http:
        while True:
            try:
                if http.get("/v1/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit((data_dir / "serve.log").read_text())
            time.sleep(0.2)
        login = {"username": "admin", "password": ADMIN_PASSWORD}
        token = http.post("/v1/auth/login", data=login).json()["data"]["access_token"]
        made = http.post(
            "/v1/api-keys",
            json={"name": "bench", "role": "admin"},
            headers={"Authorization": f"Bearer {token}"},
        )
        return str(made.json()["data"]["key"])


def _fresh(database_url: str | None, suffix: str) -> str | None:
    """An empty PostgreSQL database named after `database_url`'s (None: SQLite)."""
    if database_url is None:
        return None
    base, name = database_url.rsplit("/", 1)
    fresh = f"{name}_{suffix}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{fresh}"')
    return f"{base}/{fresh}"


def _settings(data_dir: str, database_url: str | None) -> Settings:
    return Settings(data_dir=Path(data_dir), database_url=database_url)  # type: ignore[arg-type]


def _command() -> CreateTask:
    return CreateTask(
        task_id=ULID().to_uuid(),
        actor="user_bench",
        title="Benchmark task",
        description="",
        task_type="implementation",
        priority="medium",
        assignee_role=None,
        files_to_modify=[],
        acceptance_criteria=[],
        dependencies=[],
        tags=[],
        deadline=None,
        metadata={},
    )


def _latency(out: str, percentile: str) -> float:
    match = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL database to recreate (else SQLite)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures = measure_write_path(
        args.database_url, connections=args.connections, seconds=args.seconds, rounds=args.rounds
    )
    store = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{store}, median of {args.rounds}: POST /v1/tasks {figures.http.per_second:,.0f}/s "
        f"(p50 {figures.http.p50_ms:.1f} ms, p99 {figures.http.p99_ms:.1f} ms) vs command "
        f"{figures.command_per_second:,.0f}/s = {figures.ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
