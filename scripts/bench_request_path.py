"""The request path: GET /v1/tasks/{id} through Kyros beside a bare Litestar route.

Both servers run under the same uvicorn in the same run; `wrk` drives each in turn
(interleaved rounds, so the shared machine's noise falls on both), and the bare route serves
the very bytes Kyros answered. Prints req/s and p50/p99 per round and the median ratio, then
the Kyros server's RSS after GET and POST load. `measure_request_path` is importable
(scripts/bench.py). wrk and both servers share the machine's cores: on a 2-core machine the
figures are bounded by that sharing as much as by either server.

    .venv/bin/python scripts/bench_request_path.py [--database-url postgresql://...]
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
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

ADMIN_PASSWORD = "bench-admin-password"  # noqa: S105 (a throwaway)
JWT_SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"  # noqa: S105 (a throwaway)
_HERE = Path(__file__).resolve().parent
_POST_LUA = """
wrk.method = "POST"
wrk.body = '{"title": "bench load"}'
wrk.headers["Content-Type"] = "application/json"
"""


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us_per_request: float = 0.0  # the server's CPU time (all its threads) per answer


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (every thread)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(pid: int, run: Callable[[], Run], seconds: float) -> Run:
    """`run`, with the CPU the server at `pid` spent per request during it."""
    before = cpu_seconds(pid)
    result = run()
    spent = cpu_seconds(pid) - before
    answered = result.requests_per_second * max(1, round(seconds))
    return replace(result, cpu_us_per_request=spent / max(answered, 1) * 1e6)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise SystemExit(log.read_text())


def start_kyros(data_dir: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env |= {
        "KYROS_DATA_DIR": str(data_dir),
        "KYROS_JWT_SECRET": JWT_SECRET,
        "KYROS_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "KYROS_RATE_LIMITS": "default=100000000/minute,auth=100000/minute,"
        "task_create=100000000/minute",
    }
    if database_url:
        env["KYROS_DATABASE_URL"] = database_url
    log = data_dir / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "kyros", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    _wait_ready(f"{url}/v1/health/ready", process, log)
    return process, url


def start_bare(data_dir: Path, body: bytes) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    body_file = data_dir / "body.json"
    body_file.write_bytes(body)
    log = data_dir / "bare.log"
    process = subprocess.Popen(
        [sys.executable, _HERE / "bare_litestar.py", "--port", str(port), "--body-file", body_file],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    _wait_ready(f"{url}/v1/tasks/x", process, log)
    return process, url


def wrk(
    url: str, headers: dict[str, str], connections: int, seconds: float, script: str | None = None
) -> Run:
    duration = f"-d{max(1, round(seconds))}s"
    command = ["wrk", "-t2", f"-c{connections}", duration, "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: .*timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += int(socket_errors.group(1)) if socket_errors else 0
    return Run(rate, _percentile(out, "50%"), _percentile(out, "99%"), errors)


def _percentile(out: str, label: str) -> float:
    value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def _prepare(url: str) -> tuple[dict[str, str], str, bytes]:
    with httpx.Client(base_url=url, timeout=30) as http:
        login = {"username": "admin", "password": ADMIN_PASSWORD}
        token = http.post("/v1/auth/login", data=login).json()["data"]["access_token"]
        user = {"Authorization": f"Bearer {token}"}
        made = http.post("/v1/api-keys", json={"name": "bench", "role": "admin"}, headers=user)
        key = {"Authorization": f"Bearer {made.json()['data']['key']}"}
        task = http.post("/v1/tasks", json={"title": "bench"}, headers=key).json()
        path = f"/v1/tasks/{task['data']['id']}"
        body = http.get(path, headers=key).content
    return key, path, body


def measure_request_path(
    database_url: str | None, *, connections: int = 64, seconds: float = 5, rounds: int = 3
) -> dict[str, object]:
    """Interleaved rounds of Kyros and bare; the Kyros server's RSS after GET, then POST load."""
    with tempfile.TemporaryDirectory() as tmp:
        kyros, url = start_kyros(Path(tmp), database_url)
        bare = None
        try:
            key, path, body = _prepare(url)
            bare, bare_url = start_bare(Path(tmp), body)
            wrk(url + path, key, connections, 1)  # warm both
            wrk(bare_url + path, {}, connections, 1)
            runs: dict[str, list[Run]] = {"kyros": [], "bare": []}
            for _ in range(rounds):
                on_kyros = lambda: wrk(url + path, key, connections, seconds)  # noqa: E731
                on_bare = lambda: wrk(bare_url + path, {}, connections, seconds)  # noqa: E731
                runs["kyros"].append(timed(kyros.pid, on_kyros, seconds))
                runs["bare"].append(timed(bare.pid, on_bare, seconds))
            rss_get = rss_mb(kyros.pid)
            post = wrk(url + "/v1/tasks", key, 16, seconds, _POST_LUA)
            wrk(url + path, key, connections, seconds)
            rss_post = rss_mb(kyros.pid)
        finally:
            for process in (kyros, bare):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)
    return {
        "body_bytes": len(body),
        "runs": runs,
        "post": post,
        "rss_after_get_mb": rss_get,
        "rss_after_post_mb": rss_post,
    }


def report(store: str, result: dict[str, object]) -> None:
    runs: dict[str, list[Run]] = result["runs"]  # type: ignore[assignment]
    print(f"== {store}: GET /v1/tasks/{{id}}, body {result['body_bytes']} bytes")
    for i, (k, b) in enumerate(zip(runs["kyros"], runs["bare"], strict=True)):
        print(
            f"  round {i + 1}: kyros {k.requests_per_second:7,.0f} req/s p50 {k.p50_ms:6.2f} ms"
            f" p99 {k.p99_ms:6.2f} ms {k.cpu_us_per_request:5.0f} us CPU/req err {k.errors}"
            f" | bare {b.requests_per_second:7,.0f} req/s p50 {b.p50_ms:6.2f} ms"
            f" p99 {b.p99_ms:6.2f} ms {b.cpu_us_per_request:5.0f} us CPU/req"
            f" | ratio {k.requests_per_second / b.requests_per_second:.2f}"
        )
    ratios = [
        k.requests_per_second / b.requests_per_second
        for k, b in zip(runs["kyros"], runs["bare"], strict=True)
    ]
    kyros_p99 = statistics.median(r.p99_ms for r in runs["kyros"])
    cpu = [
        b.cpu_us_per_request / k.cpu_us_per_request
        for k, b in zip(runs["kyros"], runs["bare"], strict=True)
        if k.cpu_us_per_request
    ]
    print(
        f"  median ratio {statistics.median(ratios):.2f} (req/s), "
        f"{statistics.median(cpu) if cpu else 0:.2f} (bare CPU/req over kyros CPU/req);"
        f" kyros median p99 {kyros_p99:.2f} ms"
    )
    post: Run = result["post"]  # type: ignore[assignment]
    print(
        f"  POST /v1/tasks 16 conns: {post.requests_per_second:,.0f} req/s p99 {post.p99_ms:.1f} ms"
        f" err {post.errors}"
    )
    print(
        f"  RSS after GET load {result['rss_after_get_mb']:.0f} MB,"
        f" after POST+GET load {result['rss_after_post_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = measure_request_path(
        args.database_url, connections=args.connections, seconds=args.seconds, rounds=args.rounds
    )
    report("PostgreSQL" if args.database_url else "SQLite", result)


if __name__ == "__main__":
    main()
