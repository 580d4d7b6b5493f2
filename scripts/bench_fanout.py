"""Measures WebSocket append-to-receive latency with many sockets, and webhook deliveries/s.

Runs `kyros serve` as a separate process (SQLite by default, `--database-url` for PostgreSQL)
and drives it from this one:

1. opens `--sockets` WebSocket connections (auth message, then subscribe to task_progress),
   reports progress on one task `--events` times through the REST API, and measures, for every
   (event, socket), the time from the event's timestamp (stamped at append) to its arrival;
2. creates `--endpoints` webhooks on a local receiver, appends `--tasks` task creations to the
   log and measures how fast the cluster's dispatcher delivers all of them, signed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
from benchkit import ws_client
from benchkit.credentials import admin_key
from benchkit.servers import kyros_serve
from benchkit.stats import percentile, quiet_gc
from benchkit.stores import Store
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.tasks import CreateTask
from kyros.domain.task import Task
from kyros.settings import Settings

OPEN_BATCH = 100  # sockets opened concurrently; --open-batch 1000 opens them all at once
COMPRESSION = True  # permessage-deflate, what browsers offer; --no-compression turns it off


async def open_subscriber(url: str, key: str) -> ws_client.Client:
    socket = await ws_client.connect(url, compression=COMPRESSION)
    socket.send_json({"type": "auth", "token": key})
    socket.send_json({"type": "subscribe", "events": ["task_progress"]})
    while (await socket.next_json())["type"] != "subscribed":
        pass
    return socket


async def websocket_latency(
    base: str, key: str, sockets: int, events: int, interval: float, pid: int | None = None
) -> dict[str, Any]:
    """Append-to-receive latency of every (event, socket): from the event's timestamp (taken
    when it is appended) to the arrival of its bytes at the client process. Frames are decoded
    only after the run, so the client's 1,000 sockets cost it little while measuring; its CPU
    time over the run is reported beside the figures to show it was not the bottleneck."""
    quiet_gc()
    url = base.replace("http://", "ws://") + "/ws"
    opened: list[ws_client.Client] = []
    started = time.monotonic()
    for start in range(0, sockets, OPEN_BATCH):
        batch = min(OPEN_BATCH, sockets - start)
        opened += await asyncio.gather(*(open_subscriber(url, key) for _ in range(batch)))
    connect_seconds = time.monotonic() - started
    arrivals: list[tuple[float, bytes]] = []
    expected = sockets * events
    everything = asyncio.get_running_loop().create_future()

    def arrived(now: float, payload: bytes) -> None:
        if payload.startswith(b'{"type":"task_progress"'):
            arrivals.append((now, payload))
            if len(arrivals) == expected:
                everything.set_result(None)

    for socket in opened:
        socket.on_message = arrived
    headers = {"Authorization": f"Bearer {key}"}
    cpu, server_cpu = time.process_time(), cpu_seconds(pid)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        task = (await client.post("/v1/tasks", json={"title": "watched"})).json()["data"]["id"]
        await client.put(f"/v1/tasks/{task}", json={"status": "in_progress"})
        wall = time.monotonic()
        for step in range(1, events + 1):
            body = {"progress": {"completed_steps": step, "total_steps": events}}
            await client.put(f"/v1/tasks/{task}", json=body)
            await asyncio.sleep(interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everything, timeout=120)
        wall = time.monotonic() - wall
    cpu, server_cpu = time.process_time() - cpu, cpu_seconds(pid) - server_cpu
    for socket in opened:
        socket.close()
    return summary(arrivals, expected, connect_seconds) | {
        "client_cpu_share": cpu / wall,
        "server_cpu_ms_per_event": 1000 * server_cpu / events,
    }


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (Linux /proc); 0 without a pid."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(
    arrivals: list[tuple[float, bytes]], expected: int, connect_seconds: float
) -> dict[str, Any]:
    """Latency percentiles, and per event the delay to its first socket and the spread from
    its first to its last socket (the fan-out itself)."""
    latencies: list[float] = []
    by_event: dict[int, list[float]] = {}
    for now, payload in arrivals:
        message = msgspec.json.decode(payload)
        stamped = datetime.fromisoformat(message["timestamp"].replace("Z", "+00:00")).timestamp()
        latencies.append(now - stamped)
        by_event.setdefault(message["position"], []).append(now - stamped)
    firsts = [min(v) for v in by_event.values()]
    spreads = [max(v) - min(v) for v in by_event.values()]
    return {
        "connect_seconds": connect_seconds,
        "received": len(latencies),
        "expected": expected,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
        "first_socket_ms": 1000 * statistics.median(firsts),
        "spread_ms": 1000 * statistics.median(spreads),
    }


class Receiver:
    """A minimal HTTP/1.1 keep-alive server (asyncio) that answers 200 and counts deliveries."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.requests = 0
        self.last = 0.0
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = dict(
                    line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line
                )
                lowered = {k.lower(): v for k, v in headers.items()}
                await reader.readexactly(int(lowered.get("content-length", "0")))
                self.ids.add(lowered["webhook-id"])
                self.requests += 1
                self.last = time.monotonic()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def webhook_throughput(
    base: str, key: str, settings: Settings, endpoints: int, tasks: int
) -> dict[str, Any]:
    receiver = Receiver()
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for n in range(endpoints):
            body = {"url": f"http://127.0.0.1:{receiver.port}/hook/{n}", "events": ["task.created"]}
            assert client.post("/v1/webhooks", json=body).status_code == 201
    expected = endpoints * tasks
    with Kyros(settings) as kyros:  # append straight to the log, in batches
        started = time.monotonic()
        for start in range(0, tasks, 100):
            batch = [Task(**command_fields()) for _ in range(min(100, tasks - start))]
            kyros.app.save_all(*batch)
    appended = time.monotonic() - started
    deadline = time.monotonic() + 600
    while len(receiver.ids) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = receiver.last - started
    return {
        "deliveries": len(receiver.ids),
        "expected": expected,
        "requests": receiver.requests,
        "append_seconds": appended,
        "seconds": elapsed,
        "per_second": len(receiver.ids) / elapsed if elapsed > 0 else 0.0,
    }


