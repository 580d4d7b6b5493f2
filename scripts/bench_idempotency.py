"""Measures what an Idempotency-Key costs a POST /v1/tasks over HTTP, and what a replay costs.

A keyed POST claims the key in the command's own save and records the answer in a second
save; a replay reads one aggregate and writes nothing. Prints requests per second, from one
client, for: no key (the baseline, same run), a fresh key per request, and replays.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import uvicorn
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import CreateApiKey, create_api_key
from kyros.http.app import create_app
from kyros.identity.api_keys import generate_api_key
from kyros.settings import Settings

LIMITS = {g: "1000000/minute" for g in ("auth", "task_create", "default", "webhooks")}


def admin_key(kyros: Kyros) -> str:
    key = generate_api_key()
    command = CreateApiKey(
        key_id=ULID().to_uuid(), name="bench", role="admin", prefix=key.prefix,
        key_hash=key.hash, actor="bench",
    )  # fmt: skip
    create_api_key(kyros.app, command)
    kyros.engine.catch_up("api_keys", 500)
    return key.plaintext


def rate(client: httpx.Client, count: int, keys: list[str | None]) -> float:
    started = time.perf_counter()
    for n in range(count):
        key = keys[n % len(keys)]
        headers = {"Idempotency-Key": key} if key is not None else {}
        response = client.post("/v1/tasks", json={"title": "Bench"}, headers=headers)
        assert response.status_code == 201, response.text
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a temporary SQLite)")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=args.database_url, rate_limits=LIMITS)  # type: ignore[arg-type]
        with Kyros(settings) as kyros:
            server = uvicorn.Server(uvicorn.Config(create_app(kyros), port=0, log_level="warning"))
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            headers = {"Authorization": f"Bearer {admin_key(kyros)}"}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
                n = args.requests
                fresh = [str(uuid.uuid4()) for _ in range(n)]
                print(f"no key:        {rate(client, n, [None]):7.1f} requests/s")
                print(f"a fresh key:   {rate(client, n, fresh):7.1f} requests/s")
                print(f"replays:       {rate(client, n, fresh):7.1f} requests/s")
            server.should_exit = True
            thread.join(timeout=30)  # the workers stop before the store closes


if __name__ == "__main__":
    main()
