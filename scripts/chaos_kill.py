"""Kills `kyros serve` with SIGKILL under concurrent writes, N times, and counts what was lost.

Eight writers create tasks (each with a unique title) and update their own tasks (a rising
version in the description) over HTTP while the server is killed at random moments and
restarted. At the end every acknowledged write must be there: a created task exactly once,
an updated task at its last acknowledged version or later. Prints the counts; exits 1 on any
loss, duplicate or lost update.

    python scripts/chaos_kill.py --store sqlite --cycles 50
    python scripts/chaos_kill.py --store postgres --cycles 50
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psycopg

ADMIN_URL = os.environ.get(
    "KYROS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Ledger:
    """What the server acknowledged, as the writers saw it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    created: dict[str, str] = field(default_factory=dict)  # title -> task id ("" if 202)
    versions: dict[str, int] = field(default_factory=dict)  # task id -> last acked version
    attempts: int = 0
    failures: int = 0  # refused, reset, timed out or not 2xx: not acknowledged, not counted


class Server:
    """One `kyros serve` child process on a fixed port, killed and restarted at will."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 60) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kyros", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/v1/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"kyros serve exited with {self.process.returncode}")
            time.sleep(0.1)
        raise SystemExit("kyros serve did not become ready")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def writer(url: str, key: str, ledger: Ledger, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    mine: list[str] = []
    headers = {"X-API-Key": key}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        while not stop.is_set():
            with ledger.lock:
                ledger.attempts += 1
            try:
                if mine and rng.random() < 0.4:
                    _update(client, ledger, rng.choice(mine))
                else:
                    task_id = _create(client, ledger)
                    if task_id:
                        mine.append(task_id)
            except httpx.HTTPError:
                with ledger.lock:
                    ledger.failures += 1
                time.sleep(0.1)  # the server is down or restarting


def _create(client: httpx.Client, ledger: Ledger) -> str:
    title = f"chaos {uuid.uuid4().hex}"
    response = client.post("/v1/tasks", json={"title": title})
    if response.status_code not in (201, 202):
        with ledger.lock:
            ledger.failures += 1
        return ""
    task_id = str(response.json()["data"].get("id", ""))
    with ledger.lock:
        ledger.created[title] = task_id
    return task_id


def _update(client: httpx.Client, ledger: Ledger, task_id: str) -> None:
    with ledger.lock:
        version = ledger.versions.get(task_id, 0) + 1
        ledger.versions.setdefault(task_id, 0)
    response = client.put(f"/v1/tasks/{task_id}", json={"description": f"v{version}"})
    if response.status_code in (200, 202):
        with ledger.lock:
            ledger.versions[task_id] = max(ledger.versions[task_id], version)
    else:
        with ledger.lock:
            ledger.failures += 1


def read_back(url: str, key: str, ledger: Ledger) -> tuple[list[str], dict[str, int]]:
    """Every task's title (from the list) and each updated task's version (read one by one:
    the list leaves descriptions out)."""
    titles: list[str] = []
    versions: dict[str, int] = {}
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) as client:
        while True:
            page = client.get("/v1/tasks", params={"limit": 200, "offset": len(titles)})
            page.raise_for_status()
            tasks = page.json()["data"]["tasks"]
            titles += [str(t["title"]) for t in tasks]
            if not tasks:
                break
        for task_id, acked in ledger.versions.items():
            if acked:
                task = client.get(f"/v1/tasks/{task_id}").json().get("data") or {}
                versions[task_id] = int(str(task.get("description") or "v0").lstrip("v"))
    return titles, versions


def verdict(ledger: Ledger, titles: list[str], versions: dict[str, int]) -> dict[str, int]:
    counts = Counter(titles)
    acked_updates = {task_id: v for task_id, v in ledger.versions.items() if v}
    return {
        "acknowledged_creates": len(ledger.created),
        "found_tasks": len(titles),
        "lost": sum(1 for title in ledger.created if counts[title] == 0),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "acknowledged_updates": len(acked_updates),
        "lost_updates": sum(1 for t, v in acked_updates.items() if versions.get(t, 0) < v),
        "unacknowledged": ledger.failures,
        "attempts": ledger.attempts,
    }


def run(store: str, cycles: int, writers: int, low: float, high: float) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="kyros-chaos-") as data_dir:
        env = {
            **os.environ,
            "KYROS_DATA_DIR": data_dir,
            "KYROS_ADMIN_PASSWORD": uuid.uuid4().hex,
            "KYROS_RATE_LIMITS": "task_create=10000000/hour,default=10000000/hour",
            "KYROS_LOG_FORMAT": "text",
        }
        env.pop("KYROS_DATABASE_URL", None)
        database = _create_database() if store == "postgres" else None
        if database:
            env["KYROS_DATABASE_URL"] = database
        try:
            return _cycles(env, cycles, writers, low, high)
        finally:
            if database:
                _drop_database(database)


def _cycles(
    env: dict[str, str], cycles: int, writers: int, low: float, high: float
) -> dict[str, int]:
    create_key = ["keys", "create", "--name", "chaos", "--role", "admin", "--init"]  # new store
    key = subprocess.run(
        [sys.executable, "-m", "kyros", *create_key],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    server = Server(env, _free_port())
    server.start()
    ledger, stop = Ledger(), threading.Event()
    threads = [
        threading.Thread(target=writer, args=(server.url, key, ledger, stop, n), daemon=True)
        for n in range(writers)
    ]
    for thread in threads:
        thread.start()
    rng = random.Random()
    for _ in range(cycles):
        time.sleep(rng.uniform(low, high))
        server.kill()
        server.start()
    time.sleep(rng.uniform(low, high))
    stop.set()
    for thread in threads:
        thread.join()
    report = _settled(server.url, key, ledger)
    server.kill()
    return {"cycles": cycles, **report}


def _settled(url: str, key: str, ledger: Ledger, within: float = 30) -> dict[str, int]:
    """The read model catches up from the log after a restart: wait until nothing is missing."""
    deadline = time.monotonic() + within
    while True:
        report = verdict(ledger, *read_back(url, key, ledger))
        if not (report["lost"] or report["lost_updates"]) or time.monotonic() > deadline:
            return report
        time.sleep(0.5)


def _create_database() -> str:
    name = f"kyros_chaos_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def _drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--cycles", type=int, default=10, help="SIGKILLs per store")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--min-run", type=float, default=0.5, help="seconds between kills, least")
    parser.add_argument("--max-run", type=float, default=2.0, help="seconds between kills, most")
    args = parser.parse_args()
    stores = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    failed = False
    for store in stores:
        started = time.monotonic()
        report = run(store, args.cycles, args.writers, args.min_run, args.max_run)
        seconds = time.monotonic() - started
        print(
            f"{store}: " + ", ".join(f"{k}={v}" for k, v in report.items()) + f" ({seconds:.0f} s)"
        )
        failed |= bool(report["lost"] or report["duplicates"] or report["lost_updates"])
    if failed:
        print("FAILED: an acknowledged write was lost, duplicated or rolled back")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
