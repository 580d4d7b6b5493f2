"""Measures authenticated reads per second: GET /v1/tasks/{id} with an API key and a user token.

Runs `kyros serve` as a separate process (SQLite by default, `--database-url` for PostgreSQL),
makes a key and a task through the API, then has `--clients` threads each send requests for
`--seconds` and reports requests per second for each credential kind. Every answer must be 200.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import httpx
from benchkit.servers import kyros_serve
from benchkit.stores import ADMIN_PASSWORD, Store


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
        store = Store("PostgreSQL" if args.database_url else "SQLite", Path(tmp), args.database_url)
        with kyros_serve(store) as server:
            url = server.url
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


if __name__ == "__main__":
    main()
