"""Measures authenticated reads per second: GET /v1/tasks/{id} with an API key and a user token.

Runs `kyros serve` as a separate process (SQLite by default, `--database-url` for PostgreSQL),
makes a key and a task through the API, then has `--clients` threads each send requests for
`--seconds` and reports requests per second for each credential kind. Every answer must be 200.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ADMIN_PASSWORD = "bench-admin-password"  # noqa: S105 (a throwaway)
JWT_SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"  # noqa: S105 (a throwaway)


def serve(data_dir: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env |= {
        "KYROS_DATA_DIR": str(data_dir),
        "KYROS_JWT_SECRET": JWT_SECRET,
        "KYROS_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "KYROS_RATE_LIMITS": "default=10000000/minute,auth=100000/minute",
    }
    if database_url:
        env["KYROS_DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "kyros", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data_dir / "serve.log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/health/ready", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit((data_dir / "serve.log").read_text())


def rate(url: str, path: str, headers: dict[str, str], clients: int, seconds: float) -> float:
    counts = [0] * clients
    failures: list[int] = []
    stop = time.monotonic() + seconds

    def run(index: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            while time.monotonic() < stop:
                response = http.get(path)
                if response.status_code != 200:
                    failures.append(response.status_code)
                counts[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        process, url = serve(Path(tmp), args.database_url)
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                login = {"username": "admin", "password": ADMIN_PASSWORD}
                token = http.post("/v1/auth/login", data=login).json()["data"]["access_token"]
                user = {"Authorization": f"Bearer {token}"}
                made = http.post(
                    "/v1/api-keys", json={"name": "bench", "role": "admin"}, headers=user
                )
                key = {"Authorization": f"Bearer {made.json()['data']['key']}"}
                task = http.post("/v1/tasks", json={"title": "bench"}, headers=key).json()
                path = f"/v1/tasks/{task['data']['id']}"
            for kind, headers in (("api key", key), ("user token", user)):
                per_second = rate(url, path, headers, args.clients, args.seconds)
                print(f"GET /v1/tasks/{{id}} with {kind}: {per_second:,.0f} req/s")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
