"""Servers under test as separate processes: `kyros serve`, and the bare baseline route."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchkit.stores import Store

BARE_APP = Path(__file__).with_name("bare_app.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Process:
    """A server process on a free port, ready once `probe` answers 200; stopped on exit."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path, probe: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("w") as sink:
            self.process = subprocess.Popen(
                [*argv, "--port", str(self.port)], env=env, stdout=subprocess.DEVNULL, stderr=sink
            )
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}{probe}", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{argv} did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        """Resident memory of the process and its children (the workers of `--workers N`)."""
        return sum(_rss_kib(pid) for pid in [self.pid, *_children(self.pid)]) / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def kyros_serve(store: Store, *, workers: int = 1, env: dict[str, str] | None = None) -> Process:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    environment |= store.env() | (env or {})
    argv = [sys.executable, "-m", "kyros", "serve"]
    if workers > 1:
        argv += ["--workers", str(workers)]
    log = store.data_dir / f"serve-{workers}-{time.monotonic_ns()}.log"
    return Process(argv, environment, log, "/v1/health/ready")


def bare_route(body: bytes, content_type: str, data_dir: Path) -> Process:
    """The baseline: one Litestar route answering `body`, under kyros serve's uvicorn options."""
    body_file = data_dir / "bare-body"
    body_file.write_bytes(body)
    env = dict(os.environ)
    argv = [sys.executable, str(BARE_APP), "--body", str(body_file), "--type", content_type]
    return Process(argv, env, data_dir / "bare.log", "/bare")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listed:
            return [int(p) for p in listed.read().split()]
    except OSError:
        return []


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