def command_fields() -> dict[str, Any]:
    fields = CreateTask(
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
    return {name: getattr(fields, name) for name in fields.__struct_fields__}


def main() -> None:
    global COMPRESSION, OPEN_BATCH
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("KYROS_DATABASE_URL"))
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between events")
    parser.add_argument("--endpoints", type=int, default=10, help="0: no webhook measurement")
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--rate-per-minute", type=int, default=1_000_000)
    parser.add_argument("--no-compression", action="store_true", help="no permessage-deflate")
    parser.add_argument(
        "--open-batch",
        type=int,
        default=OPEN_BATCH,
        help="sockets opened at once (1000 with --database-url of a large log: a server just"
        " started must authenticate them all within the timeout)",
    )
    args = parser.parse_args()
    OPEN_BATCH = args.open_batch
    COMPRESSION = not args.no_compression
    store = Store(
        "PostgreSQL" if args.database_url else "SQLite",
        Path(tempfile.mkdtemp(prefix="kyros-bench-")),
        args.database_url,
    )
    env = {
        "KYROS_WEBHOOK_RATE_PER_MINUTE": str(args.rate_per_minute),
        "KYROS_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",  # the receiver is on loopback
        "KYROS_WS_QUEUE_SIZE": "10000",
        "KYROS_PROJECTION_POLL_SECONDS": "0.5",
        "KYROS_WEBHOOK_POLL_SECONDS": "0.5",
    }
    settings = store.settings()
    with Kyros(settings) as kyros:
        key = admin_key(kyros)
    with kyros_serve(store, env=env) as server:
        print(f"kyros serve on {store.kind}, {os.cpu_count()} CPUs; server pid {server.pid}")
        ws = asyncio.run(
            websocket_latency(server.url, key, args.sockets, args.events, args.interval, server.pid)
        )
        print(
            f"WebSocket fan-out: {args.sockets} sockets (opened in {ws['connect_seconds']:.1f}s),"
            f" {args.events} task_progress events: received {ws['received']}/{ws['expected']};"
            f" append-to-receive p50 {ws['p50_ms']:.1f} ms, p99 {ws['p99_ms']:.1f} ms,"
            f" max {ws['max_ms']:.1f} ms; per event: first socket {ws['first_socket_ms']:.1f} ms,"
            f" first to last {ws['spread_ms']:.1f} ms; server CPU"
            f" {ws['server_cpu_ms_per_event']:.1f} ms/event;"
            f" client CPU {ws['client_cpu_share']:.0%}"
        )
        if not args.endpoints:
            return
        hooks = webhook_throughput(server.url, key, settings, args.endpoints, args.tasks)
        print(
            f"Webhooks: {args.endpoints} endpoints x {args.tasks} events = {hooks['expected']};"
            f" delivered {hooks['deliveries']} (requests {hooks['requests']}) in"
            f" {hooks['seconds']:.2f}s from the first append: {hooks['per_second']:.0f}"
            f" deliveries/s (rate limit {args.rate_per_minute}/min per endpoint;"
            f" appending took {hooks['append_seconds']:.2f}s)"
        )


if __name__ == "__main__":
    main()
