"""`kyros serve` as real processes (python -m kyros serve), for cluster and crash tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.http_client import http_client

JWT_SECRET = "cluster-test-secret-0123456789abcdef-0123456789"
FAST_ENV = {
    "KYROS_JWT_SECRET": JWT_SECRET,
    "KYROS_ADMIN_PASSWORD": "admin-password-for-tests",
    "KYROS_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
    "KYROS_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "KYROS_WEBHOOK_RETRY_MAX_SECONDS": "1",
    "KYROS_WEBHOOK_TIMEOUT_SECONDS": "2",
    "KYROS_WEBHOOK_POLL_SECONDS": "0.1",
    "KYROS_PROJECTION_POLL_SECONDS": "0.1",
    "KYROS_RATE_LIMITS": "default=100000/minute,task_create=100000/minute,webhooks=100000/minute",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One `kyros serve` process; `kill()` is SIGKILL: no shutdown code runs."""

    def __init__(
        self,
        data_dir: Path,
        *,
        python: str = sys.executable,
        args: tuple[str, ...] = (),
        **env: str,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.stderr = data_dir / f"serve-{self.port}.stderr"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
        environment.update(FAST_ENV, KYROS_DATA_DIR=str(data_dir), **env)
        with self.stderr.open("w") as sink:
            self.process = subprocess.Popen(
                [python, "-m", "kyros", "serve", "--port", str(self.port), *args],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
        deadline = time.monotonic() + 60
        with http_client(base_url=self.url, timeout=1) as probe:
            while True:
                try:
                    if probe.get("/v1/health/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    said = self.stderr.read_text()
                    raise RuntimeError(f"kyros serve did not come up:\n{said}")
                time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
